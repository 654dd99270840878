#!/usr/bin/env bash
# t-rec-transfers: the files moved through sftp. put, get, rename, chmod,
# mkdir, rmdir and rm of files with known SHA-256: `transfers --json`
# shows each path, size and hash exactly, a get the target refuses is a
# failed download, the audit has a file.* row for each, the recording
# holds them (export's "m" markers) and verifies; --user keeps one user's
# rows; rsync up and down are a row each with their paths and bytes;
# a resumed (non-sequential)
# upload has no hash; a malformed SFTP stream from a hostile client ends
# that session cleanly, the gateway goes on; a transfer's bytes are
# recorded only with RecordTransferContents yes.
. "$JG_SRCDIR/tests/integration/lib.sh"
jg_setup
jg_init
have sftp || bail "sftp is not installed"
target_sshd_start || bail "no target sshd"
jg_targets t1
jg_user alice ops
jg_user bob ops
"$JG" access add ops t1 >/dev/null || bail "access"
jgd_start || bail "jumpgated did not start"
D=$(mktemp -d /tmp/jg-xfer.XXXXXXXX) || bail "mktemp"
_jg_dirs+=("$D")
chown jgtarget: "$D"
chmod 0755 "$D"
SSHO=(-F none -i "$T/keys/alice" -o IdentitiesOnly=yes -o IdentityAgent=none
	-o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null
	-o LogLevel=ERROR -o ConnectTimeout=10 -P "$JG_PORT")
head -c 3000037 /dev/urandom >"$T/big" || bail "big file"
printf 'hello transfers\n' >"$T/small"
: >"$T/empty"
sum() { sha256sum "$1" | cut -d' ' -f1; }
printf 'not for the login\n' >"$D/locked" && chmod 600 "$D/locked"	# root's: jgtarget may not read it
BIG=$(sum "$T/big") SMALL=$(sum "$T/small") EMPTY=$(sum "$T/empty")
cat >"$T/batch" <<B
put $T/big $D/big.bin
put $T/small $D/small.txt
put $T/empty $D/empty
get $D/big.bin $T/big.back
rename $D/small.txt $D/renamed.txt
chmod 600 $D/renamed.txt
mkdir $D/sub
rmdir $D/sub
rm $D/renamed.txt
-rm $D/no-such-file
-get $D/locked $T/locked.back
B
check "sftp through the gateway" timeout 120 sftp -q -b "$T/batch" "${SSHO[@]}" alice@t1@127.0.0.1
is "the download came back whole" "$(sum "$T/big.back")" "$BIG"
SID=$("$JG" sessions --json | jq -r 'max_by(.id).id')
wait_for 5 sh -c "\"$JG\" transfers $SID --json | jq -e 'length >= 11' >/dev/null"
"$JG" transfers "$SID" --json >"$T/x.json" || bail "transfers --json"
row() { jq -r --arg op "$1" --arg p "$2" '.[] | select(.op == $op and .path == $p) | "\(.bytes) \(.sha256) \(.ok)"' "$T/x.json"; }
is "upload: path, size, hash" "$(row upload "$D/big.bin")" "3000037 $BIG true"
is "a small upload" "$(row upload "$D/small.txt")" "16 $SMALL true"
is "an empty upload" "$(row upload "$D/empty")" "0 $EMPTY true"
is "download: path, size, hash" "$(row download "$D/big.bin")" "3000037 $BIG true"
is "rename names both paths" "$(jq -r --arg p "$D/small.txt" '.[] | select(.op == "rename" and .path == $p) | .path2' "$T/x.json")" \
	"$D/renamed.txt"
is "chmod is a setstat" "$(row setstat "$D/renamed.txt")" "0 null true"
is "mkdir" "$(row mkdir "$D/sub")" "0 null true"
is "rmdir" "$(row rmdir "$D/sub")" "0 null true"
is "rm" "$(row remove "$D/renamed.txt")" "0 null true"
is "a failed rm says so" "$(row remove "$D/no-such-file")" "0 null false"
is "a get the target refuses is a failed download" "$(row download "$D/locked")" "0 null false"
is "they are in the session's order" "$(jq -r 'map(.op) | join(",")' "$T/x.json")" \
	"upload,upload,upload,download,rename,setstat,mkdir,rmdir,remove,remove,download"
check "each is audited" sh -c "\"$JG\" audit --json | jq -e '
	([.[] | select(.action | startswith(\"file.\"))] | length) == 11 and
	any(.[]; .action == \"file.upload\" and .actor == \"alice\" and
	(.detail | contains(\"session=$SID path=$D/big.bin bytes=3000037 sha256=$BIG ok=1\")))' >/dev/null"
check_out "the recording verifies" "^session $SID: intact" "$JG" verify "$SID"
"$JG" export "$SID" -o "$T/x.cast" || not_ok "export"
marks() { jq -r 'select(type == "array" and .[1] == "m") | .[2] | fromjson | "\(.op) \(.path) \(.bytes) \(.sha256) \(.ok)"' "$1"; }
is "the recording holds each operation: export's markers" "$(marks "$T/x.cast" | wc -l)" 11
check_out "with its path, size and hash" "^upload $D/big.bin 3000037 $BIG true\$" marks "$T/x.cast"
check_out "the table shows them" "^ +$SID .* alice +t1 +upload +3000037 yes +$BIG $D/big.bin\$" \
	"$JG" transfers --user alice
is "--target filters" "$("$JG" transfers --target nope --json)" "[]"
printf 'put %s %s\n' "$T/small" "$D/bobs.txt" >"$T/batchb"
check "bob's sftp" timeout 120 sftp -q -b "$T/batchb" -F none -i "$T/keys/bob" -o IdentitiesOnly=yes \
	-o IdentityAgent=none -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
	-o LogLevel=ERROR -P "$JG_PORT" bob@t1@127.0.0.1
wait_for 5 sh -c "\"$JG\" transfers --user bob --json | jq -e 'length == 1' >/dev/null"
is "--user keeps that user's rows" "$("$JG" transfers --user bob --json | jq -r 'map("\(.user) \(.path)") | join("|")')" \
	"bob $D/bobs.txt"
is "and leaves out the others'" "$("$JG" transfers --user alice --json | jq -r 'map(select(.user != "alice")) | length')" 0

# A resumed upload: not the whole file in order, no hash.
head -c 1000000 "$T/big" >"$D/resume.bin" && chown jgtarget: "$D/resume.bin"
printf 'reput %s %s\n' "$T/big" "$D/resume.bin" >"$T/batch2"
check "sftp reput" timeout 120 sftp -q -b "$T/batch2" "${SSHO[@]}" alice@t1@127.0.0.1
S2=$("$JG" sessions --json | jq -r 'max_by(.id).id')
wait_for 5 sh -c "\"$JG\" transfers $S2 --json | jq -e 'length == 1' >/dev/null"
is "a resumed upload counts its bytes, no hash" \
	"$("$JG" transfers "$S2" --json | jq -r '.[0] | "\(.op) \(.bytes) \(.sha256)"')" "upload 2000037 null"

# A hostile client: a packet that claims no length.
printf '\000\000\000\005\001\000\000\000\003\000\000\000\000' |
	timeout 30 ssh "${SSHO[@]/-P/-p}" -s alice@t1@127.0.0.1 sftp >"$T/bad.out" 2>"$T/bad.err"
S3=$("$JG" sessions --json | jq -r 'max_by(.id).id')
wait_for 5 sh -c "[ \"\$(\"$JG\" sessions --json | jq -r '.[] | select(.id == $S3) | .end_reason')\" = 'malformed stream' ]"
is "a malformed SFTP stream ends its session" "$(session_field "$S3" end_reason)" "malformed stream"
check_outf "the client is told" "the client sent a malformed SFTP stream" cat "$T/bad.err"
check_out "its recording verifies" "^session $S3: intact" "$JG" verify "$S3"
check_out "the gateway goes on" '^ok$' jg_as alice alice@t1@127.0.0.1 'echo ok'
expect_usage "transfers: not an id" "not a session id: 'x'" "$JG" transfers x

# scp's legacy protocol: each file with its size and hash too.
mkdir -p "$T/tree/sub" && printf 'one\n' >"$T/tree/a.txt" && printf 'two two\n' >"$T/tree/sub/b.txt"
check "scp -O upload" timeout 120 scp -O -q "${SSHO[@]}" "$T/big" alice@t1@127.0.0.1:"$D/scp.bin"
S5=$("$JG" sessions --json | jq -r 'max_by(.id).id')
check "scp -O download" timeout 120 scp -O -q "${SSHO[@]}" alice@t1@127.0.0.1:"$D/scp.bin" "$T/scp.back"
S6=$("$JG" sessions --json | jq -r 'max_by(.id).id')
check "scp -O -r upload" timeout 120 scp -O -q -r "${SSHO[@]}" "$T/tree" alice@t1@127.0.0.1:"$D/"
S7=$("$JG" sessions --json | jq -r 'max_by(.id).id')
wait_for 5 sh -c "\"$JG\" transfers $S7 --json | jq -e 'length == 2' >/dev/null"
xrow() { "$JG" transfers "$1" --json | jq -r '.[] | "\(.op) \(.path) \(.bytes) \(.sha256) \(.ok)"'; }
is "scp upload: path, size, hash" "$(xrow "$S5")" "upload $D/scp.bin 3000037 $BIG true"
is "scp download: path, size, hash" "$(xrow "$S6")" "download $D/scp.bin 3000037 $BIG true"
is "scp -r upload: each file under its directory" "$(xrow "$S7" | sort)" \
	"$(printf 'upload %s 4 %s true\nupload %s 8 %s true' "$D/tree/a.txt" "$(sum "$T/tree/a.txt")" \
	"$D/tree/sub/b.txt" "$(sum "$T/tree/sub/b.txt")" | sort)"
check "scp files are audited" sh -c "\"$JG\" audit --json | jq -e 'any(.[]; .action == \"file.download\" and (.detail | startswith(\"session=$S6 path=$D/scp.bin bytes=3000037 sha256=$BIG\")))' >/dev/null"
check_out "a malformed scp stream ends its session" "malformed scp stream" \
	sh -c "printf 'X bogus\n' | timeout 30 ssh ${SSHO[*]/-P/-p} alice@t1@127.0.0.1 scp -t $D/x 2>&1; true"

# rsync: its own protocol is not followed; one row per session with the
# paths of its server command and the bytes that went its way.
mkdir -p "$T/rs" && head -c 200000 /dev/urandom >"$T/rs/a" && printf 'b\n' >"$T/rs/b"
RSH="ssh ${SSHO[*]/-P/-p}"
check "rsync up" timeout 120 rsync -a -e "$RSH" "$T/rs/" "alice@t1@127.0.0.1:$D/rs/"
S8=$("$JG" sessions --json | jq -r 'max_by(.id).id')
check "rsync down" timeout 120 rsync -a -e "$RSH" "alice@t1@127.0.0.1:$D/rs/" "$T/rs.back/"
S9=$("$JG" sessions --json | jq -r 'max_by(.id).id')
check "rsync's files arrived" diff -r "$T/rs" "$T/rs.back"
wait_for 5 sh -c "\"$JG\" transfers $S9 --json | jq -e 'length == 1' >/dev/null"
rrow() { "$JG" transfers "$1" --json | jq -r '.[] | "\(.op) \(.path) \(.bytes > 200000) \(.sha256) \(.ok)"'; }
is "rsync up: one row, its path, its bytes" "$(rrow "$S8")" "rsync-upload $D/rs/ true null true"
is "rsync down: the same with --sender" "$(rrow "$S9")" "rsync-download $D/rs/ true null true"
check "rsync is audited" sh -c "\"$JG\" audit --json | jq -e 'any(.[]; .action == \"file.rsync-download\" and (.detail | startswith(\"session=$S9 path=$D/rs/ bytes=\")))' >/dev/null"
check_out "its recording verifies" "^session $S9: intact" "$JG" verify "$S9"
# A server command made by hand: rsync takes --sender after "." too.
timeout 30 ssh "${SSHO[@]/-P/-p}" alice@t1@127.0.0.1 "rsync --server -logDtpr . $D/rs/ --sender" </dev/null >/dev/null 2>&1
S10=$("$JG" sessions --json | jq -r 'max_by(.id).id')
wait_for 5 sh -c "\"$JG\" transfers $S10 --json | jq -e 'length == 1' >/dev/null"
is "--sender anywhere is a download; its paths are the words after '.' that are no option" \
	"$("$JG" transfers "$S10" --json | jq -r '.[] | "\(.op) \(.path) \(.ok)"')" "rsync-download $D/rs/ false"

# By default a transfer's bytes are not in its recording;
# RecordTransferContents yes keeps them.
"$JG" export "$SID" -o "$T/x.cast" || not_ok "export"
if grep -qF "hello transfers" "$T/x.cast"; then
	not_ok "by default the files' bytes are not recorded"
else
	ok "by default the files' bytes are not recorded"
fi
jgd_stop
echo "RecordTransferContents yes" >>"$JUMPGATE_CONFIG"
jgd_start || bail "jumpgated did not start again"
printf 'put %s %s\n' "$T/small" "$D/again.txt" >"$T/batch3"
check "sftp put again" timeout 120 sftp -q -b "$T/batch3" "${SSHO[@]}" alice@t1@127.0.0.1
S4=$("$JG" sessions --json | jq -r 'max_by(.id).id')
"$JG" export "$S4" -o "$T/y.cast" || not_ok "export"
check "RecordTransferContents yes keeps them" grep -qF "hello transfers" "$T/y.cast"
wait_for 5 sh -c "\"$JG\" transfers $S4 --json | jq -e 'length == 1' >/dev/null"
is "and the operation is still listed" "$("$JG" transfers "$S4" --json | jq -r '.[0] | "\(.op) \(.bytes) \(.sha256)"')" \
	"upload 16 $SMALL"

#!/usr/bin/env bash
# t-rec-transfers: the files moved through sftp. put, get, rename, chmod,
# mkdir, rmdir and rm of files with known SHA-256: `transfers --json`
# shows each path, size and hash exactly, the audit has a file.* row for
# each, the recording holds them and verifies; a resumed (non-sequential)
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
B
check "sftp through the gateway" timeout 120 sftp -q -b "$T/batch" "${SSHO[@]}" alice@t1@127.0.0.1
is "the download came back whole" "$(sum "$T/big.back")" "$BIG"
SID=$("$JG" sessions --json | jq -r 'max_by(.id).id')
wait_for 5 sh -c "\"$JG\" transfers $SID --json | jq -e 'length >= 10' >/dev/null"
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
is "they are in the session's order" "$(jq -r 'map(.op) | join(",")' "$T/x.json")" \
	"upload,upload,upload,download,rename,setstat,mkdir,rmdir,remove,remove"
check "each is audited" sh -c "\"$JG\" audit --json | jq -e '
	([.[] | select(.action | startswith(\"file.\"))] | length) == 10 and
	any(.[]; .action == \"file.upload\" and .actor == \"alice\" and
	(.detail | contains(\"session=$SID path=$D/big.bin bytes=3000037 sha256=$BIG ok=1\")))' >/dev/null"
check_out "the recording verifies" "^session $SID: intact" "$JG" verify "$SID"
check_out "the table shows them" "^ +$SID .* alice +t1 +upload +3000037 yes +$BIG $D/big.bin\$" \
	"$JG" transfers --user alice
is "--target filters" "$("$JG" transfers --target nope --json)" "[]"

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

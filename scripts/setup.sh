# setup.sh: shared by scripts/test and scripts/quickstart: install what is
# missing on Debian 12 (as root), then configure and build in the source tree.
# Sourced, not run: it defines jg_setup_all.
#
# What apt, autoreconf, configure and the compiler print goes to a log that
# is shown only when a step fails: a set-up that works says nothing but the
# packages it installs, and a failing one shows why (and keeps the log).

JG_PACKAGES="build-essential autoconf automake libtool pkg-config
 libssh-dev libevent-dev libssl-dev libsqlite3-dev libsodium-dev libcmocka-dev
 openssh-server openssh-client tmux rsync sqlite3 iproute2 jq procps
 util-linux passwd asciinema libvterm-dev bc xauth python3-paramiko
 faketime clang libclang-rt-14-dev mandoc man-db time oathtool qrencode"

jg_install_missing() {
	local missing=() p
	for p in $JG_PACKAGES; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
		    grep -q 'install ok installed' || missing+=("$p")
	done
	((${#missing[@]} == 0)) && return 0
	if [[ $(id -u) -ne 0 ]]; then
		echo "missing packages: ${missing[*]} (run as root to install them)" >&2
		return 1
	fi
	echo "installing: ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	jg_logged "package installation" sh -c 'apt-get update -qq &&
	    apt-get install -y -qq --no-install-recommends "$@"' sh "${missing[@]}"
}

# jg_logged WHAT CMD...: run CMD with its output in a temporary log; on
# failure show the log's end on stderr and keep the file (named there).
jg_logged() {
	local what=$1 log rc
	shift
	log=$(mktemp "${TMPDIR:-/tmp}/jumpgate-setup.XXXXXX") || return 1
	"$@" </dev/null >"$log" 2>&1
	rc=$?
	if [[ $rc -eq 0 ]]; then
		rm -f "$log"
		return 0
	fi
	{
		echo "$what failed (exit status $rc); the end of its output:"
		tail -n 60 "$log" | sed 's/^/  | /'
		echo "all of it is in $log"
	} >&2
	return "$rc"
}

# jg_build TOP: configure (when not done yet) and build in TOP, quietly
# (jg_logged): autoreconf's "installing ..." lines and configure's output
# say nothing to someone who only wants it built. A failed parallel make is
# run again with -j1 so that the log ends with the first error.
jg_build() {
	jg_logged "the build in $1" _jg_build_steps "$1"
}

# (A subshell: the caller's working directory stays where it was.)
_jg_build_steps() (
	cd "$1" || exit 1
	if [[ ! -x configure || configure.ac -nt configure ]]; then
		autoreconf -fi || exit 1
	fi
	if [[ ! -f Makefile || configure -nt Makefile ]]; then
		./configure -q ${JG_CONFIGURE_FLAGS:-} || exit 1
	fi
	make -s -j"$(nproc)" && exit 0
	echo "---- make -j1: the first error, in order ----"
	make -j1
)

# jg_copy_sources TOP DEST: the sources of TOP (tracked and new files of a
# git checkout; outside one, every file but build output) copied to DEST,
# for a second build that does not disturb TOP's (ASan, fuzzing).
jg_copy_sources() {
	local top=$1 dest=$2 list
	command -v rsync >/dev/null || { echo "rsync is not installed" >&2; return 1; }
	mkdir -p "$dest" || return 1
	list=$(mktemp) || return 1
	if ! (cd "$top" && git ls-files -co --exclude-standard -z 2>/dev/null) >"$list" ||
		[[ ! -s $list ]]; then
		(cd "$top" && find . -type f ! -path './build-fuzz/*' ! -path './build-asan/*' \
			! -path './_build/*' ! -path './_inst/*' \
			! -path '*/.deps/*' ! -path './autom4te.cache/*' \
			! -path './tests/logs/*' ! -path './.git/*' \
			! -name '*.o' ! -name '*.a' ! -name Makefile \
			! -name config.h ! -name config.status ! -name config.log \
			! -name stamp-h1 ! -name .dirstamp ! -name jg-paths.stamp ! -name '*~' \
			! -path './man/*' ! -path './etc/jumpgate.conf.sample' \
			! -path './etc/jumpgated.service' -print0 |
			while IFS= read -r -d '' f; do
				[[ $(head -c 4 "$f" | od -An -c | tr -d ' ') == 177ELF ]] ||
					printf '%s\0' "${f#./}"
			done) >"$list" || { rm -f "$list"; return 1; }
	fi
	rsync -a --from0 --files-from="$list" "$top/" "$dest/"
	local rc=$?
	rm -f "$list"
	return $rc
}

jg_setup_all() {
	jg_install_missing || { echo "package installation failed" >&2; return 1; }
	jg_build "$1" || { echo "build failed" >&2; return 1; }
}

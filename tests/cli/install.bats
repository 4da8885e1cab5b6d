#!/usr/bin/env bats
# make install and make uninstall into a staging directory (DESTDIR) with
# a PREFIX, as a packager runs them: every file lands where it should and
# nowhere else, a program builds through the installed pkg-config file
# against the installed header and library, statically and dynamically,
# and runs against the installed daemon; uninstall takes back exactly
# what install put there.
#
# make runs in the repository itself: install depends on `all`, which is
# up to date when the tests run, so it builds nothing; a test that finds
# the tree out of date skips rather than rebuild under the other tests.

load helpers

TOP=$(cd "$HELPERS_DIR/../.." && pwd -P)

setup() {
	common_setup
	# Not the flags or jobserver of a make the tests may run under.
	unset MAKEFLAGS MFLAGS MAKELEVEL
	if ! make -q -C "$TOP" all >/dev/null 2>&1; then
		skip "the tree is not built or out of date: run make all"
	fi
	D=$T/stage
	# Anything written without DESTDIR would land in $T/root: checked.
	P=$T/root/usr
}

teardown() {
	common_teardown
}

# make in the repository with ARGS, quietly.
mk() {
	make -s -C "$TOP" "$@"
}

# pkg-config ARGS, without the blank pkgconf leaves at the end.
pc() {
	pkg-config "$@" | sed 's/ *$//'
}

# The files and links under directory DIR, as sorted relative paths.
tree_files() {
	(cd "$1" && find . \( -type f -o -type l \) | sed 's|^\./||' | sort)
}

# What install must put under DESTDIR for prefix PREFIX, BINDIR, LIBDIR
# and MANDIR, as sorted paths relative to DESTDIR.
want_files() {
	local prefix=$1 bindir=$2 libdir=$3 mandir=$4 share=$1/share
	{
		echo "$bindir/cxbus"
		echo "$bindir/cxbusd"
		echo "$libdir/libcxbus.a"
		echo "$libdir/libcxbus.so.0"
		echo "$libdir/libcxbus.so"
		echo "$libdir/pkgconfig/cxbus.pc"
		echo "$prefix/include/cxbus.h"
		echo "$mandir/man1/cxbus.1"
		echo "$mandir/man1/cxbusd.1"
		echo "$mandir/man3/cxbus.3"
		echo "$mandir/man7/cxbus.7"
		echo "$share/bash-completion/completions/cxbus"
		echo "$share/zsh/site-functions/_cxbus"
		echo "$share/fish/vendor_completions.d/cxbus.fish"
		echo "$prefix/lib/systemd/user/cxbus.socket"
		echo "$prefix/lib/systemd/user/cxbus.service"
	} | sed 's|^/||' | sort
}

# The modification times of what the build made, to see it untouched.
build_stamps() {
	(cd "$TOP" && stat -c '%n %Y.%y' cxbus cxbusd libcxbus.a \
	    libcxbus.so.0 cxbus.pc)
}

@test "install puts every file under DESTDIR, where PREFIX says" {
	local before

	before=$(build_stamps)
	mk install DESTDIR="$D" PREFIX="$P"
	same "$(tree_files "$D")" "$(want_files "$P" "$P/bin" "$P/lib" \
	    "$P/share/man")" "the files installed"
	[ ! -e "$T/root" ] || { echo "written outside DESTDIR:" >&2;
	    find "$T/root" >&2; false; }
	same "$(build_stamps)" "$before" "the build's files"

	# What was built and written, as it is in the tree.
	cmp "$TOP/cxbus" "$D$P/bin/cxbus"
	cmp "$TOP/cxbusd" "$D$P/bin/cxbusd"
	cmp "$TOP/libcxbus.a" "$D$P/lib/libcxbus.a"
	cmp "$TOP/libcxbus.so.0" "$D$P/lib/libcxbus.so.0"
	cmp "$TOP/lib/cxbus.h" "$D$P/include/cxbus.h"
	cmp "$TOP/man/cxbus.3" "$D$P/share/man/man3/cxbus.3"
	cmp "$TOP/completions/_cxbus" "$D$P/share/zsh/site-functions/_cxbus"
	cmp "$TOP/contrib/systemd/cxbus.socket" \
	    "$D$P/lib/systemd/user/cxbus.socket"
	same "$(readlink "$D$P/lib/libcxbus.so")" libcxbus.so.0 "the .so link"
	same "$(stat -c %a "$D$P/bin/cxbusd" "$D$P/lib/libcxbus.so.0" \
	    "$D$P/lib/libcxbus.a" "$D$P/lib/pkgconfig/cxbus.pc" \
	    "$D$P/lib/systemd/user/cxbus.service" | tr '\n' ' ')" \
	    "755 755 644 644 644 " "the modes"

	# Made for this PREFIX, naming the final places, never DESTDIR.
	grep -qx "prefix=$P" "$D$P/lib/pkgconfig/cxbus.pc"
	grep -qx "libdir=$P/lib" "$D$P/lib/pkgconfig/cxbus.pc"
	grep -qx "includedir=$P/include" "$D$P/lib/pkgconfig/cxbus.pc"
	grep -qx "Version: $("$TOP/cxbus" --version | sed 's/^cxbus //')" \
	    "$D$P/lib/pkgconfig/cxbus.pc"
	grep -qx "ExecStart=$P/bin/cxbusd -f" \
	    "$D$P/lib/systemd/user/cxbus.service"
	run -1 grep -rlF -e "$D" -e @ "$D$P/lib/pkgconfig" \
	    "$D$P/lib/systemd"

	# Again over itself: the same files, no error.
	mk install DESTDIR="$D" PREFIX="$P"
	same "$(tree_files "$D")" "$(want_files "$P" "$P/bin" "$P/lib" \
	    "$P/share/man")" "the files after a second install"
}

@test "BINDIR, LIBDIR and MANDIR move their files and only theirs" {
	local bin=$P/sbin lib=$P/lib/x86_64-linux-gnu man=$P/man

	mk install DESTDIR="$D" PREFIX="$P" BINDIR="$bin" LIBDIR="$lib" \
	    MANDIR="$man"
	same "$(tree_files "$D")" "$(want_files "$P" "$bin" "$lib" "$man")" \
	    "the files installed"
	[ ! -e "$T/root" ]
	grep -qx "libdir=$lib" "$D$lib/pkgconfig/cxbus.pc"
	grep -qx "ExecStart=$bin/cxbusd -f" \
	    "$D$P/lib/systemd/user/cxbus.service"

	mk uninstall DESTDIR="$D" PREFIX="$P" BINDIR="$bin" LIBDIR="$lib" \
	    MANDIR="$man"
	same "$(tree_files "$D")" "" "files left after uninstall"
}

@test "uninstall removes what install put there and nothing else" {
	local others

	# Files of other packages in the same directories.
	mkdir -p "$D$P/bin" "$D$P/lib/pkgconfig" "$D$P/share/man/man1" \
	    "$D$P/share/zsh/site-functions" "$D$P/lib/systemd/user"
	touch "$D$P/bin/cxbus-other" "$D$P/lib/libcxbus-other.so" \
	    "$D$P/lib/pkgconfig/other.pc" "$D$P/share/man/man1/cxbusx.1" \
	    "$D$P/share/zsh/site-functions/_other" \
	    "$D$P/lib/systemd/user/other.service"
	others=$(tree_files "$D")

	mk install DESTDIR="$D" PREFIX="$P"
	[ -L "$D$P/lib/libcxbus.so" ]
	mk uninstall DESTDIR="$D" PREFIX="$P"
	same "$(tree_files "$D")" "$others" "what is left"
	[ ! -e "$T/root" ]

	# Nothing installed: still succeeds.
	mk uninstall DESTDIR="$D" PREFIX="$P"
	same "$(tree_files "$D")" "$others" "what is left"
}

@test "a program builds with the installed pkg-config file and runs" {
	local cflags libs

	mk install DESTDIR="$D" PREFIX="$P"
	# cxbus.pc names the final places under $P, as a packaged file
	# must; PKG_CONFIG_SYSROOT_DIR maps them into the staging tree, as
	# when building against packages unpacked in a sysroot.  (An install
	# with PREFIX=$D/... would test a file naming the staging directory,
	# which no package ships.)  Nothing of the tree is on the paths.
	export PKG_CONFIG_PATH=$D$P/lib/pkgconfig PKG_CONFIG_SYSROOT_DIR=$D
	cflags=$(pc --cflags cxbus)
	same "$cflags" "-I$D$P/include" "pkg-config --cflags"
	libs=$(pc --libs cxbus)
	same "$libs" "-L$D$P/lib -lcxbus" "pkg-config --libs"
	same "$(pkg-config --modversion cxbus)" "$(sed -n \
	    's/^#define CXBUS_VERSION[^"]*"\(.*\)"$/\1/p' "$TOP/lib/cxbus.h")"
	cp "$HELPERS_DIR/install-client.c" prog.c

	# shellcheck disable=SC2086
	cc ${CXBUS_TEST_CFLAGS:-} -Wall -Werror -o prog-shared prog.c \
	    $cflags $libs
	# libcxbus linked in whole, and libbsd behind it from Libs.private;
	# the C library stays shared (a sanitizer build needs it so).
	# shellcheck disable=SC2086
	cc ${CXBUS_TEST_CFLAGS:-} -Wall -Werror -o prog-static prog.c \
	    $cflags $(pkg-config --static --libs-only-L cxbus) -Wl,-Bstatic \
	    $(pkg-config --static --libs-only-l cxbus) -Wl,-Bdynamic
	readelf -d prog-shared | grep -q 'NEEDED.*\[libcxbus\.so\.0\]'
	run -1 grep -q libcxbus <(readelf -d prog-static)

	# The installed daemon and command on this test's bus.
	export PATH=$D$P/bin:$PATH
	same "$(command -v cxbusd)" "$D$P/bin/cxbusd"
	start_bus
	bg_sub out -n 2 'installed/*'

	run -0 --separate-stderr timeout "$TMO" ./prog-static \
	    installed/static "from the static one"
	same "$output" "$(printf '%s %s\n%s' "$(pkg-config --modversion \
	    cxbus)" "$SOCK" "installed/static from the static one")"

	LD_LIBRARY_PATH=$D$P/lib run -0 --separate-stderr ldd ./prog-shared
	[[ "$output" == *"libcxbus.so.0 => $D$P/lib/libcxbus.so.0 "* ]] ||
	    { echo "$output"; false; }
	LD_LIBRARY_PATH=$D$P/lib run -0 --separate-stderr timeout "$TMO" \
	    ./prog-shared installed/shared "from the shared one"
	same "$output" "$(printf '%s %s\n%s' "$(pkg-config --modversion \
	    cxbus)" "$SOCK" "installed/shared from the shared one")"

	# The installed cxbus heard both.
	reap "$SUB_PID"
	same "$RC" 0 "sub's exit status"
	file_is out 'from the static one\nfrom the shared one\n'
}

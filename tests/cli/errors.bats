#!/usr/bin/env bats
# Errors: usage (exit 2), socket paths too long or unsafe (B10), socket
# permissions (B25), and the daemon's answers to bad requests: unknown
# commands, wrong argument counts, malformed frames (Appendix B).

load helpers

setup() {
	common_setup
}

teardown() {
	common_teardown
}

# Check a usage error: status 2, nothing on stdout, on stderr one line
# starting "usage: cxbus WORD" (and at most one `cxbus: ...` line
# before it), and no bus started.
usage_error() {
	local word=$1 n
	shift
	run -2 --separate-stderr cx "$@"
	same "$output" "" "stdout of cxbus $*"
	n=$(printf '%s\n' "$stderr" | grep -c "^usage: cxbus $word") || true
	same "$n" 1 "usage lines from cxbus $*: $stderr"
	n=$(printf '%s\n' "$stderr" | grep -vc "^usage: \|^cxbus: ") || true
	same "$n" 0 "other stderr lines from cxbus $*: $stderr"
	n=$(printf '%s\n' "$stderr" | wc -l)
	[ "$n" -le 2 ] || { echo "stderr of cxbus $*: $stderr"; false; }
	[ ! -e "$SOCK" ] || { echo "cxbus $* started a bus"; false; }
}

@test "usage errors of pub exit 2 with a usage line" {
	usage_error pub pub
	usage_error pub pub --bogus t
	usage_error pub pub -x t m
}

@test "usage errors of sub exit 2 with a usage line" {
	usage_error sub sub
	usage_error sub sub -n
	usage_error sub sub -n abc t
	usage_error sub sub -n -1 t
	usage_error sub sub -W abc t
	usage_error sub sub -W -1 t
	usage_error sub sub --bogus t
}

@test "usage errors of topics, status, ping exit 2 with a usage line" {
	usage_error topics topics a b
	usage_error topics topics --bogus
	usage_error status status extra
	usage_error ping ping extra
	usage_error ping ping -W abc
}

@test "no command or an unknown one exits 2 with a usage line" {
	usage_error "" bogus
	usage_error "" --bogus-option pub t
	run -2 --separate-stderr cx
	same "$output" ""
	[[ "$stderr" == *"usage: cxbus"* ]] || { echo "stderr: $stderr"; false; }
}

@test "-h and --help print usage on stdout and exit 0" {
	local h
	for h in -h --help; do
		run -0 --separate-stderr cx "$h"
		same "$stderr" ""
		[[ "$output" == "usage: cxbus"* ]] || { echo "stdout: $output"; false; }
		run -0 --separate-stderr cx pub "$h"
		same "$stderr" ""
		[[ "$output" == *"usage: cxbus pub"* ]] || { echo "stdout: $output"; false; }
	done
	[ ! -e "$SOCK" ]
}

@test "--version prints cxbus 0.1.0" {
	run -0 --separate-stderr cx --version
	same "$output" "cxbus 0.1.0"
	same "$stderr" ""
}

# A socket path of exactly N bytes under $T.
long_path() {
	local n=$1 d=$T p
	p=$d/
	while [ $(( ${#p} + 60 )) -lt "$n" ]; do
		p=${p}dddddddddddddddddddddddddddddddddddddddddddddddddd/
	done
	mkdir -p "$p"
	while [ $(( ${#p} + 1 )) -lt "$n" ]; do
		p=${p}s
	done
	printf '%s' "${p}k"
}

@test "a socket path of 108 bytes is refused naming it and the limit" {
	local p
	p=$(long_path 108)
	same "${#p}" 108
	run -1 --separate-stderr cx -S "$p" pub t x
	same "$output" ""
	case $stderr in
	"cxbus: $p: socket path too long (108 bytes, limit 107)") ;;
	"cxbus: "*": $p: socket path too long (108 bytes, limit 107)") ;;
	*) echo "stderr: $stderr"; false ;;
	esac
	[ ! -e "$p" ]
	run -1 --separate-stderr timeout "$TMO" cxbusd -f -S "$p"
	[[ "$stderr" == *"$p"*"too long"* ]] || { echo "stderr: $stderr"; false; }
	[ ! -e "$p" ]
}

@test "a socket path of 107 bytes works" {
	local p
	p=$(long_path 107)
	same "${#p}" 107
	bg_sub out -S "$p" -n 1 t
	run -0 cx -S "$p" pub t x
	reap "$SUB_PID"
	file_is out 'x\n'
	[ -S "$p" ]
}

# Check that cxbus and cxbusd refuse the default directory D (under
# TMPDIR), naming it and matching REASON, and leave it as it was.
refuses_dir() {
	local d=$1 reason=$2 before
	before=$(stat -c '%a %u %F' "$d")
	run -1 --separate-stderr cx pub t x
	same "$output" ""
	[[ "$stderr" == "cxbus: "*"$d"* ]] || { echo "stderr: $stderr"; false; }
	[[ "$stderr" =~ $reason ]] || { echo "reason /$reason/ not in: $stderr"; false; }
	run -1 --separate-stderr timeout "$TMO" cxbusd
	[[ "$stderr" == *"$d"* ]] || { echo "cxbusd stderr: $stderr"; false; }
	[[ "$stderr" =~ $reason ]] || { echo "reason /$reason/ not in: $stderr"; false; }
	same "$(stat -c '%a %u %F' "$d")" "$before" "the directory was changed"
	[ ! -e "$d/bus.sock" ]
	same "$(count_daemons "$T")" 0
}

@test "a default directory of mode 0777 is refused (B10)" {
	unset CXBUS_SOCKET
	local d=$T/cxbus-$(id -u)
	mkdir -m 0777 "$d"
	chmod 0777 "$d"
	refuses_dir "$d" '0?777|mode|permission'
}

@test "a default directory with group or other bits is refused (B10)" {
	unset CXBUS_SOCKET
	local d=$T/cxbus-$(id -u)
	mkdir "$d"
	chmod 0750 "$d"
	refuses_dir "$d" '0?750|mode|permission'
	chmod 0701 "$d"
	refuses_dir "$d" '0?701|mode|permission'
}

@test "a default directory that is a symlink is refused (B10)" {
	unset CXBUS_SOCKET
	local d=$T/cxbus-$(id -u)
	mkdir -m 0700 "$T/evil"
	ln -s "$T/evil" "$d"
	refuses_dir "$d" 'symlink|symbolic link|not a directory'
	run -0 ls -A "$T/evil"
	same "$output" ""
}

@test "a default directory owned by another user is refused (B10)" {
	[ "$(id -u)" = 0 ] || skip "needs root to chown"
	unset CXBUS_SOCKET
	local d=$T/cxbus-0
	mkdir -m 0700 "$d"
	chown 65534:65534 "$d"
	refuses_dir "$d" 'own'
}

@test "an unsafe directory under XDG_RUNTIME_DIR is refused (B10)" {
	unset CXBUS_SOCKET
	export XDG_RUNTIME_DIR=$T/xdg
	mkdir -m 0700 "$XDG_RUNTIME_DIR"
	mkdir -m 0777 "$XDG_RUNTIME_DIR/cxbus"
	chmod 0777 "$XDG_RUNTIME_DIR/cxbus"
	refuses_dir "$XDG_RUNTIME_DIR/cxbus" '0?777|mode|permission'
}

@test "an explicit socket path is used as given, no directory check" {
	mkdir -m 0777 "$T/open"
	chmod 0777 "$T/open"
	run -0 cx -S "$T/open/bus.sock" pub t x
	[ -S "$T/open/bus.sock" ]
	same "$(stat -c %a "$T/open")" 777
}

@test "socket 0600 and directory 0700 even under umask 000 (B25)" {
	unset CXBUS_SOCKET
	local d=$T/cxbus-$(id -u)
	(umask 000; cx pub t x)
	same "$(stat -c '%a %u' "$d/bus.sock")" "600 $(id -u)"
	same "$(stat -c '%a %u' "$d")" "700 $(id -u)"
}

@test "cxbusd -f under umask 000 makes its socket 0600 (B25)" {
	umask 000
	start_bus
	umask 022
	same "$(stat -c '%a %u' "$SOCK")" "600 $(id -u)"
}

@test "another uid cannot use the bus, even when the socket mode is loosened (B25)" {
	[ "$(id -u)" = 0 ] || skip "needs root to switch uid"
	command -v setpriv >/dev/null || skip "setpriv not installed"
	start_bus
	local as_nobody="setpriv --reuid 65534 --regid 65534 --clear-groups"
	# The other user must be able to run the tools wherever the tree
	# lives (a checkout under a 0700 home, say): give it copies.
	cp "$(command -v cxbus)" "$T/cxbus-other"
	cp "$PROBE" "$T/probe-other.py"
	chmod 0755 "$T/cxbus-other" "$T/probe-other.py"
	# Through the mode: the directory and socket keep others out.
	chmod 0711 "$T"
	run -1 timeout "$TMO" $as_nobody "$T/cxbus-other" --no-autostart pub t x
	# Through the daemon's peer check: loosen the mode by hand.
	chmod 0777 "$SOCK"
	run -1 timeout "$TMO" $as_nobody "$T/cxbus-other" --no-autostart pub t x
	run -0 timeout "$TMO" $as_nobody "$PY" "$T/probe-other.py" "$SOCK" \
	    'PING\r\n'
	[[ "$output" != *PONG* ]] || { echo "another uid got: $output"; false; }
	# The owner still gets in.
	run -0 cx --no-autostart ping
}

@test "an unknown command is an error and the connection stays open (Appendix B)" {
	start_bus
	expect_reply '*2\r\n$5\r\nFROBZ\r\n$1\r\na\r\n*1\r\n$4\r\nPING\r\n' \
	    "-ERR unknown command 'FROBZ', with args beginning with: 'a' \\r\\n+PONG\\r\\n"
	expect_reply 'FROBZ a b\r\nPING\r\n' \
	    "-ERR unknown command 'FROBZ', with args beginning with: 'a' 'b' \\r\\n+PONG\\r\\n"
	expect_reply '*1\r\n$5\r\nFROBZ\r\n' \
	    "-ERR unknown command 'FROBZ', with args beginning with: \\r\\n"
}

@test "a wrong argument count is an error and the connection stays open (Appendix B)" {
	start_bus
	expect_reply '*2\r\n$7\r\nPUBLISH\r\n$1\r\ne\r\n*1\r\n$4\r\nPING\r\n' \
	    "-ERR wrong number of arguments for 'publish' command\\r\\n+PONG\\r\\n"
	expect_reply '*4\r\n$7\r\nPUBLISH\r\n$1\r\ne\r\n$1\r\nf\r\n$1\r\ng\r\n' \
	    "-ERR wrong number of arguments for 'publish' command\\r\\n"
	expect_reply '*1\r\n$6\r\nPUBSUB\r\n' \
	    "-ERR wrong number of arguments for 'pubsub' command\\r\\n"
	expect_reply '*1\r\n$6\r\nCLIENT\r\n' \
	    "-ERR wrong number of arguments for 'client' command\\r\\n"
}

# Send the malformed REQUEST, check the exact error and the close, then
# that the same daemon still serves: PING and cxbus ping.
malformed() {
	expect_reply "$1" "$2<EOF>"
	expect_reply '*1\r\n$4\r\nPING\r\n' '+PONG\r\n'
	run -0 cx --no-autostart ping
	same "$(bus_pid)" "$DAEMON_PID" "daemon pid"
}

@test "malformed frames: error, close, and the daemon goes on (Appendix B)" {
	start_bus
	malformed '*1\r\n$x\r\nPING\r\n' '-ERR Protocol error: invalid bulk length\r\n'
	malformed '*x\r\n' '-ERR Protocol error: invalid multibulk length\r\n'
	malformed '*1\r\n$999999999999\r\n' '-ERR Protocol error: invalid bulk length\r\n'
	malformed '*3\r\n$7\r\nPUBLISH\r\n$3\r\nbig\r\n$1048577\r\n' '-ERR Protocol error: invalid bulk length\r\n'
	malformed '*1\r\n:4\r\n' "-ERR Protocol error: expected '\$', got ':'\\r\\n"
	malformed 'ECHO "a b\r\n' '-ERR Protocol error: unbalanced quotes in request\r\n'
}

@test "a client sending garbage does not disturb a subscriber" {
	start_bus
	bg_sub out -n 2 t
	cx pub t before
	expect_reply '*x\r\n' '-ERR Protocol error: invalid multibulk length\r\n<EOF>'
	cx pub t after
	reap "$SUB_PID"
	same "$RC" 0
	file_is out 'before\nafter\n'
}

@test "a client that disappears mid-frame does not disturb the daemon" {
	start_bus
	run -0 rsend '*3\r\n$7\r\nPUBLISH\r\n$1\r\nt\r\n$100\r\nonly part' 0.05
	same "$output" ""
	run -0 cx --no-autostart ping
	same "$(bus_pid)" "$DAEMON_PID"
}

@test "pub to a bus that is gone fails with status 1 and a message" {
	start_bus
	kill -TERM "$DAEMON_PID"
	reap "$DAEMON_PID"
	run -1 --separate-stderr cx --no-autostart pub t x
	same "$output" ""
	[[ "$stderr" == cxbus:*"$SOCK"* ]] || { echo "stderr: $stderr"; false; }
}

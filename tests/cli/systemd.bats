#!/usr/bin/env bats
# cxbusd under systemd's socket activation, without systemd: sd-launch.py
# binds the socket, puts it on descriptor 3 with LISTEN_FDS and
# LISTEN_PID, and execs the daemon, as systemd does.  Also the user units
# in contrib/systemd: systemd-analyze accepts them, and a daemon started
# the way they say is the bus every cxbus command finds by default.

load helpers

LAUNCH=$HELPERS_DIR/sd-launch.py
TOP=$(cd "$HELPERS_DIR/../.." && pwd -P)

setup() {
	common_setup
}

teardown() {
	common_teardown
}

# Start the daemon (the valgrind wrapper when one is set) through
# sd-launch.py with the launcher's OPTIONS, SOCK and then -- and the
# daemon's ARGS.  The launcher execs it, so DAEMON_PID is the daemon's.
launch() {
	local args=() daemon=${CXBUS_DAEMON:-cxbusd}
	while [ "$1" != -- ]; do
		args+=("$1")
		shift
	done
	shift
	"$PY" "$LAUNCH" "${args[@]}" -- "$daemon" "$@" \
	    >>"$T/cxbusd.log" 2>&1 3>&- &
	DAEMON_PID=$!
	DAEMON_PIDS+=("$DAEMON_PID")
}

# Wait until a daemon answers on PATH (default $SOCK).  The socket
# accepts as soon as the launcher listens, before the daemon runs, so only
# an answer shows that it does (and that SIGTERM would be its own).
wait_served() {
	wait_for_socket "${1:-$SOCK}" || return 1
	timeout $((DEADLINE + 5)) cxbus --no-autostart -S "${1:-$SOCK}" \
	    ping -W "$DEADLINE" >/dev/null || { echo "no daemon answering" \
	    "at ${1:-$SOCK} after ${DEADLINE}s" >&2; return 1; }
}

# SIGTERM the daemon and check that it exits 0 within the deadline.
stop_daemon() {
	kill -TERM "$DAEMON_PID"
	wait_gone "$DAEMON_PID" || { echo "cxbusd ignored SIGTERM" >&2;
	    return 1; }
	reap "$DAEMON_PID"
	same "$RC" 0 "cxbusd's exit status"
}

@test "a handed-over socket carries ping, pub and sub" {
	launch "$SOCK" -- -f
	wait_served
	run -0 cx --no-autostart ping
	[[ "$output" == "PONG from $SOCK in "* ]]
	bg_sub out -n 2 news
	printf 'one\ntwo\n' | cx --no-autostart pub news
	reap "$SUB_PID"
	same "$RC" 0 "sub's exit status"
	file_is out 'one\ntwo\n'
	[ ! -e "$SOCK.lock" ] || { echo "a lock for a socket not ours" >&2;
	    false; }
}

@test "status names the handed-over socket and the launcher's pid" {
	launch "$SOCK" -- -f
	wait_served
	run -0 cx --no-autostart status
	same "$(status_value socket <<< "$output")" "$SOCK"
	same "$(status_value pid <<< "$output")" "$DAEMON_PID"
}

@test "SIGTERM ends it, and the socket file stays for systemd" {
	launch "$SOCK" -- -f
	wait_served
	stop_daemon
	# systemd made the file and removes it itself (RemoveOnStop=).
	[ -S "$SOCK" ] || { echo "cxbusd removed a socket not its own" >&2;
	    false; }
	[ ! -e "$SOCK.lock" ]
	grep -q "listening on $SOCK\$" "$T/cxbusd.log"
}

@test "without -f it stays in the foreground under the same pid" {
	launch "$SOCK" --
	wait_served
	same "$(bus_pid)" "$DAEMON_PID" "the daemon's pid"
	pid_alive "$DAEMON_PID"
	# Not detached: it kept the launcher's stderr and logs there.
	grep -q "listening on $SOCK\$" "$T/cxbusd.log"
	stop_daemon
}

@test "the socket systemd bound wins over -S and CXBUS_SOCKET" {
	CXBUS_SOCKET=$T/other.sock launch "$T/real.sock" -- -f \
	    -S "$T/given.sock"
	wait_served "$T/real.sock"
	run -0 cx --no-autostart -S "$T/real.sock" status
	same "$(status_value socket <<< "$output")" "$T/real.sock"
	[ ! -e "$T/other.sock" ] && [ ! -e "$T/given.sock" ] ||
	    { ls -la "$T"; false; }
	grep -q "given.sock ignored" "$T/cxbusd.log"
}

@test "a second cxbusd leaves the handed-over socket alone" {
	launch "$SOCK" -- -f
	wait_served
	run -3 --separate-stderr timeout "$TMO" cxbusd -f -S "$SOCK"
	same "$stderr" "cxbusd: $SOCK: already running"
	[ ! -e "$SOCK.lock" ]
	same "$(bus_pid)" "$DAEMON_PID" "the pid answering"
	run -0 cx --no-autostart ping
}

@test "LISTEN_PID of another process: the socket is not taken" {
	launch --pid other "$SOCK" -- -f -S "$T/own.sock"
	wait_served "$T/own.sock"
	run -0 cx --no-autostart -S "$T/own.sock" status
	same "$(status_value socket <<< "$output")" "$T/own.sock"
	same "$(status_value pid <<< "$output")" "$DAEMON_PID"
}

@test "LISTEN_FDS=2: the first socket serves, the second is closed" {
	launch --also "$T/second.sock" "$SOCK" -- -f
	wait_served
	run -0 cx --no-autostart ping
	grep -q "LISTEN_FDS: 2 sockets, using the first" "$T/cxbusd.log"
	# Nobody holds the second one open any more: connecting is refused.
	run -7 pyrun "$T/second.sock" <<-'EOF'
	import socket
	s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
	try:
	    s.connect(sys.argv[2])
	except ConnectionRefusedError:
	    sys.exit(7)
	EOF
}

@test "a descriptor that is not a listening socket is refused" {
	local kind="stream socket"

	launch --fd bound "$SOCK" -- -f
	wait_gone "$DAEMON_PID"
	reap "$DAEMON_PID"
	same "$RC" 1 "exit status for a socket that does not listen"
	grep -qx "cxbusd: LISTEN_FDS: descriptor 3 is not a listening $kind" \
	    "$T/cxbusd.log"

	launch --fd file "$T/plain" -- -f
	wait_gone "$DAEMON_PID"
	reap "$DAEMON_PID"
	same "$RC" 1 "exit status for a regular file"
	grep -q "^cxbusd: LISTEN_FDS: descriptor 3: " "$T/cxbusd.log"
}

# The units with @BINDIR@ made the tree's directory (or, under a wrapper,
# a directory whose cxbusd is the wrapper), in $T/units.
make_units() {
	local bindir=$TOP
	if [ -n "${CXBUS_DAEMON:-}" ]; then
		bindir=$T/bin
		mkdir -p "$bindir"
		cp "$CXBUS_DAEMON" "$bindir/cxbusd"
	fi
	mkdir -p "$T/units"
	cp "$TOP/contrib/systemd/cxbus.socket" "$T/units/"
	sed "s|@BINDIR@|$bindir|" "$TOP/contrib/systemd/cxbus.service" \
	    > "$T/units/cxbus.service"
}

@test "systemd-analyze verifies the user units" {
	command -v systemd-analyze >/dev/null ||
	    skip "systemd-analyze not installed"
	make_units
	! grep -q @BINDIR@ "$T/units/cxbus.service"
	mkdir -m 700 "$T/run"
	HOME=$T XDG_RUNTIME_DIR=$T/run run -0 timeout 60 systemd-analyze \
	    --user --man=no verify "$T/units/cxbus.socket" \
	    "$T/units/cxbus.service"
	same "$output" ""
}

@test "the units start the bus every command finds by default" {
	make_units
	mkdir -m 700 "$T/run"
	export XDG_RUNTIME_DIR=$T/run
	unset CXBUS_SOCKET
	"$PY" "$LAUNCH" unit "$T/units/cxbus.socket" \
	    "$T/units/cxbus.service" >>"$T/cxbusd.log" 2>&1 3>&- &
	DAEMON_PID=$!
	DAEMON_PIDS+=("$DAEMON_PID")
	wait_served "$T/run/cxbus/bus.sock"
	# The modes DESIGN.md asks for, made by systemd, pass cxbus's checks.
	same "$(stat -c %a "$T/run/cxbus")" 700 "the directory's mode"
	same "$(stat -c %a "$T/run/cxbus/bus.sock")" 600 "the socket's mode"
	run -0 cx --no-autostart status
	same "$(status_value socket <<< "$output")" "$T/run/cxbus/bus.sock"
	same "$(status_value pid <<< "$output")" "$DAEMON_PID"
	stop_daemon
}

#!/usr/bin/env bats
# cxbusd itself: clean exit on SIGTERM and SIGINT, the lock against a
# second daemon, foreground logging, detaching, and subscribers that
# outlive a restart (B13).

load helpers

# Wait up to 10 s (the reconnect back-off) until the bus counts the
# subscriptions of SUB_PID again: NUMSUB TOPIC >= 1 and NUMPAT >= NPAT.
# Fails at once if the subscriber has exited.
wait_resubscribed() {
	local topic=$1 npat=$2 i
	for i in $(seq 100); do
		if ! pid_alive "$SUB_PID"; then
			reap "$SUB_PID"
			echo "sub exited with status $RC instead of reconnecting:" >&2
			cat out.err >&2
			return 1
		fi
		"$PY" "$PROBE" numsub "$SOCK" "$topic" 1 0 &&
		    "$PY" "$PROBE" numpat "$SOCK" "$npat" 0 && return 0
		sleep 0.1
	done
	echo "not resubscribed after 10 s" >&2
	return 1
}

setup() {
	common_setup
}

teardown() {
	common_teardown
}

@test "SIGTERM: exit 0, socket and lock removed" {
	start_bus
	[ -S "$SOCK" ]
	[ -e "$SOCK.lock" ]
	kill -TERM "$DAEMON_PID"
	wait_gone "$DAEMON_PID"
	reap "$DAEMON_PID"
	same "$RC" 0
	[ ! -e "$SOCK" ] && [ ! -e "$SOCK.lock" ] ||
	    { ls -la "$T"; false; }
}

@test "SIGINT: exit 0, socket and lock removed" {
	# Background jobs of a script ignore SIGINT unless told otherwise.
	# shellcheck disable=SC2086
	env --default-signal=INT ${CXBUS_TEST_WRAP:-} cxbusd -f -S "$SOCK" \
	    >>"$T/cxbusd.log" 2>&1 3>&- &
	DAEMON_PID=$!
	DAEMON_PIDS+=("$DAEMON_PID")
	wait_for_socket
	kill -INT "$DAEMON_PID"
	wait_gone "$DAEMON_PID"
	reap "$DAEMON_PID"
	same "$RC" 0
	[ ! -e "$SOCK" ] && [ ! -e "$SOCK.lock" ] ||
	    { ls -la "$T"; false; }
}

@test "SIGTERM with clients connected still exits at once" {
	start_bus
	bg_sub out t 'p*'
	"$PY" -c 'import socket,sys,time
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
s.sendall(b"*3\r\n$7\r\nPUBLISH\r\n$1\r\nt\r\n$100\r\npart")
time.sleep(30)' "$SOCK" 3>&- &
	BG_PIDS+=("$!")
	kill -TERM "$DAEMON_PID"
	wait_gone "$DAEMON_PID"
	reap "$DAEMON_PID"
	same "$RC" 0
	[ ! -e "$SOCK" ]
}

@test "a second cxbusd on the same socket exits 3; the first goes on" {
	start_bus
	run -3 --separate-stderr timeout "$TMO" cxbusd -f -S "$SOCK"
	same "$stderr" "cxbusd: $SOCK: already running"
	run -3 --separate-stderr timeout "$TMO" cxbusd -S "$SOCK"
	same "$stderr" "cxbusd: $SOCK: already running"
	[ -S "$SOCK" ]
	run -0 cx --no-autostart ping
	same "$(bus_pid)" "$DAEMON_PID"
	same "$(count_daemons "$SOCK")" 1
}

@test "-f stays in the foreground and logs to stderr" {
	start_bus -v
	run -0 cx --no-autostart ping
	same "$(bus_pid)" "$DAEMON_PID"
	[ -s "$T/cxbusd.log" ] || { echo "nothing on stderr with -f -v"; false; }
	grep -q cxbusd "$T/cxbusd.log"
}

@test "without -f the daemon detaches once listening" {
	# $(...) returns only when the daemon let go of its output.
	run -0 timeout 5 bash -c 'x=$(cxbusd -S "$CXBUS_SOCKET" 2>&1); echo "[$x]"'
	same "$output" "[]"
	# Listening already: no wait needed.
	run -0 cx --no-autostart ping
	same "$(count_daemons "$SOCK")" 1
}

@test "a daemon starts over a stale socket and lock of a killed one" {
	start_bus
	kill -KILL "$DAEMON_PID"
	reap "$DAEMON_PID"
	[ -S "$SOCK" ]
	start_bus
	run -0 cx --no-autostart ping
	same "$(bus_pid)" "$DAEMON_PID"
}

@test "a bad cxbusd option fails with a usage message" {
	run --separate-stderr timeout "$TMO" cxbusd --bogus
	[ "$status" -ne 0 ] && [ "$status" -ne 124 ] ||
	    { echo "status $status"; false; }
	[[ "$stderr" == *usage* ]] || { echo "stderr: $stderr"; false; }
	[ ! -e "$SOCK" ]
}

@test "sub resubscribes after the daemon restarts (B13)" {
	start_bus
	bg_sub out -v plain 'glob.*' 'x[0-9]'
	kill -TERM "$DAEMON_PID"
	reap "$DAEMON_PID"
	start_bus
	wait_resubscribed plain 2
	cx pub plain 1
	cx pub glob.a 2
	cx pub x7 3
	cx pub x 4
	wait_size out "$(printf 'plain 1\nglob.a 2\nx7 3\n' | wc -c)"
	pid_alive "$SUB_PID"
	file_is out 'plain 1\nglob.a 2\nx7 3\n'
}

@test "sub -n counts messages from before a restart (B13)" {
	start_bus
	bg_sub out -n 2 t
	cx pub t before
	kill -TERM "$DAEMON_PID"
	reap "$DAEMON_PID"
	start_bus
	wait_resubscribed t 0
	cx pub t after
	reap "$SUB_PID"
	same "$RC" 0
	file_is out 'before\nafter\n'
}

@test "cxbusd without -S uses the default path and creates its directory 0700 (B10)" {
	unset CXBUS_SOCKET XDG_RUNTIME_DIR
	export TMPDIR=$T/tmpd
	mkdir "$TMPDIR"
	local d=$TMPDIR/cxbus-$(id -u)
	run -0 --separate-stderr timeout "$TMO" cxbusd
	same "$stderr" ""
	[ -S "$d/bus.sock" ]
	same "$(stat -c '%a %u %F' "$d")" "700 $(id -u) directory"
	same "$(stat -c '%a %u' "$d/bus.sock")" "600 $(id -u)"
	run -0 cx --no-autostart ping
}

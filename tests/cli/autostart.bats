#!/usr/bin/env bats
# Autostart: the first command starts cxbusd, a stale socket is replaced,
# --no-autostart fails naming the socket, concurrent first uses start one
# daemon, and the default socket paths (XDG_RUNTIME_DIR, TMPDIR).

load helpers

# Check that $stderr is the one line `cxbus: [WHAT: ]no bus at $SOCK: WHY`.
no_bus_message() {
	case $stderr in
	*$'\n'*) ;;
	"cxbus: no bus at $SOCK: $1"|"cxbus: "*": no bus at $SOCK: $1") return 0 ;;
	esac
	echo "want one line: cxbus: [...: ]no bus at $SOCK: $1" >&2
	echo "got: $stderr" >&2
	return 1
}

setup() {
	common_setup
}

teardown() {
	common_teardown
}

@test "the first pub starts the daemon and returns" {
	[ ! -e "$SOCK" ]
	run -0 --separate-stderr cx pub t x
	same "$output" ""
	same "$stderr" ""
	[ -S "$SOCK" ]
	run -0 cx --no-autostart ping
	same "$(count_daemons "$SOCK")" 1
}

@test "the first sub starts the daemon and gets messages" {
	bg_sub out -n 1 t
	[ -S "$SOCK" ]
	run -0 cx --no-autostart pub t hi
	reap "$SUB_PID"
	same "$RC" 0
	file_is out 'hi\n'
}

@test "an autostarted daemon does not hold the caller's output open" {
	# $(cxbus ...) must not wait for the daemon's end.
	run -0 timeout 5 bash -c 'x=$(cxbus pub t x 2>&1); echo "[$x]"'
	same "$output" "[]"
	same "$(count_daemons "$SOCK")" 1
}

@test "a stale socket left by a killed daemon is replaced" {
	local old new
	start_bus
	old=$DAEMON_PID
	kill -KILL "$old"
	reap "$old"
	[ -S "$SOCK" ]
	run -0 --separate-stderr cx pub t x
	same "$stderr" ""
	new=$(bus_pid)
	[ -n "$new" ] && [ "$new" != "$old" ]
	run -0 cx --no-autostart ping
}

@test "a stale socket with --no-autostart: exit 1 naming the socket" {
	start_bus
	kill -KILL "$DAEMON_PID"
	reap "$DAEMON_PID"
	run -1 --separate-stderr cx --no-autostart pub t x
	same "$output" ""
	no_bus_message "Connection refused"
	same "$(count_daemons "$SOCK")" 0
}

@test "--no-autostart without a bus: exit 1 naming the socket, nothing started" {
	local args
	for args in "--no-autostart pub t x" "pub --no-autostart t x" \
	    "--no-autostart sub t" "--no-autostart topics" \
	    "--no-autostart status"; do
		# shellcheck disable=SC2086
		run -1 --separate-stderr cx $args
		same "$output" "" "stdout of cxbus $args"
		no_bus_message "No such file or directory" || {
			echo "(from cxbus $args)"
			false
		}
	done
	[ ! -e "$SOCK" ]
	same "$(count_daemons "$SOCK")" 0
}

@test "CXBUS_NO_AUTOSTART=1 without a bus: exit 1 naming the socket" {
	CXBUS_NO_AUTOSTART=1 run -1 --separate-stderr cx pub t x
	same "$output" ""
	no_bus_message "No such file or directory"
	[ ! -e "$SOCK" ]
	same "$(count_daemons "$SOCK")" 0
}

@test "ten commands started at once leave exactly one daemon" {
	local i pids=() p
	for i in 1 2 3 4 5 6 7 8 9 10; do
		cx pub t "m$i" 2>"err$i" 3>&- &
		pids+=("$!")
	done
	for p in "${pids[@]}"; do
		reap "$p"
		same "$RC" 0 "pub exit status"
	done
	cat err* > err
	file_empty err
	same "$(count_daemons "$SOCK")" 1
	run -0 cx --no-autostart ping
}

@test "ten subscribers started at once share one daemon and all get the message" {
	local i pids=() p
	for i in 1 2 3 4 5 6 7 8 9 10; do
		cx sub -n 1 t > "out$i" 2>"err$i" 3>&- &
		pids+=("$!")
	done
	BG_PIDS+=("${pids[@]}")
	"$PY" "$PROBE" numsub "$SOCK" t 10 "$DEADLINE"
	run -0 cx pub t all
	for p in "${pids[@]}"; do
		reap "$p"
		same "$RC" 0 "sub exit status"
	done
	for i in 1 2 3 4 5 6 7 8 9 10; do
		file_is "out$i" 'all\n'
	done
	same "$(count_daemons "$SOCK")" 1
}

@test "default socket under XDG_RUNTIME_DIR: cxbus/bus.sock in a new 0700 directory" {
	unset CXBUS_SOCKET
	export XDG_RUNTIME_DIR=$T/xdg
	mkdir -m 0700 "$XDG_RUNTIME_DIR"
	run -0 cx pub t x
	[ -S "$XDG_RUNTIME_DIR/cxbus/bus.sock" ]
	same "$(stat -c '%a %u %F' "$XDG_RUNTIME_DIR/cxbus")" "700 $(id -u) directory"
	run -0 cx status
	same "$(status_value socket <<< "$output")" "$XDG_RUNTIME_DIR/cxbus/bus.sock"
}

@test "default socket under TMPDIR: cxbus-UID/bus.sock in a new 0700 directory (B10)" {
	unset CXBUS_SOCKET XDG_RUNTIME_DIR
	export TMPDIR=$T/tmpd
	mkdir "$TMPDIR"
	local d=$TMPDIR/cxbus-$(id -u)
	run -0 cx pub t x
	[ -S "$d/bus.sock" ]
	same "$(stat -c '%a %u %F' "$d")" "700 $(id -u) directory"
	run -0 cx status
	same "$(status_value socket <<< "$output")" "$d/bus.sock"
}

@test "socket discovery order: -S, then CXBUS_SOCKET, then XDG_RUNTIME_DIR" {
	export XDG_RUNTIME_DIR=$T/xdg
	mkdir -m 0700 "$XDG_RUNTIME_DIR"
	export CXBUS_SOCKET=$T/env.sock
	run -0 cx -S "$T/opt.sock" pub t x
	[ -S "$T/opt.sock" ] && [ ! -e "$T/env.sock" ] &&
	    [ ! -e "$XDG_RUNTIME_DIR/cxbus" ]
	run -0 cx pub t x
	[ -S "$T/env.sock" ] && [ ! -e "$XDG_RUNTIME_DIR/cxbus" ]
	run -0 cx pub --socket "$T/opt2.sock" t x
	[ -S "$T/opt2.sock" ]
	unset CXBUS_SOCKET
	run -0 cx pub t x
	[ -S "$XDG_RUNTIME_DIR/cxbus/bus.sock" ]
}

@test "CXBUS_DAEMON names the daemon to start" {
	printf '#!/bin/sh\necho "$@" >> %q\nexec %q "$@"\n' "$T/started" \
	    "$(command -v cxbusd)" > "$T/mydaemon"
	chmod 755 "$T/mydaemon"
	CXBUS_DAEMON=$T/mydaemon run -0 cx pub t x
	run -0 cat "$T/started"
	[[ "$output" == *"-S $SOCK"* ]] || { echo "args: $output"; false; }
}

@test "the daemon beside the cxbus binary comes before PATH" {
	mkdir "$T/bin"
	cp "$(command -v cxbus)" "$T/bin/cxbus"
	printf '#!/bin/sh\necho beside >> %q\nexec %q "$@"\n' "$T/started" \
	    "$(command -v cxbusd)" > "$T/bin/cxbusd"
	chmod 755 "$T/bin/cxbusd"
	unset CXBUS_DAEMON
	run -0 timeout "$TMO" "$T/bin/cxbus" pub t x
	file_is "$T/started" 'beside\n'
}

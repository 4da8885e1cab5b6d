#!/usr/bin/env bats
# Mistakes and odd surroundings a user brings: a socket path naming a
# file, closed standard descriptors, options after the topic, a bus that
# stops answering, a daemon that never starts.

load helpers

setup() {
	common_setup
}

teardown() {
	common_teardown
}

@test "a regular file at the socket path is left alone" {
	echo precious > "$SOCK"
	run -1 --separate-stderr cx pub t x
	[[ "$stderr" == *"$SOCK: exists and is not a socket"* ]] ||
	    { echo "stderr: $stderr"; false; }
	same "$(cat "$SOCK")" precious
}

@test "closed standard descriptors do not take the bus connection's place" {
	start_bus
	run -0 cx pub t x <&-
	timeout "$TMO" cxbus sub -v t > out 2>&- &
	BG_PIDS+=($!)
	for i in $(seq 100); do
		"$PY" "$PROBE" numsub "$SOCK" t 1 0 && break
		sleep 0.05
	done
	cx pub t hello
	wait_size out 8
	file_is out 't hello\n'
}

@test "options may follow the topic" {
	start_bus
	run -3 --separate-stderr cx sub t -n 1 -W 0.3
	same "$output" ""
	same "$stderr" ""
}

@test "sub -W also bounds the wait for a bus that does not answer" {
	start_bus
	kill -STOP "$DAEMON_PID"
	t0=$(now_ms)
	run -3 cx sub -W 0.5 t
	t1=$(now_ms)
	kill -CONT "$DAEMON_PID"
	[ $((t1 - t0)) -lt 3000 ] || { echo "took $((t1 - t0)) ms"; false; }
}

@test "a daemon that never starts listening is given up after 5 s" {
	printf '#!/bin/sh\nexec sleep 30\n' > "$T/never"
	chmod +x "$T/never"
	t0=$(now_ms)
	CXBUS_DAEMON=$T/never run -1 --separate-stderr timeout 20 cxbus pub t x
	t1=$(now_ms)
	[[ "$stderr" == *"did not start within 5 s"* ]] ||
	    { echo "stderr: $stderr"; false; }
	[ $((t1 - t0)) -lt 9000 ] || { echo "took $((t1 - t0)) ms"; false; }
}

@test "an autostarted daemon does not keep the caller's descriptors" {
	# The command substitution ends only when every writer of its pipe
	# has closed it; a daemon holding fd 3 would keep it open.
	out=$(timeout "$TMO" bash -c 'cxbus pub t x 3>&1 >/dev/null; echo done')
	same "$out" done
}

@test "a daemon leaves at exit a socket that is no longer its own" {
	start_bus
	local first=$DAEMON_PID
	rm -f "$SOCK" "$SOCK.lock"
	start_bus
	kill -TERM "$first"
	wait_gone "$first"
	[ -S "$SOCK" ] || { echo "the second daemon's socket is gone"; false; }
	run -0 cx --no-autostart ping
}

@test "a daemon that stays in the foreground but listens is used" {
	printf '#!/bin/sh\nexec cxbusd -f "$@" 2>/dev/null\n' > "$T/fg"
	chmod +x "$T/fg"
	CXBUS_DAEMON=$T/fg run -0 --separate-stderr timeout 20 cxbus pub t x
	same "$stderr" ""
	run -0 cx --no-autostart ping
}

@test "a message may begin with a dash" {
	start_bus
	bg_sub out -n 2 temp
	cx pub temp -3
	cx pub temp "-3 degrees"
	reap "$SUB_PID"
	same "$(cat out)" "$(printf -- '-3\n-3 degrees')"
}

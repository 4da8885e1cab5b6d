#!/usr/bin/env bats
# Delivery under backpressure (DESIGN.md section 4), the quick versions
# of tests/stress/run b, c and d: a stopped reader holds a publisher for
# the stall timeout at most and is told what it lost; a shorter pause
# loses nothing; a --lossy reader never holds anyone back.  The size
# limits (CASES.md B11, B20) are in pub-sub.bats and protocol.bats.

load helpers

# Lines per stream: several times what a stopped reader's socket buffer
# and the smallest queue (--queue-limit 65536) hold together.
LINES=200000

# Time bounds are multiplied by this under a wrapper such as valgrind.
if [ -n "${CXBUS_TEST_WRAP:-}" ]; then
	SLOW=10
else
	SLOW=1
fi

setup() {
	common_setup
}

teardown() {
	common_teardown
}

# The pid of the command that `timeout` (pid $1) runs.
child_of() {
	local c
	c=$(cat "/proc/$1/task/$1/children" 2>/dev/null)
	[ -n "$c" ] || c=$(pgrep -P "$1")
	echo "${c%% *}"
}

# One figure of `cxbus status`.
status_of() {
	cx status | status_value "$1"
}

# Wait until status KEY is VALUE (deadline $DEADLINE).
wait_status() {
	local end v
	end=$(( $(now_ms) + DEADLINE * 1000 ))
	while v=$(status_of "$1"); [ "$v" != "$2" ]; do
		if [ "$(now_ms)" -ge "$end" ]; then
			echo "status $1 is $v after ${DEADLINE}s, want $2" >&2
			return 1
		fi
		sleep 0.02
	done
}

# Wait until FILE has a line FIN (deadline $DEADLINE).
wait_fin() {
	local end
	end=$(( $(now_ms) + DEADLINE * 1000 ))
	until grep -qx FIN "$1"; do
		if [ "$(now_ms)" -ge "$end" ]; then
			echo "$1: no FIN after ${DEADLINE}s" >&2
			return 1
		fi
		sleep 0.02
	done
}

# Check that FILE holds increasing numbers from 1..$LINES up to FIN, and
# set GOT to how many.
check_increasing() {
	GOT=$(awk '$0 == "FIN" { exit } !/^[0-9]+$/ || $0 + 0 <= last {
	    print "bad line " NR ": " $0; bad = 1; exit }
	    { last = $0 + 0; n++ } END { if (!bad) print n + 0 }' "$1")
	[[ "$GOT" =~ ^[0-9]+$ ]] || { echo "$1: $GOT" >&2; return 1; }
}

# The number the sub's warnings on FILE say were dropped, summed.
warned() {
	sed -n 's/.*the bus dropped \([0-9]*\) messages.*/\1/p' "$1" |
	    awk '{ n += $1 } END { print n + 0 }'
}

@test "a stopped reader holds pub back for the stall timeout at most, loss told" {
	local stopped t0 took w
	start_bus --queue-limit 65536 --stall-timeout 1
	bg_sub fast -n "$LINES" n
	local fast=$SUB_PID
	bg_sub slow n
	stopped=$(child_of "$SUB_PID")
	kill -STOP "$stopped"

	t0=$(now_ms)
	seq "$LINES" | timeout $((8 * SLOW)) cxbus pub n
	took=$(( $(now_ms) - t0 ))
	kill -CONT "$stopped"
	echo "pub took $took ms" >&2
	# One second of stall timeout, checked once a second.
	[ "$took" -lt $((4000 * SLOW)) ]
	reap "$fast"
	same "$RC" 0 "the running reader got every message"
	seq "$LINES" | cmp - fast

	wait_status queued_bytes 0
	cx pub n FIN
	wait_fin slow
	check_increasing slow
	w=$(warned slow.err)
	echo "stopped reader: $GOT received, $w reported dropped" >&2
	[ "$w" -gt 0 ]
	same "$((GOT + w))" "$LINES" "received + reported dropped"
	same "$(status_of messages_dropped)" "$w" "the daemon's count"
}

@test "a reader stopped for less than the stall timeout loses nothing" {
	local stopped
	start_bus --queue-limit 65536 --stall-timeout 5
	bg_sub fast -n "$LINES" n
	local fast=$SUB_PID
	bg_sub slow -n "$LINES" n
	local slow=$SUB_PID
	stopped=$(child_of "$SUB_PID")
	kill -STOP "$stopped"

	seq "$LINES" | cx pub n &
	local pub=$!
	BG_PIDS+=("$pub")
	# Long enough for the daemon's once-a-second stall check to run.
	sleep 2
	kill -CONT "$stopped"
	reap "$pub"
	same "$RC" 0 "pub"
	reap "$fast"
	same "$RC" 0 "the running reader"
	reap "$slow"
	same "$RC" 0 "the stopped reader got its count"
	seq "$LINES" | cmp - fast
	seq "$LINES" | cmp - slow
	file_empty slow.err
	same "$(status_of messages_dropped)" 0
}

@test "sub --lossy never holds pub back, and says what it lost" {
	local stopped t0 took w
	start_bus --queue-limit 65536 --stall-timeout 30
	bg_sub fast -n "$LINES" n
	local fast=$SUB_PID
	bg_sub lossy --lossy n
	stopped=$(child_of "$SUB_PID")
	kill -STOP "$stopped"

	t0=$(now_ms)
	seq "$LINES" | timeout $((8 * SLOW)) cxbus pub n
	took=$(( $(now_ms) - t0 ))
	kill -CONT "$stopped"
	echo "pub took $took ms" >&2
	[ "$took" -lt $((3000 * SLOW)) ]
	reap "$fast"
	same "$RC" 0 "the running reader got every message"
	seq "$LINES" | cmp - fast
	! grep -q 'took nothing' "$T/cxbusd.log"

	wait_status queued_bytes 0
	cx pub n FIN
	wait_fin lossy
	check_increasing lossy
	w=$(warned lossy.err)
	echo "lossy reader: $GOT received, $w reported dropped" >&2
	[ "$w" -gt 0 ]
	same "$((GOT + w))" "$LINES" "received + reported dropped"
}

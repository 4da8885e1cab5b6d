#!/usr/bin/env bats
# cxbus pipe: two pipes chatting through a topic, leaving out their own
# messages (no local) or not (--echo), the end of standard input, a
# closed output, the formats it shares with sub, a Redis server that
# cannot leave anything out, and two pipes flooding each other.

load helpers

setup() {
	common_setup
	PIPE_FDS=()
}

teardown() {
	local fd
	for fd in "${PIPE_FDS[@]}"; do
		eval "exec $fd>&-"
	done
	common_teardown
}

# Start `cxbus pipe ARGS...` in the background, its standard input the
# FIFO NAME.in, standard output NAME and standard error NAME.err, and
# return once the bus counts its subscription (the topic is the last
# argument; the bus is $PIPE_SOCK, else $SOCK).  This shell holds the
# FIFO open for writing on descriptor $IN, closed in every later child
# so that closing it here ends the pipe's input.  Pid in PIPE_PID.
# PIPE_WRAP goes in front of cxbus.
bg_pipe() {
	local name=$1 sock=${PIPE_SOCK:-$SOCK} goal
	shift
	goal=$("$PY" "$PROBE" subgoal "$sock" -F "${@: -1}")
	mkfifo "$name.in"
	(
		for fd in "${PIPE_FDS[@]}"; do
			eval "exec $fd>&-"
		done
		# shellcheck disable=SC2086
		exec timeout "${PIPE_TMO:-$TMO}" ${PIPE_WRAP:-} cxbus -S "$sock" \
		    pipe "$@" <"$name.in" >"$name" 2>"$name.err" 3>&-
	) &
	PIPE_PID=$!
	BG_PIDS+=("$PIPE_PID")
	exec {IN}>"$name.in"
	PIPE_FDS+=("$IN")
	timeout $((DEADLINE + 5)) "$PY" "$PROBE" subwait "$sock" "$goal" \
	    "$DEADLINE" || { echo "cxbus pipe $*: not subscribed" >&2;
	    cat "$name.err" >&2; return 1; }
}

# Close descriptor FD, the input of a pipe started by bg_pipe.
close_in() {
	local fd=$1 i
	eval "exec $fd>&-"
	for i in "${!PIPE_FDS[@]}"; do
		[ "${PIPE_FDS[$i]}" != "$fd" ] || unset "PIPE_FDS[$i]"
	done
}

# End pipe PID by closing its input FD; it must exit 0 without a word.
end_pipe() {
	local pid=$1 fd=$2 name=$3
	close_in "$fd"
	reap "$pid"
	same "$RC" 0 "exit status of cxbus pipe ($name)" || {
		cat "$name.err" >&2; return 1; }
	file_empty "$name.err"
}

@test "two pipes chat through a topic, each hearing only the other" {
	local a_in a_pid
	start_bus
	bg_pipe a chat
	a_in=$IN a_pid=$PIPE_PID
	bg_pipe b chat

	printf 'hello from a\n' >&"$a_in"
	wait_size b 13
	printf 'hello from b\nand again\n' >&"$IN"
	wait_size a 23
	# A line from the shell reaches both.
	cx pub chat 'from the shell'
	wait_size a 38
	wait_size b 28

	end_pipe "$a_pid" "$a_in" a
	end_pipe "$PIPE_PID" "$IN" b
	file_is a 'hello from b\nand again\nfrom the shell\n'
	file_is b 'hello from a\nfrom the shell\n'
}

@test "a pipe's own lines go out but do not come back (no local)" {
	start_bus
	bg_pipe p t
	bg_sub out -n 2 t
	printf 'mine\n' >&"$IN"
	wait_size out 5
	# Published after the pipe's line was delivered: any echo of that
	# line would have reached the pipe before this one.
	cx pub t theirs
	wait_size p 7
	reap "$SUB_PID"
	file_is out 'mine\ntheirs\n'
	end_pipe "$PIPE_PID" "$IN" p
	file_is p 'theirs\n'
}

@test "--echo prints the pipe's own lines too" {
	start_bus
	bg_pipe p --echo t
	printf 'mine\n' >&"$IN"
	wait_size p 5
	cx pub t theirs
	wait_size p 12
	end_pipe "$PIPE_PID" "$IN" p
	file_is p 'mine\ntheirs\n'
}

@test "pipe exits 0 once its input ends and the bus took every line" {
	start_bus
	seq 1 20000 > want
	bg_sub out -n 20000 t
	run -0 --separate-stderr cx pipe t < want
	same "$output" ""
	same "$stderr" ""
	reap "$SUB_PID"
	same "$RC" 0
	cmp out want
}

@test "pipe with empty input publishes nothing and exits 0 at once" {
	start_bus
	bg_sub out -n 1 -W 1 t
	run -0 --separate-stderr cx pipe t < /dev/null
	same "$output$stderr" ""
	reap "$SUB_PID"
	same "$RC" 3 "nothing may have been published"
	file_empty out
}

@test "a last line without newline is published too" {
	start_bus
	bg_sub out -n 2 t
	printf 'one\ntwo' | cx pipe t
	reap "$SUB_PID"
	same "$RC" 0
	file_is out 'one\ntwo\n'
}

@test "an idle pipe exits 0 quietly when its reader goes away" {
	local pid w r goal
	start_bus
	mkfifo in outf
	goal=$("$PY" "$PROBE" subgoal "$SOCK" -F t)
	timeout "$TMO" cxbus pipe t <in >outf 2>err 3>&- &
	pid=$!
	BG_PIDS+=("$pid")
	# The pipe's shell opens its input first, then its output.
	exec {w}>in
	PIPE_FDS+=("$w")
	exec {r}<outf
	"$PY" "$PROBE" subwait "$SOCK" "$goal" "$DEADLINE"
	# Its input stays open: only the closed output can end it.
	exec {r}<&-
	reap "$pid"
	same "$RC" 0
	file_empty err
}

@test "pipe | head -n 1 ends quietly with status 0" {
	local w goal
	start_bus
	mkfifo in
	goal=$("$PY" "$PROBE" subgoal "$SOCK" -F t)
	{
		timeout "$TMO" cxbus pipe t <in 2>err
		echo $? > rc
	} 3>&- | head -n 1 > got &
	BG_PIDS+=("$!")
	exec {w}>in
	PIPE_FDS+=("$w")
	"$PY" "$PROBE" subwait "$SOCK" "$goal" "$DEADLINE"
	cx pub t first
	cx pub t second
	cx pub t third
	wait_size rc 2
	file_is rc '0\n'
	file_is got 'first\n'
	file_empty err
}

@test "pipe -0 reads and prints NUL-ended records" {
	start_bus
	bg_pipe p -0 t
	bg_sub out -0 -n 2 t
	printf 'a\nb\0c\0' >&"$IN"
	reap "$SUB_PID"
	same "$RC" 0
	file_is out 'a\nb\0c\0'
	cx pub t 'x y'
	wait_size p 4
	end_pipe "$PIPE_PID" "$IN" p
	file_is p 'x y\0'
}

@test "pipe -v and --json print as sub does" {
	local v_in v_pid
	start_bus
	bg_pipe v -v t
	v_in=$IN v_pid=$PIPE_PID
	bg_pipe j --json t
	cx pub t $'hi\tthere'
	wait_size v 11
	wait_size j 50
	end_pipe "$v_pid" "$v_in" v
	end_pipe "$PIPE_PID" "$IN" j
	file_is v 't hi\tthere\n'
	run -0 cat j
	local re='^\{"topic":"t","payload":"hi\\tthere","time":[0-9]+\.[0-9]{3}\}$'
	[[ "$output" =~ $re ]] ||
	    { echo "got: $output" >&2; false; }
}

@test "a topic with glob characters is taken as exact" {
	start_bus
	bg_pipe p 'news/*'
	cx pub news/x no
	cx pub 'news/*' yes
	wait_size p 4
	end_pipe "$PIPE_PID" "$IN" p
	file_is p 'yes\n'
}

@test "a line over the bus's limit is an error after the lines before it" {
	start_bus --max-message 10
	bg_sub out -n 2 -W 1 t
	printf 'short\n0123456789A\nafter\n' > in
	run -1 --separate-stderr cx pipe t < in
	same "$stderr" "cxbus: pipe: message 2 is over the bus's limit of 10 bytes"
	reap "$SUB_PID"
	same "$RC" 3
	file_is out 'short\n'
}

@test "pipe fails with status 1 when the bus goes away" {
	start_bus
	bg_pipe p t
	kill -TERM "$DAEMON_PID"
	reap "$PIPE_PID"
	same "$RC" 1
	run cat p.err
	[[ "$output" == "cxbus: pipe: $SOCK: the bus closed the connection" ]] ||
	    { echo "got: $output" >&2; false; }
}

@test "usage errors exit 2" {
	local usage='usage: cxbus pipe [-0v] [--echo] [--json] topic'
	run -2 --separate-stderr cx pipe
	same "$stderr" "$(printf 'cxbus: pipe: no topic given\n%s' "$usage")"
	run -2 --separate-stderr cx pipe a b
	same "$stderr" "$(printf 'cxbus: pipe: one topic only\n%s' "$usage")"
	run -0 cx pipe --help
	[[ "$output" == *"--echo "*"print our own messages too"* ]]
}

@test "against Redis, pipe says once that it echoes, and works" {
	local r_in r_pid
	command -v redis-cli >/dev/null || skip "redis-cli not installed"
	start_redis "$T/redis.sock"
	PIPE_SOCK=$T/redis.sock
	bg_pipe r t
	r_in=$IN r_pid=$PIPE_PID
	bg_pipe s t
	printf 'one\n' >&"$r_in"
	wait_size r 4
	wait_size s 4
	timeout "$TMO" redis-cli -s "$T/redis.sock" publish t two > /dev/null
	wait_size r 8
	wait_size s 8
	close_in "$r_in"
	reap "$r_pid"
	same "$RC" 0
	file_is r 'one\ntwo\n'
	file_is r.err 'cxbus: pipe: this server cannot leave out our own %s\n' \
	    'messages; they are echoed'
	close_in "$IN"
	reap "$PIPE_PID"
	same "$RC" 0
	file_is s 'one\ntwo\n'
	cmp s.err r.err
}

@test "two pipes flooding each other through small queues both finish" {
	local a_in a_pid n=200000 bytes
	# With 64 KiB queues and no stall timeout to break a jam, a pipe that
	# stopped reading while it waits to publish would hang both.
	start_bus --queue-limit 65536 --stall-timeout 3600
	seq 1 "$n" > want
	bytes=$(stat -c %s want)
	bg_pipe a flood
	a_in=$IN a_pid=$PIPE_PID
	bg_pipe b flood
	cat want >&"$a_in" &
	BG_PIDS+=("$!")
	cat want >&"$IN" &
	BG_PIDS+=("$!")
	DEADLINE=$((DEADLINE * 4)) wait_size a "$bytes"
	DEADLINE=$((DEADLINE * 4)) wait_size b "$bytes"
	end_pipe "$a_pid" "$a_in" a
	end_pipe "$PIPE_PID" "$IN" b
	cmp a want
	cmp b want
}

@test "a pipe chatting runs clean under valgrind" {
	local v_in v_pid
	command -v valgrind >/dev/null || skip "valgrind not installed"
	# valgrind cannot run a program built with AddressSanitizer, which
	# checks the same things itself.
	case ${CXBUS_TEST_CFLAGS:-} in
	*-fsanitize=*) skip "cxbus is built with sanitizers" ;;
	esac
	! ldd "$(command -v cxbus)" 2>/dev/null | grep -q libasan ||
	    skip "cxbus is built with AddressSanitizer"
	start_bus
	PIPE_WRAP="valgrind -q --leak-check=full --error-exitcode=99 \
--log-file=$T/vg.log" PIPE_TMO=$((TMO * 6)) DEADLINE=$((DEADLINE * 6)) \
	    bg_pipe v --json t
	v_in=$IN v_pid=$PIPE_PID
	bg_pipe o t
	printf 'from v\n' >&"$v_in"
	wait_size o 7
	printf 'from o\n' >&"$IN"
	DEADLINE=$((DEADLINE * 6)) wait_size v 40
	end_pipe "$PIPE_PID" "$IN" o
	close_in "$v_in"
	reap "$v_pid"
	same "$RC" 0 "valgrind's status for cxbus pipe" ||
	    { cat "$T/vg.log" >&2; false; }
	file_empty "$T/vg.log"
	file_is o 'from v\n'
}

@test "two pipes feeding each other's input keep a loop of messages going" {
	start_bus
	mkfifo e1 e2
	timeout 30 cxbus pipe loop < e1 > e2 2> a.err &
	BG_PIDS+=($!)
	timeout 30 cxbus pipe loop > e1 < e2 2> b.err &
	BG_PIDS+=($!)
	for i in $(seq 100); do
		"$PY" "$PROBE" numsub "$SOCK" loop 2 0 && break
		sleep 0.05
	done
	# A thousand long lines fill both pipes' output pipes many times
	# over; a pipe that blocked writing its output while the other did
	# the same would stop the loop for good.
	seq 1000 | sed 's/$/ xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx/' |
	    cx pub loop
	sleep 2
	run -3 cx sub -W 1 loop
	[ "${#lines[@]}" -gt 1000 ] ||
	    { echo "the loop carried ${#lines[@]} messages in 1 s"; false; }
}

#!/usr/bin/env bats
# Redis clients on the bus: redis-cli -s SOCK (PING, PUBLISH, SUBSCRIBE,
# PSUBSCRIBE, PUBSUB, RESP3), and cxbus --url against a real redis-server.

load helpers

setup() {
	common_setup
	command -v redis-cli >/dev/null || skip "redis-cli not installed"
	start_bus
}

teardown() {
	common_teardown
}

rcli() {
	timeout "$TMO" redis-cli -s "$SOCK" "$@"
}

# Start `redis-cli -s SOCK ARGS...` in the background writing to OUT.
bg_rcli() {
	local out=$1
	shift
	timeout "$TMO" redis-cli -s "$SOCK" "$@" > "$out" 2>"$out.err" 3>&- &
	BG_PIDS+=("$!")
}

@test "redis-cli PING and ECHO" {
	run -0 --separate-stderr rcli PING
	same "$output" PONG
	same "$stderr" ""
	run -0 rcli ECHO 'hello world'
	same "$output" 'hello world'
}

@test "redis-cli PUBLISH counts receivers; a cxbus sub gets the message" {
	run -0 rcli PUBLISH t nobody
	same "$output" 0
	bg_sub out -n 1 t
	run -0 rcli PUBLISH t 'hi there'
	same "$output" 1
	reap "$SUB_PID"
	same "$RC" 0
	file_is out 'hi there\n'
}

@test "redis-cli SUBSCRIBE receives what cxbus pub sends" {
	bg_rcli out SUBSCRIBE t
	"$PY" "$PROBE" numsub "$SOCK" t 1 "$DEADLINE"
	cx pub t hello
	printf 'subscribe\nt\n1\nmessage\nt\nhello\n' > want
	wait_size out "$(stat -c %s want)"
	cmp out want
}

@test "redis-cli PSUBSCRIBE receives pmessages" {
	bg_rcli out PSUBSCRIBE 't*'
	"$PY" "$PROBE" numpat "$SOCK" 1 "$DEADLINE"
	cx pub ta hello
	printf 'psubscribe\nt*\n1\npmessage\nt*\nta\nhello\n' > want
	wait_size out "$(stat -c %s want)"
	cmp out want
}

@test "redis-cli PUBSUB CHANNELS, NUMSUB, NUMPAT" {
	bg_sub out t 'p*'
	run -0 rcli PUBSUB CHANNELS
	same "$output" t
	run -0 rcli PUBSUB NUMSUB t q
	same "$output" "$(printf 't\n1\nq\n0')"
	run -0 rcli PUBSUB NUMPAT
	same "$output" 1
}

@test "redis-cli -3 speaks RESP3 to the bus" {
	run -0 --separate-stderr rcli -3 PING
	same "$output" PONG
	same "$stderr" ""
	bg_rcli out -3 SUBSCRIBE t
	"$PY" "$PROBE" numsub "$SOCK" t 1 "$DEADLINE"
	cx pub t hello
	printf 'subscribe\nt\n1\nmessage\nt\nhello\n' > want
	wait_size out "$(stat -c %s want)"
	cmp out want
}

@test "redis-cli reads commands from stdin" {
	run -0 rcli <<< $'PING\nECHO hi\nPUBLISH t x'
	same "$output" "$(printf 'PONG\nhi\n0')"
}

@test "redis-cli reports an unknown command as an error" {
	run -0 --separate-stderr rcli FROBZ a
	same "$output" "ERR unknown command 'FROBZ', with args beginning with: 'a' "
}

# Start redis-server on a free loopback port; its URL in URL.
start_redis_tcp() {
	local port i
	for i in 1 2 3 4 5; do
		port=$(( 20000 + RANDOM % 20000 ))
		start_redis "$T/redis.sock" "$port" 2>/dev/null || true
		if [ -n "$REDIS_PID" ] && pid_alive "$REDIS_PID" &&
		    timeout 2 redis-cli -p "$port" PING 2>/dev/null | grep -q PONG
		then
			URL=redis://127.0.0.1:$port
			return 0
		fi
		[ -z "$REDIS_PID" ] || kill "$REDIS_PID" 2>/dev/null || true
		REDIS_PID=
	done
	echo "could not start redis-server on a free port" >&2
	return 1
}

@test "cxbus --url: pub and sub work against a real Redis" {
	command -v redis-server >/dev/null || skip "redis-server not installed"
	start_redis_tcp
	timeout "$TMO" cxbus --url "$URL" sub -v -n 2 t 'g*' > out 2>err 3>&- &
	SUB_PID=$!
	BG_PIDS+=("$SUB_PID")
	"$PY" "$PROBE" numsub "$T/redis.sock" t 1 "$DEADLINE"
	"$PY" "$PROBE" numpat "$T/redis.sock" 1 "$DEADLINE"
	run -0 --separate-stderr cx --url "$URL" pub t one
	same "$stderr" ""
	printf 'two\n' | CXBUS_URL=$URL cx pub go
	reap "$SUB_PID"
	same "$RC" 0
	file_is out 't one\ngo two\n'
	# Nothing went to the local bus.
	run -0 rcli PUBSUB NUMSUB t
	same "$output" "$(printf 't\n0')"
}

#!/usr/bin/env bats
# cxbus topics (TSV on a pipe, table on a terminal, --json, -1, PATTERN),
# cxbus status and cxbus ping.

load helpers

setup() {
	common_setup
}

teardown() {
	common_teardown
}

# A bus with topic a (one subscriber, never published), t (published
# twice, nobody listening) and u (published once).
three_topics() {
	start_bus
	bg_sub out a
	cx pub t x
	cx pub t y
	cx pub u z
}

@test "topics on a pipe: TSV rows, no header, ISO 8601 UTC or -, yes/no" {
	three_topics
	run -0 --separate-stderr cx topics
	same "$stderr" ""
	printf '%s\n' "$output" | sort > rows
	run -0 "$PY" - <<'EOF'
import re, time, calendar
rows = [l.rstrip('\n').split('\t') for l in open('rows')]
assert [r[0] for r in rows] == ['a', 't', 'u'], rows
assert all(len(r) == 5 for r in rows), rows
a, t, u = rows
assert a[1:] == ['1', '0', '-', 'no'], a
assert t[1:3] == ['0', '2'] and t[4] == 'no', t
assert u[1:3] == ['0', '1'] and u[4] == 'no', u
for r in (t, u):
    assert re.fullmatch(r'\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ', r[3]), r
    when = calendar.timegm(time.strptime(r[3], '%Y-%m-%dT%H:%M:%SZ'))
    assert abs(when - time.time()) < 60, r
print('ok')
EOF
	same "$output" ok
}

@test "topics --json: one object per line, last null when never published" {
	three_topics
	run -0 --separate-stderr cx topics --json
	same "$stderr" ""
	printf '%s\n' "$output" > j
	run -0 "$PY" - <<'EOF'
import json
rows = sorted((json.loads(l) for l in open('j')), key=lambda r: r['topic'])
keys = {'topic', 'subscribers', 'messages', 'last', 'retained'}
assert all(set(r) == keys for r in rows), rows
a, t, u = rows
assert a == {'topic': 'a', 'subscribers': 1, 'messages': 0, 'last': None,
             'retained': False}, a
assert (t['subscribers'], t['messages'], t['retained']) == (0, 2, False), t
assert (u['subscribers'], u['messages'], u['retained']) == (0, 1, False), u
assert t['last'].endswith('Z') and len(t['last']) == 20, t
print('ok')
EOF
	same "$output" ok
}

@test "topics -1 prints the names alone, sorted" {
	start_bus
	local t
	for t in b a.b B a c/d; do
		cx pub "$t" x
	done
	run -0 --separate-stderr cx topics -1
	same "$stderr" ""
	same "$output" "$(printf 'B\na\na.b\nb\nc/d')"
	run -0 cx topics --names
	same "$output" "$(printf 'B\na\na.b\nb\nc/d')"
}

@test "topics PATTERN lists only the matching topics" {
	start_bus
	local t
	for t in news.a news.b other n; do
		cx pub "$t" x
	done
	run -0 cx topics -1 'news.*'
	same "$output" "$(printf 'news.a\nnews.b')"
	run -0 cx topics 'o*'
	[[ "$output" == other$'\t'* ]] || { echo "got: $output"; false; }
	same "$(printf '%s\n' "$output" | wc -l)" 1
}

@test "topics on a fresh bus prints nothing" {
	start_bus
	run -0 --separate-stderr cx topics
	same "$output" ""
	same "$stderr" ""
}

@test "topics on a terminal: a table with a header line" {
	command -v script >/dev/null || skip "script(1) not installed"
	three_topics
	run -0 timeout "$TMO" script -qec "cxbus topics" /dev/null
	local header rest
	header=$(printf '%s\n' "$output" | head -n 1 | tr -d '\r')
	same "$(echo $header)" "TOPIC SUBSCRIBERS MESSAGES LAST RETAINED"
	rest=$(printf '%s\n' "$output" | tail -n +2 | tr -d '\r' |
	    awk '{ print $1 }' | sort | tr '\n' ' ')
	same "$rest" "a t u "
}

@test "status prints key: value lines for the running daemon" {
	start_bus
	bg_sub out -n 3 t y 'x*'
	printf '1\n2\n3\n' | cx pub t
	reap "$SUB_PID"
	run -0 --separate-stderr cx status
	same "$stderr" ""
	printf '%s\n' "$output" > st
	same "$(status_value pid < st)" "$DAEMON_PID"
	same "$(status_value version < st)" "0.1.0"
	same "$(status_value socket < st)" "$SOCK"
	same "$(status_value messages_in < st)" 3
	same "$(status_value messages_out < st)" 3
	same "$(status_value messages_dropped < st)" 0
	local k
	for k in uptime clients subscriptions patterns topics memory; do
		[[ "$(status_value "$k" < st)" =~ ^[0-9]+ ]] ||
		    { echo "status has no number for $k: $output"; false; }
	done
	run -1 grep -v '^[a-z_]*: ' st
}

@test "status counts subscriptions and patterns" {
	start_bus
	bg_sub out t y 'x*'
	run -0 cx status
	printf '%s\n' "$output" > st
	# "subscriptions" may count channels alone (2) or channels and
	# patterns together (3); the contract does not say which.
	case $(status_value subscriptions < st) in
	2|3) ;;
	*) echo "subscriptions: $(status_value subscriptions < st)"; false ;;
	esac
	same "$(status_value patterns < st)" 1
}

@test "ping answers PONG from the socket with the time, exit 0" {
	start_bus
	run -0 --separate-stderr cx ping
	same "$stderr" ""
	[[ "$output" =~ ^PONG\ from\ "$SOCK"\ in\ [0-9]+(\.[0-9]+)?\ ms$ ]] ||
	    { echo "stdout: $output"; false; }
}

@test "ping without a bus exits 1 and starts nothing" {
	run -1 --separate-stderr cx ping
	same "$output" ""
	[[ "$stderr" == cxbus:*"$SOCK"* ]] || { echo "stderr: $stderr"; false; }
	[ ! -e "$SOCK" ]
	same "$(count_daemons "$SOCK")" 0
}

@test "ping -W against a server that never answers exits 3 in time" {
	local t0 t1 srv
	"$PY" -c '
import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1]); s.listen(8)
conns = []
end = time.time() + 20
while time.time() < end:
    s.settimeout(end - time.time())
    try:
        conns.append(s.accept()[0])
    except OSError:
        break' "$T/hung.sock" 3>&- &
	srv=$!
	BG_PIDS+=("$srv")
	wait_for_socket "$T/hung.sock"
	t0=$(now_ms)
	run -3 --separate-stderr cx -S "$T/hung.sock" ping -W 0.5
	t1=$(now_ms)
	same "$output" ""
	[ $((t1 - t0)) -ge 450 ] && [ $((t1 - t0)) -lt 2000 ] ||
	    { echo "took $((t1 - t0)) ms"; false; }
}

@test "topic names with tabs, newlines and control bytes stay one line" {
	start_bus
	cx pub "$(printf 'a\tb\nc\\d\001')" x
	run -0 --separate-stderr cx topics -1
	same "$output" 'a\tb\nc\\d\x01'
	run -0 --separate-stderr cx topics
	same "$(printf '%s\n' "$output" | cut -f1,3)" 'a\tb\nc\\d\x01	1'
}

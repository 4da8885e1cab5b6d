#!/usr/bin/env bats
# cxbus pub and cxbus sub: how input becomes messages, how messages are
# printed, counts and timeouts, globs, flushing, and leaving quietly
# (CASES.md B01 B02 B04 B08 B11 B14 B16 B19 B22 B26 B28).

load helpers

setup() {
	common_setup
	start_bus
}

teardown() {
	common_teardown
}

# Subscribe to TOPIC with -n N, feed STDIN to `cxbus pub TOPIC PUBARGS`,
# and check that pub exits 0 silently and sub exits 0.  Output in out.
pub_lines() {
	local n=$1 topic=$2
	shift 2
	bg_sub out -n "$n" "$topic"
	run -0 --separate-stderr timeout "$TMO" cxbus pub "$@" "$topic"
	same "$output$stderr" "" "pub output"
	reap "$SUB_PID"
	same "$RC" 0 "sub exit status"
}

@test "pub MESSAGE args make one message joined by single spaces" {
	bg_sub out -n 2 t
	run -0 --separate-stderr cx pub t hello big   world
	same "$output" ""
	same "$stderr" ""
	run -0 cx pub t 'a  b' c
	reap "$SUB_PID"
	same "$RC" 0
	file_is out 'hello big world\na  b c\n'
}

@test "pub reads one message per stdin line" {
	printf 'one\ntwo\nthree\n' > in
	pub_lines 3 t < in
	file_is out 'one\ntwo\nthree\n'
}

@test "a final newline adds no empty message (B02)" {
	bg_sub out -n 3 -W 1 t
	run -0 cx pub t < <(printf 'a\nb\n')
	reap "$SUB_PID"
	same "$RC" 3 "sub -n 3 -W 1 must time out after 2 messages"
	file_is out 'a\nb\n'
}

@test "a last line without newline is still a message (B02)" {
	local first
	bg_sub out -n 2 t
	first=$SUB_PID
	bg_sub out3 -n 3 -W 1 t
	printf 'a\nb' > in
	run -0 cx pub t < in
	reap "$first"
	same "$RC" 0
	file_is out 'a\nb\n'
	reap "$SUB_PID"
	same "$RC" 3 "a third message must not appear"
	file_is out3 'a\nb\n'
}

@test "empty lines are empty messages (B02)" {
	bg_sub out -n 4 -W 1 t
	printf 'a\n\nb\n' > in
	run -0 cx pub t < in
	reap "$SUB_PID"
	same "$RC" 3 "exactly three messages"
	file_is out 'a\n\nb\n'
}

@test "carriage returns stay in the payload (B16)" {
	printf 'a\r\nb\r\n' > in
	pub_lines 2 t < in
	file_is out 'a\r\nb\r\n'
}

@test "--json escapes a CR in the payload (B16)" {
	bg_sub j -n 1 --json t
	printf 'c\r\n' | cx pub t
	reap "$SUB_PID"
	same "$RC" 0
	run -0 "$PY" -c 'import json,sys; print(repr(json.loads(open("j").read())["payload"]))'
	same "$output" "'c\\r'"
	run -1 grep -q $'\r' j
}

@test "line mode adds no byte to the payload (B14)" {
	printf 'Wed 9 Dec\n' > in
	pub_lines 1 t < in
	file_is out 'Wed 9 Dec\n'
}

@test "-0 splits stdin at NUL; a final NUL adds no message (B14)" {
	bg_sub j -n 3 -W 1 --json t
	printf 'a\0b\nc\0' | cx pub -0 t
	reap "$SUB_PID"
	same "$RC" 3 "exactly two messages"
	run -0 "$PY" -c 'import json
print([json.loads(l)["payload"] for l in open("j")])'
	same "$output" "['a', 'b\\nc']"
}

@test "-0 without a final NUL still publishes the last record" {
	bg_sub out -n 2 -0 t
	printf 'x\0y' | cx pub --null t
	reap "$SUB_PID"
	same "$RC" 0
	file_is out 'x\0y\0'
}

@test "--whole publishes all of stdin as one message" {
	bg_sub out -n 2 -W 1 -0 t
	printf 'x\ny\n\0z' | cx pub --whole t
	reap "$SUB_PID"
	same "$RC" 3 "exactly one message"
	file_is out 'x\ny\n\0z\0'
}

@test "empty stdin: line and -0 publish nothing, --whole one empty message (B22)" {
	bg_sub out -W 1.5 t
	run -0 timeout 3 cxbus pub t < /dev/null
	run -0 timeout 3 cxbus pub -0 t < /dev/null
	run -0 timeout 3 cxbus pub --whole t < /dev/null
	reap "$SUB_PID"
	same "$RC" 3
	file_is out '\n'
}

@test "a 200000-byte line is one message, not split (B11)" {
	head -c 200000 /dev/zero | tr '\0' x > in
	pub_lines 1 t < in
	printf '\n' >> in
	cmp out in
}

@test "a line of exactly 1 MiB is taken, 1 MiB + 1 refused naming the limit (B11)" {
	{ head -c 1048576 /dev/zero | tr '\0' y; echo; } > in
	pub_lines 1 t < in
	cmp out in
	bg_sub out2 -n 1 -W 1 t
	{ head -c 1048577 /dev/zero | tr '\0' z; echo; } > in2
	run -1 --separate-stderr cx pub t < in2
	same "$output" ""
	[[ "$stderr" == *"1048576"* ]] || { echo "stderr: $stderr"; false; }
	reap "$SUB_PID"
	same "$RC" 3 "nothing of the long line may arrive"
	file_empty out2
}

@test "an over-long record fails naming its number; the ones before it arrive" {
	bg_sub out -n 3 -W 2 t
	{ echo a; echo b; head -c 1048577 /dev/zero | tr '\0' z; echo; } > in
	run -1 --separate-stderr cx pub t < in
	same "$output" ""
	same "$stderr" "cxbus: pub: message 3 is over the bus's limit of 1048576 bytes"
	reap "$SUB_PID"
	same "$RC" 3
	file_is out 'a\nb\n'
}

@test "--whole: 1 MiB of random bytes arrives intact, 1 MiB + 1 is refused (B20)" {
	head -c 1048576 /dev/urandom > p
	bg_sub out -n 1 -0 big
	run -0 cx pub --whole big < p
	reap "$SUB_PID"
	same "$RC" 0
	printf '\0' >> p
	cmp out p
	bg_sub out2 -n 1 -W 1 big
	head -c 1048577 /dev/urandom > p2
	run -1 --separate-stderr cx pub --whole big < p2
	[[ "$stderr" == cxbus:*1048576* ]] || { echo "stderr: $stderr"; false; }
	reap "$SUB_PID"
	same "$RC" 3
	file_empty out2
}

@test "a daemon with --max-message 100 refuses a 101-byte message naming 100" {
	local sock=$T/small.sock
	start_daemon "$sock" --max-message 100
	bg_sub out -S "$sock" -n 1 t
	head -c 101 /dev/zero | tr '\0' x > long
	run -1 --separate-stderr cx -S "$sock" pub --whole t < long
	same "$stderr" "cxbus: pub: message 1 is over the bus's limit of 100 bytes"
	head -c 100 /dev/zero | tr '\0' y > exact
	run -0 cx -S "$sock" pub --whole t < exact
	reap "$SUB_PID"
	same "$RC" 0
	printf '\n' >> exact
	cmp out exact
}

@test "a daemon with --max-message 10 still takes a 10-byte message" {
	# The limit is on payloads; command names and topics are not payload.
	local sock=$T/small.sock
	start_daemon "$sock" --max-message 10
	bg_sub out -S "$sock" -n 1 a-longer-topic-name
	run -0 --separate-stderr cx -S "$sock" pub a-longer-topic-name 0123456789
	same "$stderr" ""
	run -1 --separate-stderr cx -S "$sock" pub t 0123456789a
	same "$stderr" "cxbus: pub: message 1 is over the bus's limit of 10 bytes"
	reap "$SUB_PID"
	file_is out '0123456789\n'
}

@test "ten thousand lines arrive complete and in order" {
	seq 10000 > in
	pub_lines 10000 t < in
	cmp out in
}

@test "pub exits only after the bus took every message" {
	seq 100000 | cx pub nobody-listens
	run -0 cx status
	same "$(status_value messages_in <<< "$output")" 100000
	run -0 cx topics --json nobody-listens
	[[ "$output" == *'"messages":100000'* ]] || { echo "$output"; false; }
}

@test "-F treats glob characters as an exact topic" {
	bg_sub out -F -v -n 1 'a*'
	run -0 cx pub ab y
	run -0 cx pub 'a*' x
	reap "$SUB_PID"
	same "$RC" 0
	file_is out 'a* x\n'
}

@test "a topic without glob characters is exact" {
	bg_sub out -v -n 1 news
	run -0 cx pub news.x y
	run -0 cx pub new y
	run -0 cx pub news x
	reap "$SUB_PID"
	file_is out 'news x\n'
}

# Subscribe to PATTERN with -v -n (number of WANT lines), publish each
# TOPIC in turn (payload = its position), and check the output is WANT.
glob_case() {
	local pat=$1 want=$2 n i=0 t
	shift 2
	n=$(printf "$want" | wc -l)
	bg_sub out -v -n "$n" -W 5 "$pat"
	for t in "$@"; do
		i=$((i + 1))
		cx pub "$t" "$i"
	done
	reap "$SUB_PID"
	same "$RC" 0 "sub $pat exit status"
	file_is out "$want"
}

@test "globs: unterminated bracket a[b- (B04)" {
	glob_case 'a[b-' 'ab 3\na- 4\n' 'a[b-' ac ab a-
}

@test "globs: trailing backslash foo\\ (B04)" {
	glob_case 'foo\' 'foo\\ 2\n' foo 'foo\'
}

@test "globs: escaped star a\\*b (B04)" {
	glob_case 'a\*b' 'a*b 2\n' axb 'a*b'
}

@test "globs: reversed range x[c-a] (B04)" {
	glob_case 'x[c-a]' 'xb 2\n' xd xb
}

@test "globs: ? is exactly one byte (B04)" {
	glob_case 'h?llo' 'hello 2\n' hllo hello
}

@test "globs: negated class h[^e]llo (B04)" {
	glob_case 'h[^e]llo' 'hallo 2\n' hello hallo
}

@test "globs: * matches empty and crosses / and . (B04)" {
	glob_case 'news.*' 'news. 2\nnews.a/b.c 3\n' news news. news.a/b.c
	glob_case 'logs/*' 'logs/app/x 2\n' logsx logs/app/x
}

@test "-n COUNT exits 0 at once even with a long -W (B08)" {
	local t0 t1
	t0=$(now_ms)
	bg_sub out -n 1 -W 10 t
	cx pub t ready
	reap "$SUB_PID"
	t1=$(now_ms)
	same "$RC" 0
	file_is out 'ready\n'
	[ $((t1 - t0)) -lt 1500 ] || { echo "took $((t1 - t0)) ms"; false; }
}

@test "-W SECONDS with no message exits 3 after about that long, printing nothing (B08)" {
	local t0 t1
	t0=$(now_ms)
	run -3 --separate-stderr cx sub -n 1 -W 1 t
	t1=$(now_ms)
	same "$output" ""
	[ $((t1 - t0)) -ge 950 ] && [ $((t1 - t0)) -lt 2000 ] ||
	    { echo "took $((t1 - t0)) ms"; false; }
}

@test "-W takes fractions" {
	local t0 t1
	t0=$(now_ms)
	run -3 cx sub --timeout 0.5 t
	t1=$(now_ms)
	same "$output" ""
	[ $((t1 - t0)) -ge 450 ] && [ $((t1 - t0)) -lt 1400 ] ||
	    { echo "took $((t1 - t0)) ms"; false; }
}

@test "-W is total time: a message does not extend it" {
	local t0 t1
	t0=$(now_ms)
	bg_sub out -W 1.2 t
	# Timing, not synchronisation: publish late in the window.
	sleep 0.7
	cx pub t x
	reap "$SUB_PID"
	t1=$(now_ms)
	same "$RC" 3
	file_is out 'x\n'
	[ $((t1 - t0)) -lt 1700 ] || { echo "took $((t1 - t0)) ms"; false; }
}

@test "--count: several messages then exit 0" {
	bg_sub out --count 3 t
	printf '1\n2\n3\n4\n' | cx pub t
	reap "$SUB_PID"
	same "$RC" 0
	file_is out '1\n2\n3\n'
}

@test "-v prints TOPIC PAYLOAD" {
	bg_sub out -v -n 2 a b
	cx pub a 'x y'
	cx pub b ''
	reap "$SUB_PID"
	file_is out 'a x y\nb \n'
}

@test "-0 ends each payload with NUL; with -v, TOPIC PAYLOAD NUL" {
	bg_sub out -0 -n 2 t
	printf 'l1\nl2\n' | cx pub t
	reap "$SUB_PID"
	file_is out 'l1\0l2\0'
	bg_sub out2 --verbose --null -n 1 t
	printf 'p\nq' | cx pub --whole t
	reap "$SUB_PID"
	file_is out2 't p\nq\0'
}

@test "--json: topic, payload, time; pattern only when a glob matched" {
	bg_sub j -n 2 --json exact 'ex*'
	cx pub exact 'q"\'
	reap "$SUB_PID"
	same "$RC" 0
	run -0 "$PY" - <<'EOF'
import json, time
rows = [json.loads(l) for l in open("j")]
assert len(rows) == 2, rows
plain = [r for r in rows if "pattern" not in r]
glob = [r for r in rows if "pattern" in r]
assert len(plain) == 1 and len(glob) == 1, rows
assert glob[0]["pattern"] == "ex*", rows
for r in rows:
    assert r["topic"] == "exact" and r["payload"] == 'q"\\', r
    assert isinstance(r["time"], (int, float)) and abs(r["time"] - time.time()) < 60, r
    assert set(r) <= {"topic", "payload", "time", "pattern"}, r
print("ok")
EOF
	same "$output" ok
}

@test "--json escapes control bytes and keeps UTF-8 text as text" {
	bg_sub j -n 1 --json t
	printf 'a\0b\tc\x01\xc3\xa9\n' | cx pub --whole t
	reap "$SUB_PID"
	# No raw control byte inside the line.
	run -0 "$PY" -c 'import sys; d = open("j","rb").read(); print(d.endswith(b"\n") and d.count(b"\n") == 1 and not any(c < 32 for c in d[:-1]))'
	same "$output" True
	run -0 "$PY" -c 'import json; r = json.loads(open("j").read()); print(ascii(r["payload"]), "payload_base64" in r)'
	same "$output" "'a\\x00b\\tc\\x01\\xe9\\n' False"
}

@test "--json gives payload_base64 for bytes that are not UTF-8 (B19)" {
	bg_sub j -n 1 --json bin
	printf '\000\377\000' | cx pub --whole bin
	reap "$SUB_PID"
	same "$RC" 0
	run -0 "$PY" -c 'import json, base64
r = json.loads(open("j").read())
print(r.get("payload_base64"), "payload" in r, base64.b64decode(r["payload_base64"]).hex())'
	same "$output" "AP8A False 00ff00"
}

@test "--json gives topic_base64 for a topic that is not UTF-8" {
	bg_sub j -n 1 --json 't*'
	cx pub $'t\xff' x
	reap "$SUB_PID"
	run -0 "$PY" -c 'import json, base64
r = json.loads(open("j").read())
print(base64.b64decode(r["topic_base64"]).hex(), "topic" in r, r["payload"], r["pattern"])'
	same "$output" "74ff False x t*"
}

@test "binary payloads come out byte for byte (B19)" {
	bg_sub out -n 1 bin
	printf 'a\0b\r\nc\377' | cx pub --whole bin
	reap "$SUB_PID"
	run -0 od -An -tx1 out
	same "$(echo $output)" "61 00 62 0d 0a 63 ff 0a"
}

@test "a topic subscribed directly and by a glob prints twice (B28)" {
	bg_sub out -v -n 2 n1 'n*'
	run -0 cx pub n1 z
	reap "$SUB_PID"
	same "$RC" 0
	file_is out 'n1 z\nn1 z\n'
	# The bus itself reports both deliveries.
	bg_sub out2 -n 2 n1 'n*'
	expect_reply '*3\r\n$7\r\nPUBLISH\r\n$2\r\nn1\r\n$1\r\nz\r\n' ':2\r\n'
	reap "$SUB_PID"
	file_is out2 'z\nz\n'
}

# Start `cxbus sub ARGS` writing into a pipe read by `cat > out`, publish
# hello, and check that out holds WANT while sub is still running.
check_flushed() {
	local want=$1 cat_pid
	shift
	mkfifo fifo
	cat fifo > out 3>&- &
	cat_pid=$!
	BG_PIDS+=("$cat_pid")
	timeout "$TMO" cxbus sub "$@" > fifo 2>err 3>&- &
	SUB_PID=$!
	BG_PIDS+=("$SUB_PID")
	"$PY" "$PROBE" numsub "$SOCK" t 1 "$DEADLINE"
	cx pub t hello
	printf "$want" > want
	wait_size out "$(stat -c %s want)"
	pid_alive "$SUB_PID"
	cmp out want
}

@test "sub | cat shows each line at once (B01)" {
	check_flushed 'hello\n' t
}

@test "sub -v | cat shows each line at once (B01)" {
	check_flushed 't hello\n' -v t
}

@test "sub --json | cat shows each line at once (B01)" {
	mkfifo fifo
	cat fifo > out 3>&- &
	BG_PIDS+=("$!")
	timeout "$TMO" cxbus sub --json t > fifo 2>err 3>&- &
	SUB_PID=$!
	BG_PIDS+=("$SUB_PID")
	"$PY" "$PROBE" numsub "$SOCK" t 1 "$DEADLINE"
	cx pub t hello
	wait_size out 20
	# Give a half-written line a moment to be completed.
	timeout "$DEADLINE" "$PY" -c '
import json, time
for i in range(100):
    d = open("out").read()
    if d.endswith("\n"):
        break
    time.sleep(0.02)
print(json.loads(d)["payload"])' > got
	pid_alive "$SUB_PID"
	file_is got 'hello\n'
}

@test "sub | grep --line-buffered shows each line at once (B01)" {
	mkfifo fifo
	grep --line-buffered hello < fifo > out 3>&- &
	BG_PIDS+=("$!")
	timeout "$TMO" cxbus sub t > fifo 2>err 3>&- &
	SUB_PID=$!
	BG_PIDS+=("$SUB_PID")
	"$PY" "$PROBE" numsub "$SOCK" t 1 "$DEADLINE"
	cx pub t hello
	wait_size out 6
	pid_alive "$SUB_PID"
	file_is out 'hello\n'
}

@test "sub | head -n 1 exits 0 quietly" {
	local i
	# `head` leaves after the first line; sub must then end with 0 and
	# say nothing, whether it finds out by EPIPE or while idle.
	{ timeout "$TMO" cxbus sub t 2>err; echo $? > rc; } 3>&- |
	    head -n 1 > out &
	BG_PIDS+=("$!")
	"$PY" "$PROBE" numsub "$SOCK" t 1 "$DEADLINE"
	for i in $(seq 50); do
		[ -s rc ] && break
		cx pub t "m$i"
		sleep 0.05
	done
	wait_size rc 2
	file_is rc '0\n'
	file_is out 'm1\n'
	file_empty err
}

@test "sub exits 0 quietly on EPIPE while messages keep coming" {
	{ timeout "$TMO" cxbus sub t 2>err; echo $? > rc; } 3>&- |
	    head -c 1 > out &
	BG_PIDS+=("$!")
	"$PY" "$PROBE" numsub "$SOCK" t 1 "$DEADLINE"
	seq 20000 | cx pub t
	wait_size rc 2
	file_is rc '0\n'
	file_empty err
}

@test "an idle sub exits 0 quietly when its reader closes the pipe (B26)" {
	run -0 timeout 5 "$PY" -c '
import subprocess, time
p = subprocess.Popen(["cxbus", "sub", "never-published"],
    stdout=subprocess.PIPE, stderr=subprocess.PIPE)
time.sleep(0.5)
p.stdout.close()
print("rc", p.wait(timeout=3))
print("err", p.stderr.read())'
	same "$output" "rc 0
err b''"
}

@test "sub on several exact topics gets each" {
	bg_sub out -v -n 3 a b c
	cx pub c 3
	cx pub a 1
	cx pub b 2
	reap "$SUB_PID"
	file_is out 'c 3\na 1\nb 2\n'
}

@test "sub in the background gets what pub sends from a here-string" {
	bg_sub out -n 1 t
	cx pub t <<< 'from here'
	reap "$SUB_PID"
	file_is out 'from here\n'
}

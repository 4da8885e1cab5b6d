#!/usr/bin/env bats
# Redis compatibility, both ways.  Redis clients on the bus: replies
# byte-compared with a real redis-server 7.0.15 for the same request
# sequences (tests/compat/respdiff.py), what client libraries send when
# they connect, redis-cli in one-shot, piped and interactive (tmux) use,
# a hiredis program (tests/compat/hiredis-pubsub.c).  And the cxbus
# command against a real redis-server, on a Unix socket (unix:// URL) and
# on 127.0.0.1 (redis:// URL, $CXBUS_URL), with and without a password;
# cxbus-only features there exit 5, "not supported by this server".

load helpers

COMPAT=$HELPERS_DIR/../compat

setup() {
	common_setup
	start_bus
}

teardown() {
	common_teardown
}

need_redis() {
	command -v redis-server >/dev/null || skip "redis-server not installed"
}

need_redis_cli() {
	command -v redis-cli >/dev/null || skip "redis-cli not installed"
}

# Start a redis-server of our own on the Unix socket PATH, and on
# 127.0.0.1:PORT unless PORT is 0, with extra ARGS (--requirepass ...).
# Its pid goes to BG_PIDS, so that teardown stops it.
redis_up() {
	local path=$1 port=$2 dir
	shift 2
	dir=$(mktemp -d "$T/redis.XXXXXX")
	redis-server --port "$port" --bind 127.0.0.1 --unixsocket "$path" \
	    --unixsocketperm 700 --daemonize no --save '' --appendonly no \
	    --dir "$dir" "$@" >"$dir/log" 2>&1 3>&- &
	BG_PIDS+=("$!")
	REDIS_UP_PID=$!
	wait_for_socket "$path"
}

# Start a redis-server on $T/r.sock and a free loopback port; the port
# in RPORT.  ARGS as for redis_up.
redis_up_tcp() {
	local i
	for i in 1 2 3 4 5 6 7 8; do
		RPORT=$(( 20000 + RANDOM % 30000 ))
		rm -f "$T/r.sock"
		if redis_up "$T/r.sock" "$RPORT" "$@" 2>/dev/null &&
		    pid_alive "$REDIS_UP_PID" &&
		    timeout 2 "$PY" -c 'import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1)' \
		    "$RPORT"; then
			return 0
		fi
		kill "$REDIS_UP_PID" 2>/dev/null || true
		wait_gone "$REDIS_UP_PID" 3 || true
	done
	echo "could not start redis-server on a free port" >&2
	return 1
}

# The differential check of one group of tests/compat/respdiff.py.
respdiff() {
	need_redis
	redis_up "$T/r.sock" 0
	RESPDIFF_DEADLINE=$DEADLINE run -0 timeout 300 "$PY" \
	    "$COMPAT/respdiff.py" "$T/r.sock" "$SOCK" "$@"
}

@test "same bytes as redis-server: several channels per SUBSCRIBE, bare UNSUBSCRIBE and PUNSUBSCRIBE" {
	respdiff subscribe
}

@test "same bytes as redis-server: PING and the refused commands while subscribed (RESP2)" {
	respdiff context
}

@test "same bytes as redis-server: empty and binary names and payloads (CR, LF, NUL, 0xff)" {
	respdiff binary
}

@test "same bytes as redis-server: PUBLISH's receiver count and PUBSUB" {
	respdiff counts
}

@test "same bytes as redis-server: RESP3 after HELLO 3, messages as push frames" {
	respdiff resp3
}

@test "same bytes as redis-server: HELLO, AUTH, CLIENT, SELECT, unknown commands" {
	respdiff handshake
}

@test "same bytes as redis-server: protocol errors, pipelining, inline commands" {
	respdiff protocol
}

@test "respdiff.py itself finds a difference" {
	need_redis
	redis_up "$T/r.sock" 0
	# A reference that is not Redis: cxbusd against itself would match,
	# so compare redis-server with a second one that has a password.
	redis_up "$T/r2.sock" 0 --requirepass pw
	run -1 timeout 60 "$PY" "$COMPAT/respdiff.py" "$T/r.sock" "$T/r2.sock" \
	    subscribe
	[[ "$output" == *"mismatch in \"several channels in one SUBSCRIBE"* ]]
	[[ "$output" == *"NOAUTH"* ]]
}

@test "INFO: Redis's sections and field names, sections on request, RESP3 verbatim" {
	pyrun <<'EOF'
import re
from probe import *
SOCK = sys.argv[1]

def info(*args, resp3=False):
    s = conn(SOCK)
    if resp3:
        s.sendall(enc('HELLO', '3'))
        parse(drain(s, idle=0.2))
    s.sendall(enc('INFO', *args))
    data = drain(s, idle=0.3)
    v, n = parse(data)
    check(n == len(data), 'one reply to INFO %s' % ' '.join(args))
    return v, data

def sections(text):
    out, cur = {}, None
    for line in text.decode().split('\r\n'):
        if line.startswith('# '):
            cur = line[2:]
            out[cur] = {}
        elif line:
            k, _, v = line.partition(':')
            out[cur][k] = v
    return out

text, _ = info()
secs = sections(text)
check(list(secs)[:2] == ['Server', 'Clients'], 'sections %r' % list(secs))
srv = secs.get('Server', {})
check(re.fullmatch(r'[6-9]\.\d+\.\d+', srv.get('redis_version', '')) is not None,
      'redis_version %r' % srv.get('redis_version'))
check(srv.get('redis_mode') == 'standalone', 'redis_mode')
check(int(srv.get('process_id', 0)) > 0, 'process_id')
check(int(secs.get('Clients', {}).get('connected_clients', 0)) >= 1,
      'connected_clients')
check(secs.get('Persistence', {}).get('loading') == '0', 'loading:0')
check(secs.get('Replication', {}).get('role') == 'master', 'role:master')
check(secs.get('Cluster', {}).get('cluster_enabled') == '0',
      'cluster_enabled:0')
check(text.endswith(b'\r\n') and not text.endswith(b'\r\n\r\n'),
      'ends like Redis: %s' % show(text[-10:]))

v, _ = info('server')
check(list(sections(v)) == ['Server'], 'INFO server: %r' % list(sections(v)))
v, _ = info('CLIENTS', 'replication')
check(list(sections(v)) == ['Clients', 'Replication'],
      'INFO CLIENTS replication: %r' % list(sections(v)))
v, data = info('nosuchsection')
check(data == b'$0\r\n\r\n', 'unknown section: %s' % show(data))
v, _ = info('all')
check(list(sections(v)) == list(secs), 'INFO all = INFO')
v, data = info('server', resp3=True)
check(data.startswith(b'=') and b'\r\ntxt:# Server\r\n' in data,
      'RESP3 verbatim string: %s' % show(data[:40]))
done()
EOF
}

@test "INFO's field names are Redis's, each in Redis's section" {
	need_redis
	redis_up "$T/r.sock" 0
	pyrun "$T/r.sock" <<'EOF'
from probe import *
SOCK, REF = sys.argv[1], sys.argv[2]

def sections(path):
    v = call(path, 'INFO', 'everything')
    out, cur = {}, None
    for line in v.decode().split('\r\n'):
        if line.startswith('# '):
            cur = line[2:]
            out[cur] = set()
        elif line:
            out[cur].add(line.partition(':')[0])
    return out

mine, ref = sections(SOCK), sections(REF)
order = [s for s in ref if s in mine]
check(order == list(mine), 'sections in Redis order: %r' % list(mine))
for sec, keys in mine.items():
    check(sec in ref, 'Redis has a section %s' % sec)
    extra = {k for k in keys if not k.startswith('cxbus_')} - ref.get(sec, set())
    check(not extra, 'fields Redis does not have in %s: %r' % (sec, extra))
done()
EOF
}

@test "client library handshakes get no error (redis-py, go-redis, Lettuce, Jedis, ioredis)" {
	pyrun <<'EOF'
from probe import *
SOCK = sys.argv[1]

# What each library sends when it connects with its default options (and
# with a password and a name, where it has them), as their sources do.
libs = {
    # redis-py 5, RESP2 default: two CLIENT SETINFO.
    'redis-py': [('CLIENT', 'SETINFO', 'LIB-NAME', 'redis-py'),
                 ('CLIENT', 'SETINFO', 'LIB-VER', '5.0.8')],
    # redis-py 5, protocol=3, username and password.
    'redis-py-resp3': [('HELLO', '3', 'AUTH', 'default', 'secret'),
                       ('CLIENT', 'SETINFO', 'LIB-NAME', 'redis-py'),
                       ('CLIENT', 'SETINFO', 'LIB-VER', '5.0.8')],
    # go-redis v9 default: HELLO 3, then SETINFO, its name with a suffix.
    'go-redis': [('HELLO', '3'),
                 ('CLIENT', 'SETINFO', 'LIB-NAME', 'go-redis(,go1.22.1)'),
                 ('CLIENT', 'SETINFO', 'LIB-VER', '9.5.1')],
    # go-redis v9 with ClientName and Password.
    'go-redis-named': [('HELLO', '3', 'AUTH', 'default', 'pw', 'SETNAME',
                        'svc-1'),
                       ('CLIENT', 'SETINFO', 'LIB-NAME', 'go-redis(,go1.22.1)'),
                       ('CLIENT', 'SETINFO', 'LIB-VER', '9.5.1')],
    # Lettuce 6.3: HELLO 3 with SETNAME, SETINFO, a PING.
    'lettuce': [('HELLO', '3', 'SETNAME', 'lettuce#1'),
                ('CLIENT', 'SETINFO', 'lib-name', 'Lettuce'),
                ('CLIENT', 'SETINFO', 'lib-ver', '6.3.2.RELEASE'),
                ('PING',)],
    # Jedis 5, RESP2 default, a database configured.
    'jedis': [('CLIENT', 'SETINFO', 'LIB-NAME', 'jedis'),
              ('CLIENT', 'SETINFO', 'LIB-VER', '5.1.2'),
              ('SELECT', '2')],
    # ioredis 5: its ready check is INFO; a connection name and a db.
    'ioredis': [('INFO',), ('CLIENT', 'SETNAME', 'ioredis-app'),
                ('SELECT', '1')],
}
for lib, cmds in libs.items():
    s = conn(SOCK)
    s.sendall(b''.join(enc(*c) for c in cmds))
    data = drain(s, idle=0.3)
    pos, replies = 0, []
    try:
        for _ in cmds:
            v, pos = parse(data, pos)
            replies.append(v)
    except Incomplete:
        pass
    check(len(replies) == len(cmds) and pos == len(data),
          '%s: %d replies for %d commands: %s' % (lib, len(replies),
                                                 len(cmds), show(data)))
    for c, v in zip(cmds, replies):
        check(not (isinstance(v, tuple) and v[0] == 'err'),
              '%s: %s answered %r' % (lib, ' '.join(c), v))
        if c[0] == 'HELLO':
            m = dict(zip(v[1][0::2], v[1][1::2])) if isinstance(v, tuple) \
                else dict(zip(v[0::2], v[1::2]))
            check(m.get(b'proto') == int(c[1]), '%s: HELLO proto %r' %
                  (lib, m.get(b'proto')))
            check(m.get(b'mode') == b'standalone' and
                  m.get(b'role') == b'master', '%s: HELLO map %r' % (lib, m))
        if c[0] == 'INFO':
            check(b'\r\nloading:0\r\n' in v and b'redis_version:' in v,
                  '%s: INFO for the ready check' % lib)
    # The connection is then usable for pub/sub, as the library uses it.
    s.sendall(enc('SUBSCRIBE', 'lib.' + lib))
    want = b'%s3\r\n$9\r\nsubscribe\r\n$%d\r\nlib.%s\r\n:1\r\n' % (
        b'>' if any(c[0] == 'HELLO' for c in cmds) else b'*',
        len(lib) + 4, lib.encode())
    expect(s, want, lib + ': SUBSCRIBE after the handshake')
    p = conn(SOCK)
    p.sendall(enc('PUBLISH', 'lib.' + lib, 'hi'))
    expect(p, ':1\\r\\n', lib + ': PUBLISH count')
    s.close()
done()
EOF
}

@test "CLIENT SETINFO is checked as Redis 7.2 checks it" {
	expect_reply '*4\r\n$6\r\nCLIENT\r\n$7\r\nSETINFO\r\n$8\r\nlib-name\r\n$8\r\nredis-py\r\n*4\r\n$6\r\nCLIENT\r\n$7\r\nSETINFO\r\n$7\r\nLIB-VER\r\n$5\r\n5.0.8\r\n' \
	    '+OK\r\n+OK\r\n'
	expect_reply '*4\r\n$6\r\nCLIENT\r\n$7\r\nSETINFO\r\n$8\r\nlib-name\r\n$3\r\na b\r\n' \
	    '-ERR lib-name cannot contain spaces, newlines or special characters.\r\n'
	expect_reply '*4\r\n$6\r\nCLIENT\r\n$7\r\nSETINFO\r\n$7\r\nLIB-VER\r\n$2\r\n1\n\r\n' \
	    '-ERR LIB-VER cannot contain spaces, newlines or special characters.\r\n'
	expect_reply '*4\r\n$6\r\nCLIENT\r\n$7\r\nSETINFO\r\n$5\r\nother\r\n$1\r\nx\r\n' \
	    "-ERR Unrecognized option 'other'\\r\\n"
	expect_reply '*3\r\n$6\r\nCLIENT\r\n$7\r\nSETINFO\r\n$8\r\nlib-name\r\n*1\r\n$4\r\nPING\r\n' \
	    "-ERR wrong number of arguments for 'client|setinfo' command\\r\\n+PONG\\r\\n"
	expect_reply '*4\r\n$6\r\nCLIENT\r\n$7\r\nSETINFO\r\n$8\r\nlib-name\r\n$0\r\n\r\n' '+OK\r\n'
}

@test "COMMAND, COUNT, LIST, INFO and DOCS describe exactly the commands the bus answers" {
	pyrun <<'EOF'
from probe import *
SOCK = sys.argv[1]
names = call(SOCK, 'COMMAND', 'LIST')
top = [n for n in names if b'|' not in n]
check(call(SOCK, 'COMMAND', 'COUNT') == len(top), 'COUNT = top-level LIST')
info = call(SOCK, 'COMMAND')
check(sorted(i[0] for i in info) == sorted(top), 'COMMAND names = LIST')
docs = call(SOCK, 'COMMAND', 'DOCS')
docmap = dict(zip(docs[0::2], docs[1::2]))
check(sorted(docmap) == sorted(top), 'DOCS names = LIST')
TYPES = {b'string', b'integer', b'pattern', b'block', b'oneof', b'key',
         b'double', b'unix-time', b'pure-token', b'token'}

def check_args(name, args):
    for a in args:
        m = dict(zip(a[0::2], a[1::2]))
        check(isinstance(m.get(b'name'), bytes) and m.get(b'type') in TYPES,
              '%s: argument %r' % (name, m))
        for f in m.get(b'flags', []):
            check(f in (b'optional', b'multiple'), '%s: flag %r' % (name, f))
        if m.get(b'type') in (b'block', b'oneof'):
            check_args(name, m.get(b'arguments', []))

def check_doc(name, d):
    m = dict(zip(d[0::2], d[1::2]))
    for k in (b'summary', b'since', b'group'):
        check(isinstance(m.get(k), bytes) and m[k], '%s: %s' % (name, k))
    check_args(name, m.get(b'arguments', []))
    subs = m.get(b'subcommands', [])
    for sname, sdoc in zip(subs[0::2], subs[1::2]):
        check(sname.startswith(name + b'|'), 'subcommand name %r' % sname)
        check(sname in names, '%r in COMMAND LIST' % sname)
        check_doc(sname, sdoc)

for name, d in docmap.items():
    check_doc(name, d)
# Every documented command is one the bus runs: none is unknown.
for name in names:
    s = conn(SOCK)
    s.sendall(enc(*name.split(b'|')))
    v, _ = parse(drain(s, idle=0.05, total=2))
    check(not (isinstance(v, tuple) and b'unknown' in v[1]),
          '%r is documented but unknown: %r' % (name, v))
    s.close()
# And a command it does not run is neither listed nor documented.
check(call(SOCK, 'COMMAND', 'INFO', 'GET') == [None], 'COMMAND INFO GET')
check(call(SOCK, 'COMMAND', 'DOCS', 'GET') == [], 'COMMAND DOCS GET')
done()
EOF
}

# redis-cli with ARGS against SOCK; stdout, stderr and status in FILE.
cli_to() {
	local sock=$1 file=$2
	shift 2
	timeout "$TMO" redis-cli -s "$sock" "$@" > "$file" 2>&1
	echo "rc=$?" >> "$file"
}

@test "redis-cli one-shot commands print what they print against redis-server" {
	need_redis
	need_redis_cli
	redis_up "$T/r.sock" 0
	local sock dir cmd i
	for sock in "$T/r.sock" "$SOCK"; do
		dir=$T/out.${sock##*/}
		mkdir "$dir"
		i=0
		while IFS= read -r cmd; do
			i=$((i + 1))
			# shellcheck disable=SC2086
			cli_to "$sock" "$dir/$i" $cmd
		done <<'EOF'
PING
PING hello
ECHO hi
PUBLISH t x
PUBSUB NUMSUB t u
PUBSUB NUMPAT
PUBSUB CHANNELS
FROBZ a b
CLIENT GETNAME
CLIENT SETNAME x
SELECT 3
AUTH pw
INFO nosuchsection
--raw PUBLISH t x
--raw PUBSUB NUMSUB t
-3 PING
-3 PUBSUB NUMSUB t
-3 CLIENT GETNAME
--no-raw PUBSUB NUMSUB t
--no-raw FROBZ
EOF
	done
	[ "$i" = 20 ]
	diff -r "$T/out.r.sock" "$T/out.bus.sock"
}

@test "redis-cli --raw SUBSCRIBE to several channels and PSUBSCRIBE, as against redis-server" {
	need_redis
	need_redis_cli
	redis_up "$T/r.sock" 0
	local sock
	for sock in "$T/r.sock" "$SOCK"; do
		timeout "$TMO" redis-cli -s "$sock" --raw SUBSCRIBE a b '' \
		    > "$T/sub.${sock##*/}" 2>&1 3>&- &
		BG_PIDS+=("$!")
		timeout "$TMO" redis-cli -s "$sock" --raw PSUBSCRIBE 'b*' \
		    > "$T/psub.${sock##*/}" 2>&1 3>&- &
		BG_PIDS+=("$!")
		"$PY" "$PROBE" numsub "$sock" '' 1 "$DEADLINE"
		"$PY" "$PROBE" numpat "$sock" 1 "$DEADLINE"
		timeout "$TMO" redis-cli -s "$sock" PUBLISH b 'two words' \
		    > "$T/n1.${sock##*/}"
		timeout "$TMO" redis-cli -s "$sock" PUBLISH '' empty \
		    > "$T/n2.${sock##*/}"
		printf 'x\r\ny' | timeout "$TMO" redis-cli -s "$sock" -x \
		    PUBLISH a > "$T/n3.${sock##*/}"
	done
	printf 'subscribe\na\n1\nsubscribe\nb\n2\nsubscribe\n\n3\nmessage\nb\ntwo words\nmessage\n\nempty\nmessage\na\nx\r\ny\n' > want
	wait_size "$T/sub.bus.sock" "$(stat -c %s want)"
	wait_size "$T/sub.r.sock" "$(stat -c %s want)"
	cmp want "$T/sub.r.sock"
	cmp want "$T/sub.bus.sock"
	printf 'psubscribe\nb*\n1\npmessage\nb*\nb\ntwo words\n' > pwant
	wait_size "$T/psub.bus.sock" "$(stat -c %s pwant)"
	cmp pwant "$T/psub.bus.sock"
	cmp "$T/psub.r.sock" "$T/psub.bus.sock"
	for n in n1 n2 n3; do
		cmp "$T/$n.r.sock" "$T/$n.bus.sock"
	done
	same "$(cat "$T/n1.bus.sock")" 2
}

@test "redis-cli reading a pipe (its REPL without a terminal): help comes from COMMAND DOCS" {
	need_redis_cli
	run -0 --separate-stderr timeout "$TMO" redis-cli -s "$SOCK" <<'EOF'
PING
PUBLISH t x
HELP PUBLISH
CLIENT SETINFO lib-name redis-cli
EOF
	same "$stderr" ""
	[[ "$output" == PONG$'\n'0$'\n'* ]] || { echo "$output"; false; }
	# Our own summary: redis-cli took it from the bus, not from its
	# built-in table.
	[[ "$output" == *"Send a message to the subscribers of a channel"* ]]
	[[ "$output" == *"group:"*"pubsub"* ]]
	[[ "$output" == *$'\n'OK ]]
	[[ "$output" != *ERR* ]]
}

# tmux on a private server: TM_SOCK is its socket.
tm() {
	timeout 10 tmux -S "$TM_SOCK" -f /dev/null "$@"
}

# Wait until the pane shows TEXT (a fixed string); print it when not.
pane_has() {
	local end=$(( $(date +%s) + DEADLINE ))
	while [ "$(date +%s)" -le "$end" ]; do
		tm capture-pane -p -S - -J | grep -qF -e "$1" && return 0
		sleep 0.05
	done
	echo "the pane never showed: $1" >&2
	tm capture-pane -p -S - -J >&2
	return 1
}

# Type LINE into the pane and press Enter.
type_line() {
	tm send-keys -l "$1"
	tm send-keys Enter
}

# Start redis-cli ARGS in a detached tmux session of our own.
start_tmux_cli() {
	command -v tmux >/dev/null || skip "tmux not installed"
	need_redis_cli
	TM_SOCK=$T/tmux.sock
	tm new-session -d -x 160 -y 50 "redis-cli $*"
	BG_PIDS+=("$(tm display-message -p '#{pid}')")
	pane_has "> "
}

@test "redis-cli interactive: starts without an error, HELP and hints from COMMAND DOCS, subscribe mode" {
	start_tmux_cli -s "$SOCK"
	type_line PING
	pane_has PONG
	type_line 'HELP SUBSCRIBE'
	pane_has 'Receive the messages sent to channels'
	# The typing hint for PUBLISH's arguments.
	tm send-keys -l 'PUBLISH '
	pane_has 'PUBLISH channel message'
	tm send-keys -l 't hello'
	tm send-keys Enter
	pane_has '(integer) 0'
	type_line 'CLIENT SETINFO lib-ver 7.0.15'
	pane_has OK
	type_line 'SUBSCRIBE a b'
	pane_has 'Reading messages...'
	"$PY" "$PROBE" numsub "$SOCK" b 1 "$DEADLINE"
	run -0 cx pub b 'to b'
	pane_has '3) "to b"'
	tm capture-pane -p -S - -J > pane
	if grep -n -e '(error)' -e 'ERR' pane; then
		cat pane
		false
	fi
	grep -qF '2) "a"' pane
}

@test "redis-cli -3 interactive: RESP3 help and push messages" {
	start_tmux_cli -3 -s "$SOCK"
	type_line 'HELP PSUBSCRIBE'
	pane_has 'glob patterns'
	type_line 'PSUBSCRIBE n*'
	pane_has 'Reading messages...'
	"$PY" "$PROBE" numpat "$SOCK" 1 "$DEADLINE"
	run -0 cx pub n1 pushed
	pane_has '4) "pushed"'
	tm capture-pane -p -S - -J > pane
	! grep -n -e '(error)' -e 'ERR' pane
}

@test "hiredis: a synchronous publisher and an asynchronous subscriber" {
	[ -r /usr/include/hiredis/async.h ] ||
	    skip "libhiredis-dev not installed"
	command -v cc >/dev/null || skip "no C compiler"
	run -0 cc -std=c11 -D_GNU_SOURCE -Wall -Wextra -Wno-unused-parameter \
	    -Werror -o "$T/hiredis-pubsub" "$COMPAT/hiredis-pubsub.c" -lhiredis
	run -0 --separate-stderr timeout "$TMO" "$T/hiredis-pubsub" "$SOCK" 50
	same "$stderr" "hiredis-pubsub: ok, 103 messages"
	printf '%s\n' "$output" > out.bus
	same "$(grep -c '^message - hp.chan ' out.bus)" 51
	same "$(grep -c '^pmessage hp.\* hp.chan ' out.bus)" 51
	grep -qx 'message - hp.chan 6d3439000d0aff' out.bus
	grep -qx 'pmessage hp.\* hp.other 70' out.bus
	if command -v redis-server >/dev/null; then
		redis_up "$T/r.sock" 0
		run -0 --separate-stderr timeout "$TMO" "$T/hiredis-pubsub" \
		    "$T/r.sock" 50
		printf '%s\n' "$output" > out.redis
		cmp out.redis out.bus
	fi
}

@test "hiredis-pubsub fails when a count is not what Redis would say" {
	[ -r /usr/include/hiredis/async.h ] ||
	    skip "libhiredis-dev not installed"
	run -0 cc -std=c11 -D_GNU_SOURCE -o "$T/hiredis-pubsub" \
	    "$COMPAT/hiredis-pubsub.c" -lhiredis
	# A second subscriber makes every PUBLISH count 3, not 2.
	bg_sub other hp.chan
	run -1 --separate-stderr timeout "$TMO" "$T/hiredis-pubsub" "$SOCK" 2
	[[ "$stderr" == *"PUBLISH to a channel and a pattern: want 2, got"* ]]
}

@test "cxbus --url unix:// reaches a redis-server on a Unix socket: pub, sub, patterns, ping" {
	need_redis
	redis_up "$T/r.sock" 0
	local url=unix://$T/r.sock
	timeout "$TMO" cxbus --url "$url" sub -v -n 3 t 'g*' > out 2>err 3>&- &
	SUB_PID=$!
	BG_PIDS+=("$SUB_PID")
	"$PY" "$PROBE" numsub "$T/r.sock" t 1 "$DEADLINE"
	"$PY" "$PROBE" numpat "$T/r.sock" 1 "$DEADLINE"
	run -0 --separate-stderr cx --url "$url" pub t one
	same "$stderr" ""
	printf 'two\nthree\n' | CXBUS_URL=$url cx pub go
	reap "$SUB_PID"
	same "$RC" 0
	file_is out 't one\ngo two\ngo three\n'
	file_empty err
	run -0 cx --url "$url" ping
	[[ "$output" =~ ^"PONG from unix://$T/r.sock in "[0-9.]+" ms"$ ]]
	run -0 cx --url "redis+unix://$T/r.sock" ping
	# The local bus saw none of it.
	run -0 "$PY" "$PROBE" "$SOCK" '*3\r\n$6\r\nPUBSUB\r\n$6\r\nNUMSUB\r\n$1\r\nt\r\n'
	same "$output" '*2\r\n$1\r\nt\r\n:0\r\n'
}

@test "cxbus --url redis://127.0.0.1:PORT and \$CXBUS_URL: pub, sub, ping against redis-server" {
	need_redis
	redis_up_tcp
	local url=redis://127.0.0.1:$RPORT
	CXBUS_URL=$url timeout "$TMO" cxbus sub -n 2 'p.*' exact > out 2>err 3>&- &
	SUB_PID=$!
	BG_PIDS+=("$SUB_PID")
	"$PY" "$PROBE" numsub "$T/r.sock" exact 1 "$DEADLINE"
	"$PY" "$PROBE" numpat "$T/r.sock" 1 "$DEADLINE"
	printf 'a\0b\r\n' | cx --url "$url" pub --whole p.x
	CXBUS_URL=$url cx pub exact ''
	reap "$SUB_PID"
	same "$RC" 0
	file_is out 'a\0b\r\n\n\n'
	run -0 cx --url "$url/0" ping
	[[ "$output" == "PONG from redis://127.0.0.1:$RPORT in "* ]]
	CXBUS_URL=$url run -0 cx ping
}

@test "cxbus topics on redis-server: rows from PUBSUB, unknown columns as - and null" {
	need_redis
	redis_up "$T/r.sock" 0
	local url=unix://$T/r.sock
	timeout "$TMO" cxbus --url "$url" sub b a a2 'pat*' > out 2>err 3>&- &
	BG_PIDS+=("$!")
	timeout "$TMO" cxbus --url "$url" sub a > out2 2>err2 3>&- &
	BG_PIDS+=("$!")
	"$PY" "$PROBE" numsub "$T/r.sock" a 2 "$DEADLINE"
	"$PY" "$PROBE" numsub "$T/r.sock" b 1 "$DEADLINE"
	"$PY" "$PROBE" numsub "$T/r.sock" a2 1 "$DEADLINE"
	"$PY" "$PROBE" numpat "$T/r.sock" 1 "$DEADLINE"
	run -0 --separate-stderr cx --url "$url" topics
	same "$stderr" ""
	same "$output" "$(printf 'a\t2\t-\t-\t-\na2\t1\t-\t-\t-\nb\t1\t-\t-\t-')"
	run -0 cx --url "$url" topics 'a*'
	same "$output" "$(printf 'a\t2\t-\t-\t-\na2\t1\t-\t-\t-')"
	run -0 cx --url "$url" topics -1
	same "$output" "$(printf 'a\na2\nb')"
	run -0 cx --url "$url" topics --json b
	same "$output" '{"topic":"b","subscribers":1,"messages":null,"last":null,"retained":null}'
	run -0 cx --url "$url" topics nothing-matches
	same "$output" ""
	run -0 timeout "$TMO" script -qec "cxbus --url $url topics b" /dev/null
	[[ "$output" == *TOPIC*SUBSCRIBERS*MESSAGES*LAST*RETAINED* ]]
	[[ "$output" =~ b\ +1\ +-\ +-\ +- ]]
}

@test "a password in the URL: AUTH before anything; wrong or missing password exits 1 and is not shown" {
	need_redis
	redis_up_tcp --requirepass 'p@ss:w/rd'
	local enc='p%40ss%3Aw%2Frd'
	timeout "$TMO" cxbus --url "unix://:$enc@$T/r.sock" sub -n 1 t \
	    > out 2>err 3>&- &
	SUB_PID=$!
	BG_PIDS+=("$SUB_PID")
	# PUBSUB needs the password too: wait with an authenticated probe.
	pyrun "$T/r.sock" <<'EOF'
from probe import *
s = conn(sys.argv[2])
s.sendall(enc('AUTH', 'p@ss:w/rd'))
expect(s, '+OK\\r\\n', 'AUTH')
def ready():
    s.sendall(enc('PUBSUB', 'NUMSUB', 't'))
    v, _ = parse(drain(s, idle=0.1))
    return v[1] >= 1
check(wait_until(ready, 5), 'subscriber ready')
done()
EOF
	run -0 --separate-stderr cx --url "redis://:$enc@127.0.0.1:$RPORT" pub t secret-ok
	same "$stderr" ""
	reap "$SUB_PID"
	same "$RC" 0
	file_is out 'secret-ok\n'
	run -0 cx --url "redis://default:$enc@127.0.0.1:$RPORT" ping
	[[ "$output" == "PONG from redis://127.0.0.1:$RPORT in "* ]]
	run -0 cx --url "unix://$T/r.sock?password=$enc" ping
	run -0 cx --url "redis://127.0.0.1:$RPORT/?user=default&password=$enc" ping

	run -1 --separate-stderr cx --url "redis://:wrong-pw@127.0.0.1:$RPORT" pub t x
	[[ "$stderr" == *"WRONGPASS"* ]]
	[[ "$stderr" != *wrong-pw* ]]
	run -1 --separate-stderr cx --url "unix://:wrong-pw@$T/r.sock" sub t
	[[ "$stderr" == *"WRONGPASS"* ]]
	[[ "$stderr" != *wrong-pw* ]]
	run -1 --separate-stderr cx --url "redis://127.0.0.1:$RPORT" pub t x
	[[ "$stderr" == *"NOAUTH"* ]]
	run -1 --separate-stderr cx --url "unix://$T/r.sock" ping
	[[ "$stderr" == *"NOAUTH"* ]]
}

@test "a password in the URL for a server without one is refused as Redis refuses it" {
	need_redis
	redis_up "$T/r.sock" 0
	run -1 --separate-stderr cx --url "unix://:nopass@$T/r.sock" ping
	[[ "$stderr" == *"AUTH <password> called without any password configured"* ]]
	[[ "$stderr" != *nopass* ]]
}

@test "cxbus-only features on redis-server say so and exit 5" {
	need_redis
	redis_up "$T/r.sock" 0
	local url=unix://$T/r.sock
	run -5 --separate-stderr cx --url "$url" status
	same "$output" ""
	same "$stderr" "cxbus: status: not supported by this server"
	# Options that exist only on cxbusd, where this cxbus has them.
	if cxbus pub --help | grep -q -e '--retain'; then
		run -5 --separate-stderr cx --url "$url" pub --retain t x
		[[ "$stderr" == *"not supported by this server"* ]]
	fi
	if cxbus sub --help | grep -q -e '--lossy'; then
		run -5 --separate-stderr cx --url "$url" sub --lossy -W 1 t
		[[ "$stderr" == *"not supported by this server"* ]]
	fi
	if cxbus pub --help | grep -q -e '--wait-subscribers'; then
		run -5 --separate-stderr cx --url "$url" pub -w 1 --timeout 1 t x
		[[ "$stderr" == *"not supported by this server"* ]]
	fi
	# The same commands work on cxbusd.
	run -0 cx --url "unix://$SOCK" status
	[[ "$output" == *"pid: "* ]]
}

@test "bad URLs are refused with the reason, never echoing a password" {
	run -1 --separate-stderr cx --url 'rediss://:topsecret@127.0.0.1' ping
	same "$stderr" 'cxbus: ping: rediss://***@127.0.0.1: TLS (rediss://) is not supported'
	run -1 --separate-stderr cx --url 'http://127.0.0.1' ping
	same "$stderr" 'cxbus: ping: http://127.0.0.1: not a redis:// or unix:// URL'
	run -1 --separate-stderr cx --url 'redis://:topsecret@127.0.0.1:70000' ping
	same "$stderr" 'cxbus: ping: redis://***@127.0.0.1:70000: bad port'
	run -1 --separate-stderr cx --url 'redis://127.0.0.1/x' ping
	same "$stderr" 'cxbus: ping: redis://127.0.0.1/x: bad database number'
	run -1 --separate-stderr cx --url 'redis://127.0.0.1?bogus=1' ping
	same "$stderr" "cxbus: ping: redis://127.0.0.1?bogus=1: bad URL option 'bogus'"
	run -1 --separate-stderr cx --url 'unix://' ping
	same "$stderr" 'cxbus: ping: unix://: no socket path (use unix:///path/to/socket)'
	run -1 --separate-stderr cx --url 'unix://:top%zzsecret@/x' ping
	same "$stderr" 'cxbus: ping: unix://***@/x: bad user or password (a % must start a %XX escape)'
	run -1 --separate-stderr cx --url "unix://$T/nothing.sock" ping
	same "$stderr" "cxbus: ping: no bus at unix://$T/nothing.sock: No such file or directory"
	# A URL never starts a daemon.
	[ ! -e "$T/nothing.sock" ]
}

#!/usr/bin/env bats
# The wire protocol, raw: replies must be the bytes redis-server 7.0.15
# sends (CASES.md B05 B07 B17 B23 B28, Appendix B), inline commands,
# PUBSUB, ECHO, CLIENT, HELLO, COMMAND.  CXBUS_TEST_TARGET=redis runs this
# file against redis-server to check the expected bytes themselves.

load helpers

setup() {
	common_setup
	start_target
}

teardown() {
	common_teardown
}

@test "PING before subscribing: inline and multibulk give +PONG (B05)" {
	expect_reply 'PING\r\n' '+PONG\r\n'
	expect_reply '*1\r\n$4\r\nPING\r\n' '+PONG\r\n'
	expect_reply '*2\r\n$4\r\nPING\r\n$2\r\nhi\r\n' '$2\r\nhi\r\n'
}

@test "PING while subscribed (RESP2) answers a pong array (B05)" {
	expect_reply '*2\r\n$9\r\nSUBSCRIBE\r\n$3\r\nfoo\r\n*1\r\n$4\r\nPING\r\n*2\r\n$4\r\nPING\r\n$2\r\nhi\r\n' \
	    '*3\r\n$9\r\nsubscribe\r\n$3\r\nfoo\r\n:1\r\n*2\r\n$4\r\npong\r\n$0\r\n\r\n*2\r\n$4\r\npong\r\n$2\r\nhi\r\n'
}

@test "bare UNSUBSCRIBE with nothing subscribed answers a null channel (B07)" {
	expect_reply '*1\r\n$11\r\nUNSUBSCRIBE\r\n' \
	    '*3\r\n$11\r\nunsubscribe\r\n$-1\r\n:0\r\n'
}

@test "bare PUNSUBSCRIBE with nothing subscribed answers a null pattern (B07)" {
	expect_reply '*1\r\n$12\r\nPUNSUBSCRIBE\r\n' \
	    '*3\r\n$12\r\npunsubscribe\r\n$-1\r\n:0\r\n'
}

@test "bare UNSUBSCRIBE drops every channel, one reply each (B07)" {
	# Redis walks its channel table in hash order, so the two replies may
	# come in either order; the counts fall 1, 0 either way.
	run -0 rsend '*3\r\n$9\r\nSUBSCRIBE\r\n$1\r\na\r\n$1\r\nb\r\n*1\r\n$11\r\nUNSUBSCRIBE\r\n'
	case $output in
	'*3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:1\r\n*3\r\n$9\r\nsubscribe\r\n$1\r\nb\r\n:2\r\n*3\r\n$11\r\nunsubscribe\r\n$1\r\na\r\n:1\r\n*3\r\n$11\r\nunsubscribe\r\n$1\r\nb\r\n:0\r\n') ;;
	'*3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:1\r\n*3\r\n$9\r\nsubscribe\r\n$1\r\nb\r\n:2\r\n*3\r\n$11\r\nunsubscribe\r\n$1\r\nb\r\n:1\r\n*3\r\n$11\r\nunsubscribe\r\n$1\r\na\r\n:0\r\n') ;;
	*) echo "got: $output"; false ;;
	esac
}

@test "SUBSCRIBE without a channel is an arity error (B07)" {
	expect_reply '*1\r\n$9\r\nSUBSCRIBE\r\n*1\r\n$4\r\nPING\r\n' \
	    "-ERR wrong number of arguments for 'subscribe' command\\r\\n+PONG\\r\\n"
	expect_reply '*1\r\n$10\r\nPSUBSCRIBE\r\n' \
	    "-ERR wrong number of arguments for 'psubscribe' command\\r\\n"
}

@test "UNSUBSCRIBE of channels never subscribed answers each with 0" {
	expect_reply '*3\r\n$11\r\nUNSUBSCRIBE\r\n$1\r\nq\r\n$1\r\nr\r\n' \
	    '*3\r\n$11\r\nunsubscribe\r\n$1\r\nq\r\n:0\r\n*3\r\n$11\r\nunsubscribe\r\n$1\r\nr\r\n:0\r\n'
}

@test "pattern and channel counts share one total; PUNSUBSCRIBE, UNSUBSCRIBE" {
	expect_reply '*2\r\n$10\r\nPSUBSCRIBE\r\n$2\r\nn*\r\n*2\r\n$9\r\nSUBSCRIBE\r\n$2\r\nn1\r\n*1\r\n$12\r\nPUNSUBSCRIBE\r\n*1\r\n$11\r\nUNSUBSCRIBE\r\n*1\r\n$4\r\nPING\r\n' \
	    '*3\r\n$10\r\npsubscribe\r\n$2\r\nn*\r\n:1\r\n*3\r\n$9\r\nsubscribe\r\n$2\r\nn1\r\n:2\r\n*3\r\n$12\r\npunsubscribe\r\n$2\r\nn*\r\n:1\r\n*3\r\n$11\r\nunsubscribe\r\n$2\r\nn1\r\n:0\r\n+PONG\r\n'
}

@test "RESP3 UNSUBSCRIBE/PUNSUBSCRIBE with nothing subscribed: push frames only (B17)" {
	run -0 rsend '*2\r\n$5\r\nHELLO\r\n$1\r\n3\r\n*1\r\n$11\r\nUNSUBSCRIBE\r\n*1\r\n$12\r\nPUNSUBSCRIBE\r\n*1\r\n$4\r\nPING\r\n'
	# Whatever the HELLO map holds, what follows it is fixed.
	[[ "$output" == %* ]] || { echo "HELLO 3 reply is not a map: $output"; false; }
	same "${output#*\\r\\n\$7\\r\\nmodules\\r\\n\*0\\r\\n}" \
	    '>3\r\n$11\r\nunsubscribe\r\n_\r\n:0\r\n>3\r\n$12\r\npunsubscribe\r\n_\r\n:0\r\n+PONG\r\n'
}

@test "after the last UNSUBSCRIBE the connection leaves subscribed mode (B23)" {
	expect_reply '*2\r\n$9\r\nSUBSCRIBE\r\n$1\r\na\r\n*2\r\n$11\r\nUNSUBSCRIBE\r\n$1\r\na\r\n*3\r\n$7\r\nPUBLISH\r\n$1\r\na\r\n$1\r\nx\r\n*1\r\n$4\r\nPING\r\n*2\r\n$9\r\nSUBSCRIBE\r\n$1\r\na\r\n' \
	    '*3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:1\r\n*3\r\n$11\r\nunsubscribe\r\n$1\r\na\r\n:0\r\n:0\r\n+PONG\r\n*3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:1\r\n'
}

@test "after the B23 sequence a new cxbus sub still gets messages (B23)" {
	cxbus_only
	expect_reply '*2\r\n$9\r\nSUBSCRIBE\r\n$1\r\na\r\n*2\r\n$11\r\nUNSUBSCRIBE\r\n$1\r\na\r\n*3\r\n$7\r\nPUBLISH\r\n$1\r\na\r\n$1\r\nx\r\n*1\r\n$4\r\nPING\r\n' \
	    '*3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:1\r\n*3\r\n$11\r\nunsubscribe\r\n$1\r\na\r\n:0\r\n:0\r\n+PONG\r\n'
	bg_sub out -n 1 a
	run -0 cx pub a y
	reap "$SUB_PID"
	[ "$RC" = 0 ]
	file_is out 'y\n'
}

@test "commands other than (un)subscribe, PING, QUIT, RESET are refused while subscribed (RESP2)" {
	expect_reply '*2\r\n$9\r\nSUBSCRIBE\r\n$1\r\na\r\n*3\r\n$7\r\nPUBLISH\r\n$1\r\na\r\n$1\r\nx\r\n*2\r\n$4\r\nECHO\r\n$1\r\nx\r\n*1\r\n$4\r\nPING\r\n' \
	    "*3\\r\\n\$9\\r\\nsubscribe\\r\\n\$1\\r\\na\\r\\n:1\\r\\n-ERR Can't execute 'publish': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context\\r\\n-ERR Can't execute 'echo': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context\\r\\n*2\\r\\n\$4\\r\\npong\\r\\n\$0\\r\\n\\r\\n"
}

@test "RESP3: a subscribed connection may still run commands; messages are pushes" {
	run -0 rsend '*2\r\n$5\r\nHELLO\r\n$1\r\n3\r\n*2\r\n$9\r\nSUBSCRIBE\r\n$1\r\na\r\n*1\r\n$4\r\nPING\r\n*3\r\n$7\r\nPUBLISH\r\n$1\r\na\r\n$1\r\nx\r\n*2\r\n$4\r\nECHO\r\n$1\r\ny\r\n'
	same "${output#*\\r\\n\$7\\r\\nmodules\\r\\n\*0\\r\\n}" \
	    '>3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:1\r\n+PONG\r\n>3\r\n$7\r\nmessage\r\n$1\r\na\r\n$1\r\nx\r\n:1\r\n$1\r\ny\r\n'
}

@test "overlapping SUBSCRIBE and PSUBSCRIBE: counts and double delivery (B28)" {
	pyrun <<'EOF'
from probe import *
SOCK = sys.argv[1]
a, b, c = conn(SOCK), conn(SOCK), conn(SOCK)
a.sendall(enc('PSUBSCRIBE', 'n*'))
expect(a, r'*3\r\n$10\r\npsubscribe\r\n$2\r\nn*\r\n:1\r\n', 'A psubscribe')
b.sendall(enc('PSUBSCRIBE', 'n*') + enc('SUBSCRIBE', 'n1'))
expect(b, r'*3\r\n$10\r\npsubscribe\r\n$2\r\nn*\r\n:1\r\n*3\r\n$9\r\nsubscribe\r\n$2\r\nn1\r\n:2\r\n', 'B subscribes')
c.sendall(enc('PUBSUB', 'NUMPAT') + enc('PUBSUB', 'NUMSUB', 'n1') +
          enc('PUBSUB', 'CHANNELS', 'n*') + enc('PUBLISH', 'n1', 'z'))
expect(c, r':1\r\n*2\r\n$2\r\nn1\r\n:1\r\n*1\r\n$2\r\nn1\r\n:3\r\n', 'C queries and PUBLISH count')
expect(b, r'*3\r\n$7\r\nmessage\r\n$2\r\nn1\r\n$1\r\nz\r\n*4\r\n$8\r\npmessage\r\n$2\r\nn*\r\n$2\r\nn1\r\n$1\r\nz\r\n', 'B gets message then pmessage')
expect(a, r'*4\r\n$8\r\npmessage\r\n$2\r\nn*\r\n$2\r\nn1\r\n$1\r\nz\r\n', 'A gets pmessage')
done()
EOF
}

@test "subscribing the same channel twice on one connection counts once (B28)" {
	expect_reply '*3\r\n$9\r\nSUBSCRIBE\r\n$1\r\na\r\n$1\r\na\r\n' \
	    '*3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:1\r\n*3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:1\r\n'
}

@test "PUBSUB NUMSUB, CHANNELS, NUMPAT on an idle bus; unknown subcommand (B28)" {
	expect_reply '*2\r\n$6\r\nPUBSUB\r\n$6\r\nNUMSUB\r\n' '*0\r\n'
	expect_reply '*3\r\n$6\r\nPUBSUB\r\n$6\r\nNUMSUB\r\n$1\r\nq\r\n' '*2\r\n$1\r\nq\r\n:0\r\n'
	expect_reply '*4\r\n$6\r\nPUBSUB\r\n$6\r\nNUMSUB\r\n$1\r\na\r\n$1\r\nb\r\n' '*4\r\n$1\r\na\r\n:0\r\n$1\r\nb\r\n:0\r\n'
	expect_reply '*2\r\n$6\r\nPUBSUB\r\n$8\r\nCHANNELS\r\n' '*0\r\n'
	expect_reply '*2\r\n$6\r\nPUBSUB\r\n$6\r\nNUMPAT\r\n' ':0\r\n'
	expect_reply '*2\r\n$6\r\nPUBSUB\r\n$5\r\nBOGUS\r\n*1\r\n$4\r\nPING\r\n' \
	    "-ERR unknown subcommand 'BOGUS'. Try PUBSUB HELP.\\r\\n+PONG\\r\\n"
}

@test "PUBSUB CHANNELS lists subscribed channels, filtered by a pattern" {
	pyrun <<'EOF'
from probe import *
SOCK = sys.argv[1]
a = conn(SOCK)
a.sendall(enc('SUBSCRIBE', 'news.a', 'news.b', 'other'))
drain(a, want=3 * 30)
c = conn(SOCK)
c.sendall(enc('PUBSUB', 'CHANNELS', 'news.*'))
v, _ = parse(drain(c, idle=0.3))
check(sorted(v) == [b'news.a', b'news.b'], 'CHANNELS news.* = %r' % (v,))
c.sendall(enc('PUBSUB', 'CHANNELS'))
v, _ = parse(drain(c, idle=0.3))
check(sorted(v) == [b'news.a', b'news.b', b'other'], 'CHANNELS = %r' % (v,))
c.sendall(enc('PUBSUB', 'NUMSUB', 'news.a', 'nope'))
expect(c, r'*4\r\n$6\r\nnews.a\r\n:1\r\n$4\r\nnope\r\n:0\r\n', 'NUMSUB')
a.close()
# The count falls when the subscriber goes away.
check(wait_until(lambda: pubsub_int(SOCK, 'NUMSUB', 'news.a') == 0, 5),
      'NUMSUB back to 0 after the subscriber closed')
done()
EOF
}

@test "glob patterns match like Redis, malformed ones included (B04)" {
	pyrun <<'EOF'
from probe import *
SOCK = sys.argv[1]
rows = [
    (b'a[b-', b'ab', 1), (b'a[b-', b'a-', 1), (b'a[b-', b'ac', 0),
    (b'a[b-', b'a[b-', 0), (b'foo\\', b'foo\\', 1), (b'foo\\', b'foo', 0),
    (b'a\\*b', b'a*b', 1), (b'a\\*b', b'axb', 0), (b'x[c-a]', b'xb', 1),
    (b'x[c-a]', b'xd', 0), (b'h?llo', b'hllo', 0), (b'h?llo', b'hello', 1),
    (b'h[^e]llo', b'hallo', 1), (b'h[^e]llo', b'hello', 0),
    (b'news.*', b'news.', 1), (b'news.*', b'news.a/b.c', 1),
    (b'news.*', b'news', 0), (b'', b'', 1), (b'a**', b'a', 1),
    (b'a**', b'abc', 1), (b'*', b'x/y', 1), (b'[a-c]', b'B', 0),
]
pub = conn(SOCK)
for pat, topic, hit in rows:
    what = 'pattern %s topic %s' % (show(pat), show(topic))
    sub = conn(SOCK)
    sub.sendall(enc('PSUBSCRIBE', pat))
    expect(sub, b'*3\r\n$10\r\npsubscribe\r\n$%d\r\n%s\r\n:1\r\n'
           % (len(pat), pat), what + ': psubscribe')
    pub.sendall(enc('PUBLISH', topic, '1'))
    expect(pub, b':%d\r\n' % hit, what + ': PUBLISH reply')
    if hit:
        expect(sub, b'*4\r\n$8\r\npmessage\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n'
               b'$1\r\n1\r\n' % (len(pat), pat, len(topic), topic),
               what + ': pmessage')
    else:
        nothing(sub, what + ': delivered though it should not be', 0.05)
    sub.close()
    wait_until(lambda: pubsub_int(SOCK, 'NUMPAT') == 0, 5)
done()
EOF
}

@test "exact pmessage bytes and a PSUBSCRIBE of a pattern ending in a backslash (B04)" {
	pyrun <<'EOF'
from probe import *
SOCK = sys.argv[1]
sub, pub = conn(SOCK), conn(SOCK)
sub.sendall(enc('PSUBSCRIBE', 'a[b-'))
drain(sub, want=len(b'*3\r\n$10\r\npsubscribe\r\n$4\r\na[b-\r\n:1\r\n'))
pub.sendall(enc('PUBLISH', 'ab', '1'))
expect(pub, r':1\r\n', 'PUBLISH ab')
expect(sub, r'*4\r\n$8\r\npmessage\r\n$4\r\na[b-\r\n$2\r\nab\r\n$1\r\n1\r\n', 'pmessage')
s2 = conn(SOCK)
s2.sendall(enc('PSUBSCRIBE', 'foo\\'))
expect(s2, r'*3\r\n$10\r\npsubscribe\r\n$4\r\nfoo\\\r\n:1\r\n', 'psubscribe foo\\')
done()
EOF
}

@test "CR, NUL and 0xff in payloads and channel names are delivered byte-exact (B16 B19)" {
	pyrun <<'EOF'
from probe import *
SOCK = sys.argv[1]
sub, pub = conn(SOCK), conn(SOCK)
sub.sendall(enc('SUBSCRIBE', 'bin', b'c\x00d'))
expect(sub, r'*3\r\n$9\r\nsubscribe\r\n$3\r\nbin\r\n:1\r\n*3\r\n$9\r\nsubscribe\r\n$3\r\nc\x00d\r\n:2\r\n', 'subscribe')
pub.sendall(enc('PUBLISH', 'bin', b'a\x00b\r\nc\xff') + enc('PUBLISH', b'c\x00d', b'a\r'))
expect(pub, r':1\r\n:1\r\n', 'PUBLISH replies')
expect(sub, r'*3\r\n$7\r\nmessage\r\n$3\r\nbin\r\n$7\r\na\x00b\r\nc\xff\r\n*3\r\n$7\r\nmessage\r\n$3\r\nc\x00d\r\n$2\r\na\r\r\n', 'messages')
done()
EOF
}

@test "a line published by cxbus pub reaches a RESP subscriber with its CR (B16)" {
	cxbus_only
	pyrun 3>&- <<'EOF' &
from probe import *
SOCK = sys.argv[1]
sub = conn(SOCK)
sub.sendall(enc('SUBSCRIBE', 't'))
# The message may already follow: cxbus pub runs as soon as the bus
# counts this subscriber.
expect(sub, r'*3\r\n$9\r\nsubscribe\r\n$1\r\nt\r\n:1\r\n', 'subscribe', more=True)
expect(sub, r'*3\r\n$7\r\nmessage\r\n$1\r\nt\r\n$2\r\na\r\r\n', 'message from cxbus pub')
done()
EOF
	local py=$!
	BG_PIDS+=("$py")
	"$PY" "$PROBE" numsub "$SOCK" t 1 "$DEADLINE"
	printf 'a\r\n' | cx pub t
	reap "$py"
	[ "$RC" = 0 ]
}

@test "empty channel name and empty payload are legal (Appendix B)" {
	pyrun <<'EOF'
from probe import *
SOCK = sys.argv[1]
sub, pub = conn(SOCK), conn(SOCK)
sub.sendall(enc('SUBSCRIBE', '', 'e'))
expect(sub, r'*3\r\n$9\r\nsubscribe\r\n$0\r\n\r\n:1\r\n*3\r\n$9\r\nsubscribe\r\n$1\r\ne\r\n:2\r\n', 'subscribe')
pub.sendall(enc('PUBLISH', '', 'e') + enc('PUBLISH', 'e', ''))
expect(pub, r':1\r\n:1\r\n', 'PUBLISH replies')
expect(sub, r'*3\r\n$7\r\nmessage\r\n$0\r\n\r\n$1\r\ne\r\n*3\r\n$7\r\nmessage\r\n$1\r\ne\r\n$0\r\n\r\n', 'messages')
done()
EOF
}

@test "empty and null multibulks are skipped; command names are case-insensitive (Appendix B)" {
	expect_reply '*0\r\nPING\r\n' '+PONG\r\n'
	expect_reply '*-1\r\nPING\r\n' '+PONG\r\n'
	expect_reply '*1\r\n$4\r\nping\r\n' '+PONG\r\n'
	expect_reply '*2\r\n$4\r\nEcHo\r\n$0\r\n\r\n' '$0\r\n\r\n'
}

@test "inline commands: plain, quoted, several args, bare LF" {
	expect_reply 'PING\r\n' '+PONG\r\n'
	expect_reply 'PING\n' '+PONG\r\n'
	expect_reply '\r\n\r\nPING\r\n' '+PONG\r\n'
	expect_reply 'ECHO hello\r\n' '$5\r\nhello\r\n'
	expect_reply 'ECHO "a b"\r\n' '$3\r\na b\r\n'
	expect_reply 'ECHO "\\x41\\n"\r\n' '$2\r\nA\n\r\n'
	expect_reply 'SUBSCRIBE a b\r\nPING\r\n' \
	    '*3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:1\r\n*3\r\n$9\r\nsubscribe\r\n$1\r\nb\r\n:2\r\n*2\r\n$4\r\npong\r\n$0\r\n\r\n'
}

@test "inline PUBLISH reaches a subscriber" {
	pyrun <<'EOF'
from probe import *
SOCK = sys.argv[1]
sub, pub = conn(SOCK), conn(SOCK)
sub.sendall(b'SUBSCRIBE chat\r\n')
expect(sub, r'*3\r\n$9\r\nsubscribe\r\n$4\r\nchat\r\n:1\r\n', 'subscribe')
pub.sendall(b'PUBLISH chat "hello there"\r\n')
expect(pub, r':1\r\n', 'PUBLISH')
expect(sub, r'*3\r\n$7\r\nmessage\r\n$4\r\nchat\r\n$11\r\nhello there\r\n', 'message')
done()
EOF
}

@test "ECHO returns its argument, binary-safe; arity checked" {
	expect_reply '*2\r\n$4\r\nECHO\r\n$5\r\nhello\r\n' '$5\r\nhello\r\n'
	expect_reply '*2\r\n$4\r\nECHO\r\n$3\r\n\x00\xff\r\r\n' '$3\r\n\x00\xff\r\r\n'
	expect_reply '*1\r\n$4\r\nECHO\r\n' \
	    "-ERR wrong number of arguments for 'echo' command\\r\\n"
	expect_reply '*3\r\n$4\r\nPING\r\n$1\r\na\r\n$1\r\nb\r\n' \
	    "-ERR wrong number of arguments for 'ping' command\\r\\n"
}

@test "CLIENT GETNAME, SETNAME, ID" {
	run -0 rsend '*2\r\n$6\r\nCLIENT\r\n$7\r\nGETNAME\r\n*3\r\n$6\r\nCLIENT\r\n$7\r\nSETNAME\r\n$3\r\nfoo\r\n*2\r\n$6\r\nCLIENT\r\n$7\r\nGETNAME\r\n*2\r\n$6\r\nCLIENT\r\n$2\r\nID\r\n'
	[[ "$output" =~ ^'$-1\r\n+OK\r\n$3\r\nfoo\r\n:'[1-9][0-9]*'\r\n'$ ]] ||
	    { echo "got: $output"; false; }
	expect_reply '*3\r\n$6\r\nCLIENT\r\n$7\r\nSETNAME\r\n$0\r\n\r\n*2\r\n$6\r\nCLIENT\r\n$7\r\nGETNAME\r\n' \
	    '+OK\r\n$-1\r\n'
	expect_reply '*3\r\n$6\r\nCLIENT\r\n$7\r\nSETNAME\r\n$3\r\na b\r\n' \
	    '-ERR Client names cannot contain spaces, newlines or special characters.\r\n'
	expect_reply '*2\r\n$6\r\nCLIENT\r\n$5\r\nBOGUS\r\n' \
	    "-ERR unknown subcommand 'BOGUS'. Try CLIENT HELP.\\r\\n"
}

@test "CLIENT ID differs between connections" {
	pyrun <<'EOF'
from probe import *
SOCK = sys.argv[1]
ids = []
for i in range(3):
    s = conn(SOCK)
    s.sendall(enc('CLIENT', 'ID'))
    v, _ = parse(drain(s, idle=0.3))
    check(isinstance(v, int) and v > 0, 'CLIENT ID is a positive integer: %r' % (v,))
    ids.append(v)
check(len(set(ids)) == 3, 'three different ids: %r' % (ids,))
done()
EOF
}

@test "HELLO 2 and HELLO 3 answer the server map; HELLO 4 is NOPROTO" {
	pyrun <<'EOF'
from probe import *
SOCK = sys.argv[1]
for proto, kind in ((2, list), (3, tuple)):
    s = conn(SOCK)
    s.sendall(enc('HELLO', str(proto)))
    data = drain(s, idle=0.3)
    v, rest = parse(data)
    check(rest == len(data), 'HELLO %d: one reply, got %s' % (proto, show(data)))
    if proto == 3:
        check(data.startswith(b'%'), 'HELLO 3 answers a RESP3 map')
        check(isinstance(v, tuple) and v[0] == 'map', 'HELLO 3 map')
        items = v[1] if isinstance(v, tuple) else []
    else:
        check(data.startswith(b'*'), 'HELLO 2 answers a flat array')
        items = v if isinstance(v, list) else []
    m = dict(zip(items[0::2], items[1::2]))
    check(m.get(b'proto') == proto, 'HELLO %d: proto %r' % (proto, m.get(b'proto')))
    for k in (b'server', b'version', b'id', b'mode', b'role', b'modules'):
        check(k in m, 'HELLO %d has %s' % (proto, k.decode()))
s = conn(SOCK)
s.sendall(enc('HELLO', '4') + enc('PING'))
expect(s, r'-NOPROTO unsupported protocol version\r\n+PONG\r\n', 'HELLO 4')
s = conn(SOCK)
s.sendall(enc('HELLO', '3') + enc('CLIENT', 'GETNAME') + enc('HELLO', '2') + enc('CLIENT', 'GETNAME'))
data = drain(s, idle=0.3)
v, n = parse(data)
check(data[n:n + 3] == b'_\r\n', 'RESP3 null for GETNAME: %s' % show(data[n:]))
v, n = parse(data, n + 3)
check(data[n:] == b'$-1\r\n', 'back to RESP2 null: %s' % show(data[n:]))
done()
EOF
}

@test "COMMAND and COMMAND DOCS answer with an array and the connection goes on" {
	pyrun <<'EOF'
from probe import *
SOCK = sys.argv[1]
for args in (('COMMAND',), ('COMMAND', 'DOCS')):
    s = conn(SOCK)
    s.sendall(enc(*args) + enc('PING'))
    data = drain(s, idle=0.5, total=5)
    try:
        v, n = parse(data)
    except Exception as e:
        check(False, '%s: unparsable reply %s' % (' '.join(args), show(data[:200])))
        continue
    check(isinstance(v, list) or (isinstance(v, tuple) and v[0] == 'map'),
          '%s answers an array: %s' % (' '.join(args), show(data[:100])))
    check(data[n:] == b'+PONG\r\n', '%s then PING: %s' % (' '.join(args), show(data[n:n + 100])))
done()
EOF
}

@test "QUIT answers +OK and closes, subscribed or not" {
	expect_reply '*1\r\n$4\r\nQUIT\r\n' '+OK\r\n<EOF>'
	expect_reply '*2\r\n$9\r\nSUBSCRIBE\r\n$1\r\na\r\n*1\r\n$4\r\nQUIT\r\n' \
	    '*3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:1\r\n+OK\r\n<EOF>'
}

@test "RESET answers +RESET and leaves subscribed mode" {
	expect_reply '*2\r\n$9\r\nSUBSCRIBE\r\n$1\r\na\r\n*1\r\n$5\r\nRESET\r\n*1\r\n$4\r\nPING\r\n*2\r\n$6\r\nPUBSUB\r\n$6\r\nNUMSUB\r\n' \
	    '*3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:1\r\n+RESET\r\n+PONG\r\n*0\r\n'
	expect_reply '*1\r\n$5\r\nRESET\r\n' '+RESET\r\n'
}

@test "CONFIG GET proto-max-bulk-len gives the message limit, 1 MiB by default" {
	cxbus_only
	expect_reply '*3\r\n$6\r\nCONFIG\r\n$3\r\nGET\r\n$18\r\nproto-max-bulk-len\r\n' \
	    '*2\r\n$18\r\nproto-max-bulk-len\r\n$7\r\n1048576\r\n'
}

@test "a 1 MiB message reaches a subscriber that reads one byte at a time (B20)" {
	pyrun <<'EOF'
from probe import *
import hashlib
SOCK = sys.argv[1]
payload = os.urandom(1048576)
sub, pub = conn(SOCK), conn(SOCK)
sub.sendall(enc('SUBSCRIBE', 'big'))
expect(sub, r'*3\r\n$9\r\nsubscribe\r\n$3\r\nbig\r\n:1\r\n', 'subscribe')
pub.sendall(enc('PUBLISH', 'big', payload))
expect(pub, r':1\r\n', 'PUBLISH of 1 MiB')
head = b'*3\r\n$7\r\nmessage\r\n$3\r\nbig\r\n$1048576\r\n'
want = len(head) + 1048576 + 2
check(want == 1048614, 'frame size')
got = bytearray()
sub.settimeout(10)
end = time.monotonic() + 30
while len(got) < want and time.monotonic() < end:
    b = sub.recv(1)
    if not b:
        break
    got += b
check(len(got) == want, 'received %d of %d bytes' % (len(got), want))
check(bytes(got[:len(head)]) == head, 'frame header %s' % show(bytes(got[:len(head)])))
check(hashlib.sha256(got[len(head):len(head) + 1048576]).hexdigest() ==
      hashlib.sha256(payload).hexdigest(), 'payload sha256')
check(bytes(got[-2:]) == b'\r\n', 'frame end')
done()
EOF
}

@test "a bulk over the limit is refused before its body and the connection closed (B20)" {
	expect_reply '*3\r\n$7\r\nPUBLISH\r\n$3\r\nbig\r\n$1048577\r\n' \
	    '-ERR Protocol error: invalid bulk length\r\n<EOF>'
}

@test "a pipelined burst of 1000 PUBLISH gets 1000 replies in order" {
	pyrun <<'EOF'
from probe import *
SOCK = sys.argv[1]
sub, pub = conn(SOCK), conn(SOCK)
sub.sendall(enc('SUBSCRIBE', 'seq'))
expect(sub, r'*3\r\n$9\r\nsubscribe\r\n$3\r\nseq\r\n:1\r\n', 'subscribe')
pub.sendall(b''.join(enc('PUBLISH', 'seq', str(i)) for i in range(1000)))
expect(pub, ':1\\r\\n' * 1000, '1000 replies')
want = b''.join(b'*3\r\n$7\r\nmessage\r\n$3\r\nseq\r\n$%d\r\n%d\r\n'
                % (len(str(i)), i) for i in range(1000))
expect(sub, want, '1000 messages in order')
done()
EOF
}

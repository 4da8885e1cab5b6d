#!/usr/bin/env python3
"""Send the same request sequences to redis-server and to cxbusd and
compare the replies byte for byte.

Usage:
  respdiff.py REF_SOCK TEST_SOCK GROUP...   run the cases of each group
  respdiff.py --list                        print the groups and cases

REF_SOCK is the reference server (redis-server 7.0.15), TEST_SOCK the
server under test.  Each case is a list of steps; a step sends bytes on
one of several named connections.  After each step the reference run
reads every open connection until it has been quiet for a while, and
notes how many whole replies (and whether a close) each one got; the
run under test then reads exactly that many replies per connection, so
that timing cannot change which step a reply is counted in.  Replies
are compared after NORMS: the few values that differ by design (the
HELLO map's server name, version and connection id, CLIENT ID).

Exit status 0 when every case matched, 1 otherwise; each mismatch is
printed with both servers' bytes, escaped as probe.py does.
"""

import os
import re
import selectors
import socket
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                '..', 'cli'))
from probe import enc, parse, show, Incomplete  # noqa: E402

QUIET = float(os.environ.get('RESPDIFF_QUIET', '0.1'))
DEADLINE = float(os.environ.get('RESPDIFF_DEADLINE', '5'))

# Values that differ between the servers by design.
NORMS = [
    (re.compile(rb'\$6\r\nserver\r\n\$\d+\r\n[a-z]+\r\n'),
     b'$6\r\nserver\r\n<server>\r\n'),
    (re.compile(rb'\$7\r\nversion\r\n\$\d+\r\n[0-9.]+\r\n'),
     b'$7\r\nversion\r\n<version>\r\n'),
    (re.compile(rb'\$2\r\nid\r\n:\d+\r\n'), b'$2\r\nid\r\n<id>\r\n'),
]


def E(*args):
    """One command as a RESP multibulk."""
    return enc(*args)


# Each case: (name, steps[, extra norms]); a step is (connection, bytes).
# Connections are opened on first use.
CASES = {
    'subscribe': [
        ('several channels in one SUBSCRIBE, counts and order', [
            ('s', E('SUBSCRIBE', 'a', 'b', 'c')),
            ('p', E('PUBLISH', 'b', 'x') + E('PUBLISH', 'c', 'y') +
             E('PUBLISH', 'a', 'z') + E('PUBLISH', 'd', 'w')),
        ]),
        ('SUBSCRIBE of a channel twice in one command counts once', [
            ('s', E('SUBSCRIBE', 'a', 'a', 'b', 'a')),
            ('p', E('PUBLISH', 'a', '1')),
        ]),
        ('SUBSCRIBE and PSUBSCRIBE share one count', [
            ('s', E('PSUBSCRIBE', 'n*', 'm?') + E('SUBSCRIBE', 'n1') +
             E('PSUBSCRIBE', 'n*')),
            ('p', E('PUBLISH', 'n1', 'z') + E('PUBLISH', 'mx', 'y')),
        ]),
        ('UNSUBSCRIBE with no argument drops the one channel, not patterns',
         [
             ('s', E('SUBSCRIBE', 'a') + E('PSUBSCRIBE', 'p*') +
              E('UNSUBSCRIBE') + E('PING') + E('PUNSUBSCRIBE') + E('PING')),
         ]),
        ('UNSUBSCRIBE and PUNSUBSCRIBE with no argument and nothing held', [
            ('s', E('UNSUBSCRIBE') + E('PUNSUBSCRIBE') + E('PING')),
        ]),
        ('UNSUBSCRIBE of channels never subscribed, then of a held one', [
            ('s', E('SUBSCRIBE', 'a') + E('UNSUBSCRIBE', 'q', 'a', 'r') +
             E('PING')),
        ]),
        ('PUNSUBSCRIBE of one pattern among several', [
            ('s', E('PSUBSCRIBE', 'a*', 'b*') + E('PUNSUBSCRIBE', 'a*') +
             E('PUNSUBSCRIBE', 'zz') + E('PING', 'still')),
            ('p', E('PUBLISH', 'ax', '1') + E('PUBLISH', 'bx', '2')),
        ]),
        ('subscribe, unsubscribe all, subscribe again (B23)', [
            ('s', E('SUBSCRIBE', 'a') + E('UNSUBSCRIBE', 'a') +
             E('PUBLISH', 'a', 'x') + E('PING') + E('SUBSCRIBE', 'a')),
            ('p', E('PUBLISH', 'a', 'back')),
        ]),
        ('arity errors for the subscribe commands', [
            ('s', E('SUBSCRIBE') + E('PSUBSCRIBE') + E('PING')),
        ]),
    ],
    'context': [
        ('PING while subscribed answers the pong array (RESP2)', [
            ('s', E('SUBSCRIBE', 'a') + E('PING') + E('PING', 'hi') +
             E('PING', '') + E('PING', 'a', 'b')),
        ]),
        ('commands a subscribed RESP2 connection may not send', [
            ('s', E('SUBSCRIBE', 'a') + E('PUBLISH', 'a', 'x') +
             E('ECHO', 'x') + E('CLIENT', 'ID') + E('CLIENT', 'SETNAME', 'n')
             + E('PUBSUB', 'NUMPAT') + E('PUBSUB', 'CHANNELS') +
             E('HELLO', '3') + E('INFO') + E('COMMAND', 'COUNT') +
             E('SELECT', '0') + E('AUTH', 'x') + E('CONFIG', 'GET', 'x') +
             E('PING')),
        ]),
        ('unknown commands, bad subcommands and arity come before context',
         [
             ('s', E('PSUBSCRIBE', 'a*') + E('FROBZ', 'x') +
              E('CLIENT', 'BOGUS') + E('CLIENT', 'ID', 'x') +
              E('PUBLISH', 'a') + E('ECHO') + E('PING')),
         ]),
        ('QUIT is allowed while subscribed and closes', [
            ('s', E('SUBSCRIBE', 'a') + E('QUIT')),
        ]),
        ('RESET is allowed while subscribed and leaves the mode', [
            ('s', E('SUBSCRIBE', 'a') + E('PSUBSCRIBE', 'b*') + E('RESET') +
             E('PING') + E('ECHO', 'free') + E('PUBSUB', 'NUMSUB', 'a') +
             E('PUBSUB', 'NUMPAT')),
        ]),
        ('RESP3: a subscribed connection may run any command', [
            ('s', E('HELLO', '3') + E('SUBSCRIBE', 'a') + E('PING') +
             E('PING', 'x') + E('ECHO', 'y') + E('PUBLISH', 'a', 'self') +
             E('CLIENT', 'GETNAME') + E('PUBSUB', 'NUMSUB', 'a')),
        ]),
    ],
    'binary': [
        ('empty channel name and empty payload', [
            ('s', E('SUBSCRIBE', '', 'e')),
            ('p', E('PUBLISH', '', 'to-empty') + E('PUBLISH', 'e', '') +
             E('PUBLISH', '', '')),
        ]),
        ('CR, LF, NUL and 0xff in channel names and payloads', [
            ('s', E('SUBSCRIBE', b'c\r\nd', b'n\x00l', b'\xff')),
            ('p', E('PUBLISH', b'c\r\nd', b'a\r\nb') +
             E('PUBLISH', b'n\x00l', b'\x00\x00') +
             E('PUBLISH', b'\xff', b'\r') + E('PUBLISH', b'\xff', b'\n')),
        ]),
        ('binary pattern and pmessage', [
            ('s', E('PSUBSCRIBE', b'b\x00*', b'\r*')),
            ('p', E('PUBLISH', b'b\x00x', b'1\r\n2') +
             E('PUBLISH', b'\r\n', b'') + E('PUBLISH', b'b', b'no')),
        ]),
        ('a 200 kB payload', [
            ('s', E('SUBSCRIBE', 'big')),
            ('p', E('PUBLISH', 'big', bytes(range(256)) * 800)),
        ]),
        ('ECHO and PING of binary strings', [
            ('p', E('ECHO', b'\x00\r\n\xff') + E('PING', b'\r\n') +
             E('ECHO', '')),
        ]),
        ('inline commands: quotes, escapes, empty lines', [
            ('p', b'ECHO "a b"\r\nECHO \'c d\'\r\nECHO "\\x41\\r\\n"\r\n'
             b'\r\n  \r\nPING\nPUBLISH "" x\r\n'),
        ]),
    ],
    'counts': [
        ('PUBLISH counts every delivery: direct, pattern, both', [
            ('a', E('SUBSCRIBE', 't')),
            ('b', E('SUBSCRIBE', 't')),
            ('c', E('PSUBSCRIBE', 't*')),
            ('d', E('SUBSCRIBE', 't') + E('PSUBSCRIBE', 't*')),
            ('e', E('PSUBSCRIBE', '*')),
            ('f', E('PSUBSCRIBE', 't?')),
            ('p', E('PUBLISH', 't', 'x') + E('PUBLISH', 'tt', 'y') +
             E('PUBLISH', 'u', 'z')),
        ]),
        ('PUBSUB NUMSUB, NUMPAT and CHANNELS with one channel', [
            ('a', E('SUBSCRIBE', 'only') + E('PSUBSCRIBE', 'x*', 'y*')),
            ('b', E('PSUBSCRIBE', 'x*')),
            ('p', E('PUBSUB', 'NUMSUB', 'only', 'none', 'only') +
             E('PUBSUB', 'NUMSUB') + E('PUBSUB', 'NUMPAT') +
             E('PUBSUB', 'CHANNELS') + E('PUBSUB', 'CHANNELS', 'o*') +
             E('PUBSUB', 'CHANNELS', 'x*')),
        ]),
        ('counts fall when a subscriber closes', [
            ('a', E('SUBSCRIBE', 'gone')),
            ('a', E('QUIT')),
            ('p', E('PUBLISH', 'gone', 'x') +
             E('PUBSUB', 'NUMSUB', 'gone')),
        ]),
    ],
    'resp3': [
        ('HELLO 3: messages, pmessages and confirmations are pushes', [
            ('s', E('HELLO', '3') + E('SUBSCRIBE', 'a') +
             E('PSUBSCRIBE', 'a*')),
            ('p', E('PUBLISH', 'a', 'x')),
            ('s', E('UNSUBSCRIBE') + E('PUNSUBSCRIBE') + E('UNSUBSCRIBE') +
             E('PUNSUBSCRIBE', 'q') + E('PING')),
        ]),
        ('RESP3 nulls, maps and sets', [
            ('s', E('HELLO', '3') + E('CLIENT', 'GETNAME') +
             E('CONFIG', 'GET', 'nope') + E('COMMAND', 'DOCS', 'nope') +
             E('COMMAND', 'INFO', 'nope') + E('PUBSUB', 'CHANNELS') +
             E('PUBSUB', 'NUMSUB', 'a')),
        ]),
        ('HELLO with no protocol reports the current one', [
            ('s', E('HELLO') + E('HELLO', '3') + E('HELLO') +
             E('HELLO', '2') + E('HELLO')),
        ]),
        ('RESET returns to RESP2', [
            ('s', E('HELLO', '3') + E('SUBSCRIBE', 'a') + E('RESET') +
             E('CLIENT', 'GETNAME') + E('SUBSCRIBE', 'a') + E('PING')),
        ]),
        ('a RESP3 publisher to a RESP2 subscriber and back', [
            ('s2', E('SUBSCRIBE', 'mix')),
            ('s3', E('HELLO', '3') + E('PSUBSCRIBE', 'mi*')),
            ('p', E('HELLO', '3') + E('PUBLISH', 'mix', 'one')),
        ]),
    ],
    'handshake': [
        ('HELLO with AUTH and SETNAME, as clients send it', [
            ('s', E('HELLO', '3', 'AUTH', 'default', 'anything',
                    'SETNAME', 'lib-conn') + E('CLIENT', 'GETNAME') +
             E('HELLO', '2', 'AUTH', 'default', '') +
             E('CLIENT', 'GETNAME')),
        ]),
        ('HELLO refuses other users and bad options, in order', [
            ('s', E('HELLO', '3', 'AUTH', 'bob', 'pw') +
             E('HELLO', '3', 'SETNAME', 'n1', 'AUTH', 'bob', 'pw') +
             E('CLIENT', 'GETNAME') +
             E('HELLO', '3', 'AUTH', 'Default', 'pw') +
             E('HELLO', '3', 'SETNAME', 'a b') +
             E('HELLO', '3', 'SETNAME', 'n2', 'BOGUS') +
             E('CLIENT', 'GETNAME') + E('HELLO', '3', 'AUTH', 'default') +
             E('HELLO', '2', 'SETNAME') + E('PING')),
        ]),
        ('HELLO protocol versions', [
            ('s', E('HELLO', '1') + E('HELLO', '4') + E('HELLO', '-1') +
             E('HELLO', '0') + E('HELLO', 'x') + E('HELLO', '03') +
             E('HELLO', '+3') + E('HELLO', '99999999999999999999') +
             E('PING')),
        ]),
        ('AUTH as a server without a password answers it', [
            ('s', E('AUTH', 'pw') + E('AUTH', 'default', 'pw') +
             E('AUTH', 'default', '') + E('AUTH', 'DEFAULT', 'pw') +
             E('AUTH', 'bob', 'pw') + E('AUTH', 'a', 'b', 'c') + E('AUTH') +
             E('PING')),
        ]),
        ('CLIENT SETNAME, GETNAME, ID and errors', [
            ('s', E('CLIENT', 'GETNAME') + E('CLIENT', 'SETNAME', 'me') +
             E('CLIENT', 'GETNAME') + E('CLIENT', 'SETNAME', 'a\nb') +
             E('CLIENT', 'SETNAME', '') + E('CLIENT', 'GETNAME') +
             E('CLIENT', 'ID', 'x') + E('CLIENT') + E('CLIENT', 'BOGUS') +
             E('CLIENT', 'SETNAME')),
        ]),
        ('SELECT: every Redis database, channels do not change', [
            ('s', E('SELECT', '0') + E('SELECT', '15') + E('SELECT', '16') +
             E('SELECT', '-1') + E('SELECT', 'x') + E('SELECT', '01') +
             E('SELECT')),
            ('t', E('SELECT', '3') + E('SUBSCRIBE', 'db')),
            ('s', E('PUBLISH', 'db', 'across')),
        ]),
        ('ECHO, PING and unknown commands', [
            ('s', E('ECHO') + E('ECHO', 'a', 'b') + E('PING', 'a', 'b') +
             E('FROBZ') + E('FROBZ', 'a', 'b') + E('frobz', 'x' * 200) +
             E('PING')),
        ]),
        ('container commands: arity and unknown subcommands', [
            ('s', E('PUBSUB') + E('PUBSUB', 'BOGUS') +
             E('PUBSUB', 'CHANNELS', 'a', 'b') + E('PUBSUB', 'NUMPAT', 'x') +
             E('CONFIG') + E('CONFIG', 'GET') + E('CONFIG', 'GET', 'nope') +
             E('CONFIG', 'SET', 'nope', 'v') +
             E('CONFIG', 'SET', 'a', 'b', 'c') + E('CONFIG', 'BOGUS') +
             E('COMMAND', 'COUNT', 'x') + E('COMMAND', 'BOGUS') +
             E('COMMAND', 'INFO', 'nope', 'client|nope') +
             E('COMMAND', 'DOCS', 'nope') + E('COMMAND', 'LIST', 'x') +
             E('COMMAND', 'LIST', 'FILTERBY', 'x', 'y') +
             E('COMMAND', 'LIST', 'FILTERBY', 'MODULE', 'none') +
             E('INFO', 'nosuchsection') + E('PING')),
        ]),
        ('COMMAND INFO of a subcommand', [
            ('s', E('COMMAND', 'INFO', 'client|id', 'client|getname')),
        ]),
    ],
    'protocol': [
        ('protocol errors answer and close', [
            ('a', b'*1\r\n$x\r\nPING\r\n'),
            ('b', b'*x\r\n'),
            ('c', b'*1\r\n$999999999999\r\n'),
            ('d', b'*1\r\n$-1\r\n'),
            ('e', b'ECHO "abc\r\nPING\r\n'),
            ('f', b'ECHO "a"b\r\n'),
        ]),
        ('empty and null multibulks are skipped, case is ignored', [
            ('s', b'*0\r\n*-1\r\n*1\r\n$4\r\nping\r\n*1\r\n$4\r\nPiNg\r\n'
             b'*2\r\n$4\r\necho\r\n$0\r\n\r\n'),
        ]),
        ('a bulk longer than announced is cut at its length', [
            ('s', b'$4\r\nPING\r\n*2\r\n$4\r\nECHO\r\n$3\r\nabc\r\n'),
        ]),
        ('a pipelined burst in order', [
            ('s', E('SUBSCRIBE', 'seq')),
            ('p', b''.join(E('PUBLISH', 'seq', str(i)) for i in range(300))
             + E('PING')),
        ]),
    ],
}


def normalize(data, extra=()):
    """Apply the by-design differences to DATA."""
    for rx, rep in list(NORMS) + list(extra):
        data = rx.sub(rep, data)
    return data


def count_frames(buf):
    """Number of whole replies at the start of BUF, and the bytes they
    take."""
    n, pos = 0, 0
    while pos < len(buf):
        try:
            _, pos2 = parse(buf, pos)
        except Incomplete:
            break
        except (ValueError, IndexError):
            break
        n, pos = n + 1, pos2
    return n, pos


class Conn:
    """One connection with what it has received and not yet taken."""

    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.settimeout(DEADLINE)
        self.s.connect(path)
        self.pending = b''
        self.eof = False

    def send(self, data):
        try:
            self.s.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def read_some(self, timeout):
        """Read once, waiting at most TIMEOUT; False when nothing came."""
        if self.eof:
            return False
        self.s.settimeout(timeout)
        try:
            b = self.s.recv(1 << 20)
        except socket.timeout:
            return False
        except ConnectionResetError:
            b = b''
        if not b:
            self.eof = True
            return True
        self.pending += b
        return True

    def take_whole(self):
        """Take the whole replies received so far, their number, and
        whether the connection was closed."""
        n, used = count_frames(self.pending)
        out, self.pending = self.pending[:used], self.pending[used:]
        return out, n, self.eof

    def take_frames(self, n, eof):
        """Read until N whole replies (and a close, with EOF) came."""
        end = time.monotonic() + DEADLINE
        while True:
            have, used = count_frames(self.pending)
            if have >= n and (not eof or self.eof):
                break
            left = end - time.monotonic()
            if left <= 0 or (self.eof and have < n):
                break
            self.read_some(left)
        have, used = count_frames(self.pending)
        if have > n:
            # Take exactly N; the rest belongs to a later step.
            used, k = 0, 0
            while k < n:
                _, used = parse(self.pending, used)
                k += 1
        out, self.pending = self.pending[:used], self.pending[used:]
        return out, self.eof


def read_until_quiet(conns):
    """Read every connection until none has had anything new for QUIET
    seconds (the reference run's way to know a step is answered)."""
    sel = selectors.DefaultSelector()
    for c in conns:
        if not c.eof:
            sel.register(c.s, selectors.EVENT_READ, c)
    end = time.monotonic() + DEADLINE
    while sel.get_map() and time.monotonic() < end:
        ready = sel.select(QUIET)
        if not ready:
            break
        for key, _ in ready:
            c = key.data
            c.read_some(0)
            if c.eof:
                sel.unregister(c.s)
    sel.close()


def run_case(path, steps, plan=None):
    """Run STEPS against PATH.  Without PLAN (the reference run), return
    the transcript and the plan; with it, follow the plan."""
    conns, order, transcript, newplan = {}, [], [], []
    try:
        for i, (name, data) in enumerate(steps):
            if name not in conns:
                conns[name] = Conn(path)
                order.append(name)
            conns[name].send(data)
            got = {}
            counts = {}
            if plan is None:
                read_until_quiet([conns[c] for c in order])
            for cname in order:
                c = conns[cname]
                if plan is None:
                    out, n, eof = c.take_whole()
                    counts[cname] = (n, eof)
                else:
                    n, eof = plan[i].get(cname, (0, False))
                    out, eof = c.take_frames(n, eof)
                got[cname] = out + (b'<EOF>' if eof else b'')
            transcript.append(got)
            newplan.append(counts)
        # Anything left over, or arriving late, is a difference too; the
        # reference run has just waited for quiet already.
        leftover = {}
        if plan is not None:
            read_until_quiet([conns[c] for c in order])
        for cname in order:
            c = conns[cname]
            if c.pending:
                leftover[cname] = c.pending
        transcript.append(leftover)
    finally:
        for c in conns.values():
            c.s.close()
    return transcript, newplan


def compare(name, ref, test, extra=()):
    """Print the differences between two transcripts; True if none."""
    ok = True
    for i, (r, t) in enumerate(zip(ref, test)):
        for cname in sorted(set(r) | set(t)):
            rb = normalize(r.get(cname, b''), extra)
            tb = normalize(t.get(cname, b''), extra)
            if rb != tb:
                step = 'step %d' % (i + 1) if i < len(ref) - 1 else \
                    'after the last step'
                sys.stderr.write('mismatch in "%s", %s, connection %s:\n'
                                 '  redis: %s\n  cxbus: %s\n' % (
                                     name, step, cname, show(rb), show(tb)))
                ok = False
    return ok


def main(argv):
    """Command-line entry; see the module text."""
    if argv[:1] == ['--list']:
        for group, cases in CASES.items():
            print(group)
            for case in cases:
                print('  ' + case[0])
        return 0
    if len(argv) < 3:
        sys.stderr.write(__doc__)
        return 2
    ref, test, groups = argv[0], argv[1], argv[2:]
    failed = ran = 0
    for group in groups:
        if group not in CASES:
            sys.stderr.write('no such group: %s\n' % group)
            return 2
        for case in CASES[group]:
            name, steps = case[0], case[1]
            extra = case[2] if len(case) > 2 else ()
            want, plan = run_case(ref, steps)
            got, _ = run_case(test, steps, plan)
            ran += 1
            if not compare(name, want, got, extra):
                failed += 1
    print('%d of %d cases match' % (ran - failed, ran))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))

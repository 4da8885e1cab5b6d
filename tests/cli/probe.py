#!/usr/bin/env python3
"""Raw RESP probe for the cxbus command tests.

Usage:
  probe.py SOCK REQUEST [IDLE]       send REQUEST, print the reply
  probe.py -e EXPECT SOCK REQUEST    same, but stop early once EXPECT's
                                     length has arrived (EXPECT ending in
                                     <EOF> waits for the close as well)
  probe.py up SOCK [SECONDS]         wait until SOCK accepts a connection
  probe.py numsub SOCK TOPIC N [SECONDS]
                                     wait until PUBSUB NUMSUB TOPIC >= N
  probe.py numpat SOCK N [SECONDS]   wait until PUBSUB NUMPAT >= N
  probe.py subgoal SOCK SUBARGS...   print what the bus must report once
                                     a new `cxbus sub SUBARGS` is in
  probe.py subwait SOCK GOAL [SECONDS]
                                     wait until the bus reports GOAL

REQUEST and EXPECT use Python string escapes (\\r, \\n, \\x00, \\\\).
Replies are printed the same way: one backslash byte shows as \\\\, a NUL
as \\x00, and a close by the other end as <EOF>.  The wait commands exit
0 when the condition holds and 1 when the deadline passes first.

The tests also import this file for conn(), enc(), drain() and show().
"""

import os
import socket
import sys
import time


def unescape(text):
    """Turn a string with Python escapes into the bytes it stands for."""
    return text.encode('latin1', 'backslashreplace').decode(
        'unicode_escape').encode('latin1')


def show(data):
    """Print form of bytes: Python escapes, never a quote escaped."""
    out = []
    for b in data:
        c = chr(b)
        if c == '\\':
            out.append('\\\\')
        elif c == '\r':
            out.append('\\r')
        elif c == '\n':
            out.append('\\n')
        elif c == '\t':
            out.append('\\t')
        elif 32 <= b < 127:
            out.append(c)
        else:
            out.append('\\x%02x' % b)
    return ''.join(out)


def conn(path, timeout=5.0):
    """Connect to the Unix socket PATH."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.connect(path)
    return s


def enc(*args):
    """Encode one command as a RESP multibulk."""
    out = b'*%d\r\n' % len(args)
    for a in args:
        if isinstance(a, str):
            a = a.encode('latin1')
        out += b'$%d\r\n' % len(a) + a + b'\r\n'
    return out


def drain(s, idle=0.3, want=None, total=5.0, eof=False, more=False):
    """Read what arrives: until IDLE seconds pass with nothing new, or,
    with WANT, until that many bytes came (and then the close, with EOF),
    or TOTAL seconds.  With MORE, later bytes are allowed: read exactly
    WANT bytes and leave the rest unread.  A close shows as b'<EOF>'."""
    out = b''
    end = time.monotonic() + total
    while True:
        now = time.monotonic()
        if now >= end:
            break
        if want is not None and len(out) >= want:
            if more:
                break
            if not eof:
                # A short look for trailing bytes that should not be there.
                s.settimeout(0.02)
                try:
                    b = s.recv(65536)
                    if not b:
                        return out + b'<EOF>'
                    out += b
                    continue
                except (socket.timeout, BlockingIOError):
                    break
            s.settimeout(end - now)
        elif want is not None:
            s.settimeout(end - now)
        else:
            s.settimeout(min(idle, end - now))
        try:
            b = s.recv(want - len(out) if more and want else 65536)
        except socket.timeout:
            break
        except ConnectionResetError:
            return out + b'<EOF>'
        if not b:
            return out + b'<EOF>'
        out += b
    return out


class Incomplete(Exception):
    """More bytes are needed to parse a whole reply."""


def parse(buf, pos=0):
    """Parse one RESP2/RESP3 reply from BUF at POS; return (value, next
    position).  Strings come back as bytes, errors as ('err', bytes),
    nulls as None, maps as ('map', [k, v, ...]), pushes as ('push', [...]),
    integers as int."""
    end = buf.find(b'\r\n', pos)
    if end < 0:
        raise Incomplete()
    kind, line, nxt = buf[pos:pos + 1], buf[pos + 1:end], end + 2
    if kind in (b'+', b'('):
        return line, nxt
    if kind in (b'-', b'!'):
        return ('err', line), nxt
    if kind == b':':
        return int(line), nxt
    if kind == b'_':
        return None, nxt
    if kind == b'#':
        return line == b't', nxt
    if kind == b',':
        return float(line), nxt
    if kind in (b'$', b'='):
        n = int(line)
        if n < 0:
            return None, nxt
        if len(buf) < nxt + n + 2:
            raise Incomplete()
        return buf[nxt:nxt + n], nxt + n + 2
    if kind in (b'*', b'>', b'~', b'%', b'|'):
        n = int(line)
        if n < 0:
            return None, nxt
        if kind in (b'%', b'|'):
            n *= 2
        items = []
        for _ in range(n):
            v, nxt = parse(buf, nxt)
            items.append(v)
        if kind == b'%' or kind == b'|':
            return ('map', items), nxt
        if kind == b'>':
            return ('push', items), nxt
        return items, nxt
    raise ValueError('bad reply type %r' % kind)


def call(path, *args):
    """Send one command on a fresh connection and return its parsed
    reply, or None when the bus cannot be reached."""
    try:
        s = conn(path, 1.0)
    except OSError:
        return None
    try:
        s.sendall(enc(*args))
        data = b''
        while True:
            try:
                v, _ = parse(data)
                return v
            except Incomplete:
                pass
            b = s.recv(65536)
            if not b:
                return None
            data += b
    except OSError:
        return None
    finally:
        s.close()


def pubsub_int(path, *args):
    """The last integer of a PUBSUB reply, or None."""
    v = call(path, 'PUBSUB', *args)
    if isinstance(v, int):
        return v
    if isinstance(v, list) and v and isinstance(v[-1], int):
        return v[-1]
    return None


# cxbus sub options that take a value.
SUB_VALUE_OPTS = ('-n', '--count', '-W', '--timeout', '-S', '--socket',
                  '--url', '-f', '--format', '--exec', '--idle', '--exclude')


def sub_targets(args):
    """Split cxbus sub arguments into exact topics and glob patterns, the
    way the command treats them."""
    fixed, pos, i, rest = False, [], 0, False
    while i < len(args):
        a = args[i]
        if rest or not a.startswith('-') or a == '-':
            pos.append(a)
        elif a == '--':
            rest = True
        elif a in SUB_VALUE_OPTS:
            i += 1
        elif a in ('-F', '--fixed'):
            fixed = True
        elif not a.startswith('--') and a[1] not in 'nWSf' and 'F' in a:
            fixed = True
        i += 1
    exact, pats = [], []
    for p in pos:
        b = os.fsencode(p)
        if fixed or not any(c in b for c in b'*?['):
            if b not in exact:
                exact.append(b)
        elif b not in pats:
            pats.append(b)
    return exact, pats


def sub_goal(path, args):
    """What the bus must report once a new cxbus sub ARGS is subscribed:
    current counts plus its own, as text for sub_wait()."""
    exact, pats = sub_targets(args)
    goal = []
    if exact:
        v = call(path, 'PUBSUB', 'NUMSUB', *exact)
        counts = {}
        if isinstance(v, list):
            for k in range(0, len(v) - 1, 2):
                counts[v[k]] = v[k + 1]
        for t in exact:
            goal.append('s:%s:%d' % (t.hex(), counts.get(t, 0) + 1))
    if pats:
        n = pubsub_int(path, 'NUMPAT') or 0
        goal.append('p:-:%d' % (n + len(pats)))
    return ' '.join(goal)


def sub_wait(path, goal, seconds):
    """Wait until every count in GOAL (from sub_goal) is reached."""
    items = []
    for g in goal.split():
        kind, topic, n = g.split(':')
        items.append((kind, bytes.fromhex(topic) if kind == 's' else None,
                      int(n)))
    state = {}

    def ok():
        for kind, topic, n in items:
            if kind == 's':
                v = pubsub_int(path, 'NUMSUB', topic)
            else:
                v = pubsub_int(path, 'NUMPAT')
            state[(kind, topic)] = v
            if v is None or v < n:
                return False
        return True
    if wait_until(ok, seconds):
        return True
    for kind, topic, n in items:
        what = ('NUMSUB %s' % show(topic)) if kind == 's' else 'NUMPAT'
        sys.stderr.write('subscriber not ready after %gs: PUBSUB %s = %s, '
                         'want %d\n' % (seconds, what,
                                        state.get((kind, topic)), n))
    return False


def wait_until(check, seconds):
    """Call CHECK every 10 ms until it is true or SECONDS pass."""
    end = time.monotonic() + seconds
    while True:
        if check():
            return True
        if time.monotonic() >= end:
            return False
        time.sleep(0.01)


def can_connect(path):
    """Whether PATH accepts a connection now."""
    try:
        s = conn(path, 1.0)
    except OSError:
        return False
    s.close()
    return True


FAILED = []


def expect(s, want, what='', more=False):
    """Read from S until WANT (bytes, or str with escapes; ending in <EOF>
    for a close as well) has had time to arrive, and record a failure
    unless exactly that came.  With MORE, bytes after WANT may follow and
    are left unread."""
    if isinstance(want, str):
        want = want.encode('latin1')
        eof = want.endswith(b'<EOF>')
        if eof:
            want = want[:-5]
        want = unescape(want.decode('latin1'))
    else:
        eof = False
    got = drain(s, want=len(want), eof=eof, more=more)
    if eof:
        want += b'<EOF>'
    if got != want:
        sys.stderr.write('mismatch%s:\n  want: %s\n  got:  %s\n' % (
            ' in ' + what if what else '', show(want), show(got)))
        FAILED.append(what)
        return False
    return True


def nothing(s, what='', wait=0.2):
    """Record a failure if anything arrives on S within WAIT seconds."""
    got = drain(s, idle=wait, total=wait)
    if got:
        sys.stderr.write('unexpected bytes%s: %s\n' % (
            ' in ' + what if what else '', show(got)))
        FAILED.append(what)
        return False
    return True


def check(ok, what):
    """Record a failure unless OK."""
    if not ok:
        sys.stderr.write('failed: %s\n' % what)
        FAILED.append(what)
    return ok


def done():
    """Exit 1 if anything above failed."""
    sys.exit(1 if FAILED else 0)


def main(argv):
    """Command-line entry; see the module text."""
    if len(argv) >= 2 and argv[0] == 'up':
        secs = float(argv[2]) if len(argv) > 2 else 5.0
        return 0 if wait_until(lambda: can_connect(argv[1]), secs) else 1
    if len(argv) >= 4 and argv[0] == 'numsub':
        path, topic, n = argv[1], unescape(argv[2]), int(argv[3])
        secs = float(argv[4]) if len(argv) > 4 else 5.0

        def ok():
            v = pubsub_int(path, 'NUMSUB', topic)
            return v is not None and v >= n
        return 0 if wait_until(ok, secs) else 1
    if len(argv) >= 2 and argv[0] == 'subgoal':
        print(sub_goal(argv[1], argv[2:]))
        return 0
    if len(argv) >= 3 and argv[0] == 'subwait':
        secs = float(argv[3]) if len(argv) > 3 else 5.0
        return 0 if sub_wait(argv[1], argv[2], secs) else 1
    if len(argv) >= 3 and argv[0] == 'numpat':
        path, n = argv[1], int(argv[2])
        secs = float(argv[3]) if len(argv) > 3 else 5.0

        def ok():
            v = pubsub_int(path, 'NUMPAT')
            return v is not None and v >= n
        return 0 if wait_until(ok, secs) else 1

    expect = None
    if len(argv) >= 2 and argv[0] == '-e':
        expect = argv[1]
        argv = argv[2:]
    if len(argv) < 2:
        sys.stderr.write(__doc__)
        return 2
    path, data = argv[0], unescape(argv[1])
    s = conn(path)
    try:
        s.sendall(data)
    except (BrokenPipeError, ConnectionResetError):
        # Closed on us before we finished: show what came before.
        pass
    if expect is not None:
        eof = expect.endswith('<EOF>')
        body = expect[:-5] if eof else expect
        out = drain(s, want=len(unescape(body)), eof=eof)
    else:
        idle = float(argv[2]) if len(argv) > 2 else 0.3
        out = drain(s, idle=idle)
    s.close()
    if out.endswith(b'<EOF>'):
        print(show(out[:-5]) + '<EOF>')
    else:
        print(show(out))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))

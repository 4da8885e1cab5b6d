#!/usr/bin/env python3
"""Clients for the cxbus stress cases (tests/stress/run).

    stress.py count [--slow BYTES] [--pause-at N --pause SECS]
                    [--gaps TOTAL] [--out FILE]
        Read `cxbus sub` output on stdin: lines 1, 2, 3 ... in order, up
        to a line FIN.  Prints `received=N order=ok|BAD... missing=M`.
        --slow reads BYTES at a time with a millisecond's sleep between
        reads; --pause stops reading for SECS after line N; --gaps allows
        numbers to be missing (never repeated or out of order) and counts
        those missing from 1..TOTAL.
    stress.py subs SOCK TOPIC N SECS -- COMMAND...
        Open N connections subscribed to TOPIC, run COMMAND once all are
        confirmed, and count how many got exactly one message.
    stress.py cycles SOCK N SECS
        Connect and disconnect N times in various ways.
    stress.py half SOCK KIND
        Send the first part of a frame, print `ready`, then sleep (to be
        killed).
    stress.py fdlimit SOCK PID N
        Open N connections to a daemon that has fewer descriptors; check
        that it does not spin and accepts the waiting ones once others
        close.

Every wait is bounded; every socket is a Unix socket the caller made.
"""

import os
import select
import socket
import subprocess
import sys
import time


def enc(*args):
    """A command as a RESP multibulk."""
    out = b'*%d\r\n' % len(args)
    for a in args:
        if isinstance(a, str):
            a = a.encode()
        out += b'$%d\r\n' % len(a) + a + b'\r\n'
    return out


def connect(path, timeout=10.0):
    """Connect to PATH.  A socket with a timeout is non-blocking inside,
    and a Unix socket whose listen queue is full then fails with EAGAIN
    where a blocking connect (as libcxbus's) would wait: so wait here."""
    deadline = time.monotonic() + timeout
    while True:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(timeout)
        try:
            s.connect(path)
            return s
        except BlockingIOError:
            s.close()
            if time.monotonic() > deadline:
                raise
            time.sleep(0.01)


def cmd_count(argv):
    slow = 0
    pause_at = -1
    pause = 0.0
    gaps = 0
    out = None
    i = 0
    while i < len(argv):
        if argv[i] == '--slow':
            slow = int(argv[i + 1])
        elif argv[i] == '--pause-at':
            pause_at = int(argv[i + 1])
        elif argv[i] == '--pause':
            pause = float(argv[i + 1])
        elif argv[i] == '--gaps':
            gaps = int(argv[i + 1])
        elif argv[i] == '--out':
            out = argv[i + 1]
        else:
            sys.exit('stress.py count: unknown option ' + argv[i])
        i += 2

    f = sys.stdin.buffer
    got = 0
    last = 0
    bad = None
    fin = False
    rest = b''
    start = time.monotonic()
    while not fin:
        chunk = f.read1(slow if slow else 1 << 18)
        if not chunk:
            break
        lines = (rest + chunk).split(b'\n')
        rest = lines.pop()
        for line in lines:
            if line == b'FIN':
                fin = True
                break
            got += 1
            if bad is None:
                try:
                    v = int(line)
                except ValueError:
                    v = None
                if v is None or v <= last or (not gaps and v != last + 1):
                    bad = 'line %d is %r after %d' % (got, line[:40], last)
                else:
                    last = v
            if got == pause_at:
                time.sleep(pause)
        if slow:
            time.sleep(0.001)
    took = time.monotonic() - start
    missing = (gaps if gaps else last) - got
    res = 'received=%d order=%s missing=%d fin=%s secs=%.2f' % (
        got, 'ok' if bad is None else 'BAD(' + bad + ')', missing,
        'yes' if fin else 'no', took)
    if out:
        with open(out, 'w') as o:
            o.write(res + '\n')
    print(res)


def read_frames(buf):
    """Split complete RESP2 arrays of bulk strings off BUF."""
    frames = []
    while True:
        if not buf.startswith(b'*'):
            return frames, buf
        nl = buf.find(b'\r\n')
        if nl < 0:
            return frames, buf
        n = int(buf[1:nl])
        pos = nl + 2
        parts = []
        for _ in range(n):
            nl = buf.find(b'\r\n', pos)
            if nl < 0:
                return frames, buf
            if buf[pos:pos + 1] == b':':
                parts.append(int(buf[pos + 1:nl]))
                pos = nl + 2
                continue
            ln = int(buf[pos + 1:nl])
            if len(buf) < nl + 2 + ln + 2:
                return frames, buf
            parts.append(buf[nl + 2:nl + 2 + ln])
            pos = nl + 2 + ln + 2
        frames.append(parts)
        buf = buf[pos:]


def cmd_subs(argv):
    path, topic, n, secs = argv[0], argv[1], int(argv[2]), float(argv[3])
    command = argv[5:] if len(argv) > 4 and argv[4] == '--' else []
    deadline = time.monotonic() + secs
    socks = []
    for _ in range(n):
        s = connect(path)
        s.sendall(enc('SUBSCRIBE', topic))
        socks.append(s)
    for s in socks:
        s.setblocking(False)
    bufs = {s.fileno(): b'' for s in socks}
    confirmed = set()
    got = {}
    poller = select.poll()
    for s in socks:
        poller.register(s.fileno(), select.POLLIN)
    published = False
    t_pub = None
    last = None
    while time.monotonic() < deadline:
        if not published and len(confirmed) == n:
            t_pub = time.monotonic()
            if command:
                subprocess.run(command, timeout=30, check=True)
            published = True
        if published and len(got) == n:
            # Every one got its message; give duplicates a moment.
            if time.monotonic() - last > 0.3:
                break
        for fd, ev in poller.poll(100):
            try:
                data = os.read(fd, 65536)
            except BlockingIOError:
                continue
            if not data:
                poller.unregister(fd)
                continue
            frames, bufs[fd] = read_frames(bufs[fd] + data)
            for fr in frames:
                if fr[0] == b'subscribe':
                    confirmed.add(fd)
                elif fr[0] == b'message':
                    got[fd] = got.get(fd, 0) + 1
                    last = time.monotonic()
    took = (last - t_pub) if (last and t_pub) else -1
    dup = sum(1 for v in got.values() if v != 1)
    print('connections=%d confirmed=%d received=%d duplicates=%d '
          'fanout_secs=%.3f' % (n, len(confirmed), len(got), dup, took))
    for s in socks:
        s.close()
    sys.exit(0 if len(got) == n and dup == 0 else 1)


def cmd_cycles(argv):
    path, n, secs = argv[0], int(argv[1]), float(argv[2])
    deadline = time.monotonic() + secs
    done = 0
    pongs = 0
    errors = 0
    while done < n and time.monotonic() < deadline:
        kind = done % 4
        try:
            s = connect(path, 5.0)
            if kind == 1:
                # A command answered and read.
                s.sendall(b'PING\r\n')
                if s.recv(64) == b'+PONG\r\n':
                    pongs += 1
            elif kind == 2:
                # A command whose answer is never read.
                s.sendall(enc('SUBSCRIBE', 'cycles'))
            elif kind == 3:
                # Half a command, then gone.
                s.sendall(b'*2\r\n$4\r\nECHO\r\n$10\r\nabc')
            s.close()
        except OSError:
            errors += 1
        done += 1
    print('cycles=%d pongs=%d errors=%d' % (done, pongs, errors))
    sys.exit(0 if done == n and errors == 0 else 1)


HALF = {
    'header': b'*3\r\n$7\r\nPUB',
    'count': b'*3',
    'bulklen': b'*3\r\n$7\r\nPUBLISH\r\n$1\r\nt\r\n$10',
    'body': b'*3\r\n$7\r\nPUBLISH\r\n$1\r\nt\r\n$10\r\nhello',
    'crlf': b'*3\r\n$7\r\nPUBLISH\r\n$1\r\nt\r\n$5\r\nhello\r',
    'inline': b'PUBLISH t "half a line',
    'big': b'*3\r\n$7\r\nPUBLISH\r\n$1\r\nt\r\n$1048576\r\n' +
           b'x' * 524288,
}


def cmd_half(argv):
    path, kind = argv[0], argv[1]
    s = connect(path)
    s.sendall(HALF[kind])
    print('ready', flush=True)
    time.sleep(60)


def cpu_ticks(pid):
    with open('/proc/%d/stat' % pid) as f:
        fields = f.read().rsplit(')', 1)[1].split()
    return int(fields[11]) + int(fields[12])


def cmd_fdlimit(argv):
    path, pid, n = argv[0], int(argv[1]), int(argv[2])
    hz = os.sysconf('SC_CLK_TCK')
    socks = []
    for _ in range(n):
        socks.append(connect(path, 5.0))
    # Ask each for a PONG; those the daemon could not accept wait.
    for s in socks:
        s.sendall(b'PING\r\n')
    time.sleep(0.5)
    answered = []
    for s in socks:
        s.setblocking(False)
        try:
            answered.append(s.recv(64) == b'+PONG\r\n')
        except BlockingIOError:
            answered.append(False)
    first = sum(answered)

    t0 = cpu_ticks(pid)
    time.sleep(2.0)
    busy = (cpu_ticks(pid) - t0) / hz

    # Close the answered ones: the daemon must take the waiting ones now.
    waiting = [s for s, a in zip(socks, answered) if not a]
    for s, a in zip(socks, answered):
        if a:
            s.close()
    deadline = time.monotonic() + 10
    pending = set(waiting)
    while pending and time.monotonic() < deadline:
        r, _, _ = select.select(list(pending), [], [], 0.2)
        for s in r:
            if s.recv(64) == b'+PONG\r\n':
                pending.discard(s)
    later = len(waiting) - len(pending)
    for s in waiting:
        s.close()
    print('connections=%d served_at_once=%d cpu_while_full=%.2fs '
          'served_after_close=%d/%d' % (n, first, busy, later,
                                        len(waiting)))
    ok = first > 0 and len(waiting) > 0 and not pending and busy < 0.5
    sys.exit(0 if ok else 1)


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    cmd = {'count': cmd_count, 'subs': cmd_subs, 'cycles': cmd_cycles,
           'half': cmd_half, 'fdlimit': cmd_fdlimit}.get(sys.argv[1])
    if cmd is None:
        sys.exit(__doc__)
    cmd(sys.argv[2:])


if __name__ == '__main__':
    main()

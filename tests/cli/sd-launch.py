#!/usr/bin/env python3
"""Hand a daemon a listening socket the way systemd does, without systemd.

Usage:
  sd-launch.py [OPTIONS] SOCK -- COMMAND [ARGS...]
  sd-launch.py unit SOCKET-UNIT SERVICE-UNIT

The first form binds SOCK (mode 0600), listens, puts the socket on
descriptor 3, sets LISTEN_FDS=1 and LISTEN_PID to this process's pid and
execs COMMAND, which keeps the pid, as systemd's fork and exec do.
Options change what is handed over, to test the daemon's checks:

  --pid other     LISTEN_PID names the parent instead (not for COMMAND)
  --also PATH     a second listening socket at PATH on descriptor 4,
                  LISTEN_FDS=2
  --fd bound      descriptor 3 is a socket bound to SOCK but not listening
  --fd file       descriptor 3 is the regular file SOCK

The second form reads ListenStream=, SocketMode= and DirectoryMode= from
the socket unit and ExecStart= from the service unit, makes the
directory and the socket as systemd would (%t is $XDG_RUNTIME_DIR) and
execs the service's command the same way.
"""

import os
import shlex
import socket
import sys


def listener(path, mode=0o600, listen=True):
    """A Unix stream socket bound to PATH with MODE, listening or not."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(path)
    os.chmod(path, mode)
    if listen:
        s.listen(64)
    return s


def place(fd, want):
    """Put descriptor FD at WANT, inheritable, and return WANT."""
    if fd != want:
        os.dup2(fd, want, inheritable=True)
        os.close(fd)
    else:
        os.set_inheritable(want, True)
    return want


def handover(fds, command, pid=None):
    """Exec COMMAND with FDS (objects with detach()) at 3, 4, ..."""
    raw = [f.detach() if hasattr(f, 'detach') else f for f in fds]
    # Copies in increasing order, the originals closed: each copy is at
    # or above its place and above every place before it, so moving them
    # in order overwrites none still needed.
    copies = [os.dup(fd) for fd in raw]
    for fd in raw:
        os.close(fd)
    for i, fd in enumerate(copies):
        place(fd, 3 + i)
    os.environ['LISTEN_FDS'] = str(len(copies))
    os.environ['LISTEN_PID'] = str(pid if pid is not None else os.getpid())
    os.environ.pop('LISTEN_FDNAMES', None)
    os.execvp(command[0], command)


def unit_values(path):
    """The KEY=VALUE lines of a unit file as a dict, last one winning."""
    values = {}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line or line[0] in '#;[' or '=' not in line:
                continue
            key, value = line.split('=', 1)
            values[key.strip()] = value.strip()
    return values


def from_units(socket_unit, service_unit):
    """Do what systemd does for the two units, then exec the service."""
    sock = unit_values(socket_unit)
    service = unit_values(service_unit)
    runtime = os.environ['XDG_RUNTIME_DIR']
    path = sock['ListenStream'].replace('%t', runtime)
    old = os.umask(0o077)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    os.umask(old)
    os.chmod(os.path.dirname(path), int(sock['DirectoryMode'], 8))
    s = listener(path, int(sock['SocketMode'], 8))
    handover([s], shlex.split(service['ExecStart']))


def main(argv):
    """Parse the command line and hand over."""
    if argv[:1] == ['unit'] and len(argv) == 3:
        from_units(argv[1], argv[2])
    if '--' not in argv:
        sys.exit(__doc__)
    split = argv.index('--')
    opts, command = argv[:split], argv[split + 1:]
    pid = None
    also = None
    kind = 'listen'
    while len(opts) > 1:
        if opts[0] == '--pid' and opts[1] == 'other':
            pid = os.getppid()
        elif opts[0] == '--also':
            also = opts[1]
        elif opts[0] == '--fd' and opts[1] in ('bound', 'file'):
            kind = opts[1]
        else:
            sys.exit(__doc__)
        opts = opts[2:]
    if len(opts) != 1 or not command:
        sys.exit(__doc__)
    path = opts[0]

    if kind == 'file':
        fds = [os.open(path, os.O_RDWR | os.O_CREAT, 0o600)]
    else:
        fds = [listener(path, listen=(kind == 'listen'))]
    if also is not None:
        fds.append(listener(also))
    handover(fds, command, pid)


if __name__ == '__main__':
    main(sys.argv[1:])

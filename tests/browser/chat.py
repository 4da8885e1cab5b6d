#!/usr/bin/env python3
"""Drive examples/chat/index.html in headless Chromium.

Usage:
  chat.py CHROMIUM URL SOCKET [SECONDS]

URL is the page as websocketd serves it (running `cxbus pipe chat` for
each WebSocket), SOCKET the bus those pipes use.  The script opens two
tabs, alice and bob, has each type a message, sends one line with
`cxbus pub` (cxbus is found on PATH), and checks that every tab shows
every line of the others exactly once, its own lines once, and the line
holding <script> as text.  Then it closes bob's tab and checks that
alice sees bob leave and that bob's pipe is gone.  It prints one line per
step and exits 0 when everything held, 1 otherwise.

Chromium is driven through the DevTools protocol over a pipe
(--remote-debugging-pipe: JSON messages ended by NUL on descriptors 3
and 4).  That needs nothing but Python's standard library: no WebSocket
client, no chromedriver, no npm package, and no debugging port that
other local users could reach.
"""

import fcntl
import json
import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request


# How long the browser may take to answer one command.
ANSWER_SECONDS = 20


class Failed(Exception):
    """A check did not hold."""


class Browser:
    """A headless Chromium and its DevTools pipe."""

    def __init__(self, chromium, deadline):
        self.deadline = deadline
        self.profile = tempfile.mkdtemp(prefix='chat-profile-')
        to_browser, self.cmd_w = os.pipe()
        self.resp_r, from_browser = os.pipe()

        def fds():
            # The protocol's descriptors: commands on 3, replies on 4.
            # Both are moved out of the way first so that neither
            # overwrites the other.
            a = fcntl.fcntl(to_browser, fcntl.F_DUPFD, 10)
            b = fcntl.fcntl(from_browser, fcntl.F_DUPFD, 10)
            os.dup2(a, 3)
            os.dup2(b, 4)

        args = [chromium, '--headless', '--no-sandbox', '--disable-gpu',
                '--disable-quic', '--no-first-run',
                '--no-default-browser-check',
                '--disable-background-networking',
                '--disable-component-update', '--disable-sync',
                '--disable-extensions', '--disable-dev-shm-usage',
                '--mute-audio', '--remote-debugging-pipe',
                '--user-data-dir=' + self.profile, 'about:blank']
        self.log = open(os.path.join(self.profile, 'chromium.log'), 'wb')
        self.proc = subprocess.Popen(
            args, preexec_fn=fds, pass_fds=(3, 4),
            stdin=subprocess.DEVNULL, stdout=self.log, stderr=self.log,
            start_new_session=True)
        os.close(to_browser)
        os.close(from_browser)
        self.next_id = 0
        self.inbox = b''
        self.events = []

    def send(self, method, params=None, session=None):
        """Send one command and return its result; errors raise."""
        self.next_id += 1
        msg = {'id': self.next_id, 'method': method,
               'params': params or {}}
        if session:
            msg['sessionId'] = session
        data = json.dumps(msg).encode() + b'\0'
        while data:
            data = data[os.write(self.cmd_w, data):]
        while True:
            reply = self.receive()
            if reply.get('id') == self.next_id:
                if 'error' in reply:
                    raise Failed('%s: %s' % (method, reply['error']))
                return reply.get('result', {})

    def receive(self):
        """The next message from the browser; events are kept."""
        deadline = time.monotonic() + ANSWER_SECONDS
        while b'\0' not in self.inbox:
            left = deadline - time.monotonic()
            if left <= 0:
                raise Failed('the browser did not answer in time')
            ready, _, _ = select.select([self.resp_r], [], [], left)
            if not ready:
                continue
            data = os.read(self.resp_r, 1 << 20)
            if not data:
                raise Failed('the browser went away')
            self.inbox += data
        raw, self.inbox = self.inbox.split(b'\0', 1)
        msg = json.loads(raw)
        if 'id' not in msg:
            self.events.append(msg)
        return msg

    def close(self):
        """Close the browser, asking first, then by its process group."""
        try:
            self.send('Browser.close')
        except (Failed, OSError):
            pass
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            pass
        # Renderers and helpers are in the group of the browser we started.
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait()
        os.close(self.cmd_w)
        os.close(self.resp_r)
        self.log.close()
        shutil.rmtree(self.profile, ignore_errors=True)


class Tab:
    """One page, attached with its own DevTools session."""

    def __init__(self, browser, url, name):
        self.b = browser
        self.name = name
        self.target = browser.send('Target.createTarget',
                                   {'url': url})['targetId']
        self.session = browser.send('Target.attachToTarget',
                                    {'targetId': self.target,
                                     'flatten': True})['sessionId']
        self.call('Runtime.enable')

    def call(self, method, params=None):
        """Send one command to this page."""
        return self.b.send(method, params, self.session)

    def eval(self, expr):
        """Evaluate EXPR in the page and return its value."""
        r = self.call('Runtime.evaluate', {'expression': expr,
                                           'returnByValue': True})
        if 'exceptionDetails' in r:
            raise Failed('%s: %s: %s' % (self.name, expr,
                                         r['exceptionDetails']))
        return r['result'].get('value')

    def lines(self):
        """The chat log as the reader sees it, one string per entry."""
        return self.eval('Array.from(document.querySelectorAll("#log li"),'
                         ' li => li.textContent)')

    def wait(self, what, cond):
        """Poll COND until it holds or the deadline passes.  While the
        page loads, a question may find no document or one that is
        going away: ask again."""
        while True:
            try:
                if cond():
                    print('ok: %s: %s' % (self.name, what))
                    return
                why = 'log: %r' % self.lines()
            except Failed as e:
                why = str(e)
            if time.monotonic() > self.b.deadline:
                raise Failed('%s: %s: not in time; %s' %
                             (self.name, what, why))
            time.sleep(0.05)

    def wait_open(self):
        """Wait until the page says its WebSocket is open."""
        self.wait('is connected', lambda: self.eval(
            'document.body && document.body.dataset.state') == 'open')

    def wait_line(self, line):
        """Wait until the log shows LINE."""
        self.wait('shows %r' % line, lambda: line in self.lines())

    def type(self, text):
        """Type TEXT into the message field and press Enter."""
        self.call('Page.bringToFront')
        self.eval('document.getElementById("text").focus()')
        self.call('Input.insertText', {'text': text})
        for kind in ('rawKeyDown', 'char', 'keyUp'):
            params = {'type': kind, 'key': 'Enter', 'code': 'Enter',
                      'windowsVirtualKeyCode': 13}
            if kind == 'char':
                params['text'] = '\r'
            self.call('Input.dispatchKeyEvent', params)


def numsub(path, topic):
    """How many subscribers the bus at PATH counts for TOPIC."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(2)
    try:
        s.connect(path)
        t = topic.encode()
        s.sendall(b'*3\r\n$6\r\nPUBSUB\r\n$6\r\nNUMSUB\r\n$%d\r\n%s\r\n'
                  % (len(t), t))
        data = b''
        # *2 $len topic :count, four lines.
        while data.count(b'\r\n') < 4:
            b = s.recv(4096)
            if not b:
                raise Failed('the bus closed the connection')
            data += b
    except OSError as e:
        raise Failed('PUBSUB NUMSUB on %s: %s' % (path, e))
    finally:
        s.close()
    return int(data.split(b'\r\n')[3][1:])


def wait_numsub(path, topic, n, deadline):
    """Wait until the bus counts N subscribers of TOPIC."""
    while numsub(path, topic) != n:
        if time.monotonic() > deadline:
            raise Failed('the bus does not count %d subscribers of %s' %
                         (n, topic))
        time.sleep(0.05)


def wait_page(url, deadline):
    """Wait until the web server answers for the page."""
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise Failed('%s does not answer' % url)
        time.sleep(0.05)


def chat(browser, url, sock, deadline):
    """The whole story: two tabs join, talk, hear the shell, one
    leaves."""
    wait_page(url, deadline)
    # Terminals may be listening already.
    others = numsub(sock, 'chat')

    alice = Tab(browser, url + '#alice', 'alice')
    alice.wait_open()
    wait_numsub(sock, 'chat', others + 1, deadline)
    print('ok: alice has a pipe on the bus')
    bob = Tab(browser, url + '#bob', 'bob')
    bob.wait_open()
    wait_numsub(sock, 'chat', others + 2, deadline)
    print('ok: bob has a pipe on the bus')
    alice.wait_line('* bob joined')

    # Each line is seen by the other tab before the next is typed, so
    # that a terminal on the topic sees them in this order.
    script = ('<script>window.pwned = 1</script>'
              '<img src=x onerror="window.pwned = 2"><b>bold</b>')
    alice.type('hello from alice')
    bob.wait_line('alice: hello from alice')
    bob.type('hi alice, bob here')
    alice.wait_line('bob: hi alice, bob here')
    alice.type(script)
    bob.wait_line('alice: ' + script)
    subprocess.run(['cxbus', '-S', sock, 'pub', 'chat',
                    'shell: hello, tabs'], check=True, timeout=10)
    alice.wait_line('shell: hello, tabs')
    bob.wait_line('shell: hello, tabs')

    # Anything echoed or sent twice would have come before the shell's
    # line, which was published after each tab's lines were delivered.
    want = ['* alice joined', '* bob joined', 'alice: hello from alice',
            'bob: hi alice, bob here', 'alice: ' + script,
            'shell: hello, tabs']
    for tab in (alice, bob):
        if tab is bob:
            # Bob came after alice had said she joined.
            want = want[1:]
        got = tab.lines()
        if got != want:
            raise Failed('%s: log is %r, want %r' % (tab.name, got, want))
        print('ok: %s: every line once, in order' % tab.name)
        if tab.eval('document.querySelectorAll("#log script, #log img,'
                    ' #log b").length') != 0:
            raise Failed('%s: a message became HTML elements' % tab.name)
        if tab.eval('typeof window.pwned') != 'undefined':
            raise Failed('%s: the <script> message ran' % tab.name)
        print('ok: %s: the <script> line is text, nothing ran' % tab.name)
        for kind in ('me', 'other'):
            n = tab.eval('document.querySelectorAll("#log li.%s").length'
                         % kind)
            print('ok: %s: %d %s lines' % (tab.name, n, kind))
    if alice.eval('document.querySelectorAll("#log li.me").length') != 3:
        raise Failed('alice: her own three lines are not all hers')

    browser.send('Target.closeTarget', {'targetId': bob.target})
    alice.wait_line('* bob left')
    wait_numsub(sock, 'chat', others + 1, deadline)
    print('ok: bob\'s pipe has left the bus')

    for e in browser.events:
        if e.get('method') == 'Runtime.exceptionThrown':
            raise Failed('a page threw: %s' % e['params'])
    print('ok: no page threw an exception')


def main():
    """Check the arguments, start the browser, tell the story, and
    close the browser whatever happened."""
    if len(sys.argv) not in (4, 5):
        print(__doc__.strip().split('\n\n')[1], file=sys.stderr)
        return 2
    chromium, url, sock = sys.argv[1:4]
    seconds = float(sys.argv[4]) if len(sys.argv) == 5 else 60
    deadline = time.monotonic() + seconds
    browser = Browser(chromium, deadline)
    try:
        chat(browser, url, sock, deadline)
    except Failed as e:
        print('FAIL: %s' % e)
        with open(os.path.join(browser.profile, 'chromium.log'),
                  errors='replace') as f:
            tail = f.read()[-3000:]
        if tail:
            print('--- chromium output (end)\n' + tail)
        return 1
    finally:
        browser.close()
    return 0


if __name__ == '__main__':
    sys.exit(main())

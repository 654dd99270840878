#!/usr/bin/python3
# sshraw.py: a hostile SSH client for the integration tests, on paramiko:
# it does what the OpenSSH client never does (many channels stuffed with
# data before any request, protocol messages out of order, lies about
# packet lengths) and prints what the gateway did, one "key value" per line.
#
# usage: sshraw.py COMMAND PORT [ARGS...]  (host is always 127.0.0.1)
#   channels PORT LOGIN KEY N BYTES HOLD
#       authenticate, open N session channels, send BYTES on each before
#       any request; print opened/refused/closed counts, then hold the
#       connection HOLD seconds (the test samples the worker meanwhile)
#   flood PORT SOURCE N SECONDS
#       from address SOURCE keep N TCP connections open that never say a
#       word, opening a new one whenever one is closed, for SECONDS; print
#       how many were opened, how many of them got the SSH banner, and how
#       many the gateway closed
#   stall PORT LOGIN KEY COMMAND
#       authenticate, open a session with a 2 GiB window, run COMMAND, read
#       1 MiB of its output, print "reading stopped" and stop reading the
#       socket for good (the test then watches the gateway)
#   inject PORT SOURCE LOGIN KEY STEP...
#       from address SOURCE: key exchange, then each STEP in order, and
#       print "lport N" (the client's port, as the gateway logs it), one
#       line "step STEP RESULT" each, then "unimplemented N" and "active
#       0|1". A STEP is one of
#         msg:N    a bare message of type N (no payload)
#         open     CHANNEL_OPEN "session" (sender channel 0)
#         exec:N   CHANNEL_REQUEST "exec" on channel N, never opened
#         len:N:V  a packet header claiming length N, then nothing; V is
#                  etm (aes128-ctr with an EtM MAC: the length in clear)
#                  or ctr (an ordinary MAC: the length in the first
#                  encrypted block)
#         auth     public key authentication as LOGIN with KEY
#         probe    open a session and run "echo rawproto-probe"
#       RESULT: unimplemented (the gateway answered SSH_MSG_UNIMPLEMENTED),
#       failure/success (a channel request's reply), closed (the gateway
#       disconnected), silent (none of these within 5 s), skipped (the
#       connection was gone before), ok/failed for auth, and for probe the
#       first line of the command's output, or refused/closed
#   rawlen PORT SOURCE LEN
#       plain TCP from SOURCE: send a banner, read the gateway's, then a
#       binary packet header claiming LEN bytes (before key exchange);
#       print "banner 0|1", "lport N" and "closed SECONDS" or "closed no"
#       (still open after 10 s)
#   badkex PORT SOURCES N MODE
#       N connections one after the other, from the comma-separated
#       SOURCES in turn, each sending a banner and then, by MODE, a KEXINIT
#       with no algorithm in common (kexinit), a huge packet length and
#       random bytes (garbage), or both in turn (mixed); print how many
#       connected, got the banner, were closed by the gateway within 5 s,
#       were still open, and the seconds it all took
import os
import select
import signal
import socket
import struct
import sys
import time

import paramiko


def connect(port, login, keyfile):
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    t = paramiko.Transport(sock)
    t.banner_timeout = 10
    t.auth_timeout = 10
    t.start_client(timeout=10)
    key = paramiko.Ed25519Key.from_private_key_file(keyfile)
    t.auth_publickey(login, key)
    if not t.is_authenticated():
        raise SystemExit("sshraw: authentication failed")
    return t


def stuff(chan, nbytes):
    """Send up to nbytes before any request; stop when the window shuts."""
    chan.settimeout(0.5)
    block = b"x" * 32768
    sent = 0
    while sent < nbytes:
        try:
            n = chan.send(block[: min(len(block), nbytes - sent)])
        except socket.timeout:
            break
        except (paramiko.SSHException, EOFError, OSError):
            break           # the gateway dropped the connection
        if n <= 0:
            break
        sent += n
    return sent


def cmd_channels(port, login, keyfile, n, nbytes, hold):
    t = connect(port, login, keyfile)
    opened, refused, closed, sent = [], 0, 0, 0
    for _ in range(n):
        if not t.is_active():
            closed += 1
            continue
        try:
            chan = t.open_session(timeout=5)
        except paramiko.ChannelException:
            refused += 1
            continue
        except (paramiko.SSHException, EOFError, OSError):
            closed += 1
            continue
        opened.append(chan)
        sent += stuff(chan, nbytes)
    print("opened %d" % len(opened))
    print("refused %d" % refused)
    print("closed %d" % closed)
    print("sent %d" % sent)
    sys.stdout.flush()
    deadline = time.monotonic() + hold
    while time.monotonic() < deadline and t.is_active():
        time.sleep(0.1)
    print("active %d" % (1 if t.is_active() else 0))
    t.close()


def cmd_flood(port, source, n, seconds):
    conns = {}          # socket -> got the banner
    opened = banner = closed = failed = 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        while len(conns) < n and time.monotonic() < deadline:
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind((source, 0))
            s.settimeout(2)
            try:
                s.connect(("127.0.0.1", port))
            except OSError:
                s.close()
                failed += 1
                time.sleep(0.01)
                continue
            s.setblocking(False)
            conns[s] = False
            opened += 1
        ready, _, _ = select.select(list(conns), [], [], 0.05)
        for s in ready:
            try:
                data = s.recv(4096)
            except OSError:
                data = b""
            if data:
                if not conns[s] and data.startswith(b"SSH-"):
                    conns[s] = True
                    banner += 1
                continue
            del conns[s]
            s.close()
            closed += 1
        time.sleep(0.01)
    for s in conns:
        s.close()
    print("opened %d" % opened)
    print("banner %d" % banner)
    print("closed %d" % closed)
    print("failed %d" % failed)


def cmd_stall(port, login, keyfile, command):
    t = connect(port, login, keyfile)
    chan = t.open_session(window_size=2 ** 31 - 1, max_packet_size=32768)
    chan.exec_command(command)
    got = 0
    while got < 1048576:
        data = chan.recv(65536)
        if not data:
            break
        got += len(data)
    print("read %d" % got)
    print("reading stopped")
    sys.stdout.flush()
    # Stop everything here, the transport's reader thread included: the
    # kernel keeps the connection but nobody reads it any more.
    os.kill(os.getpid(), signal.SIGSTOP)


MSG_UNIMPLEMENTED = 3
MSG_CHANNEL_OPEN = 90
MSG_CHANNEL_REQUEST = 98
MSG_CHANNEL_SUCCESS = 99
MSG_CHANNEL_FAILURE = 100
STEP_WAIT = 5.0


def bound_socket(source, port, timeout=10):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind((source, 0))
    s.settimeout(timeout)
    s.connect(("127.0.0.1", port))
    return s


class Watch:
    """What the gateway answered: SSH_MSG_UNIMPLEMENTED (with the sequence
    number it names) and channel request replies on channels paramiko does
    not know (paramiko itself would drop the connection on those)."""

    def __init__(self, t):
        self.unimplemented = []
        self.replies = []
        table = dict(t._handler_table)
        table[MSG_UNIMPLEMENTED] = self.on_unimplemented
        table[MSG_CHANNEL_SUCCESS] = self.on_success
        table[MSG_CHANNEL_FAILURE] = self.on_failure
        t._handler_table = table

    def on_unimplemented(self, t, m):
        self.unimplemented.append(m.get_int())

    def on_reply(self, t, m, what, handler):
        chanid = m.get_int()
        chan = t._channels.get(chanid)
        if chan is not None:
            handler(chan, m)
        else:
            self.replies.append((chanid, what))

    def on_success(self, t, m):
        self.on_reply(t, m, "success", paramiko.Channel._request_success)

    def on_failure(self, t, m):
        self.on_reply(t, m, "failure", paramiko.Channel._request_failed)

    def settle(self, t, before, limit=STEP_WAIT):
        """The first thing that happened since before, within limit s."""
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            if len(self.unimplemented) > before[0]:
                return "unimplemented"
            if len(self.replies) > before[1]:
                return self.replies[-1][1]
            if not t.is_active():
                return "closed"
            time.sleep(0.02)
        return "silent"


def raw_message(step):
    m = paramiko.Message()
    if step.startswith("msg:"):
        m.add_byte(bytes([int(step[4:])]))
    elif step == "open":
        m.add_byte(bytes([MSG_CHANNEL_OPEN]))
        m.add_string("session")
        m.add_int(0)                # sender channel
        m.add_int(2097152)          # initial window
        m.add_int(32768)            # maximum packet
    elif step.startswith("exec:"):
        m.add_byte(bytes([MSG_CHANNEL_REQUEST]))
        m.add_int(int(step[5:]))    # recipient channel, never opened
        m.add_string("exec")
        m.add_boolean(True)
        m.add_string("echo rawproto-through")
    else:
        raise SystemExit("sshraw: unknown step %s" % step)
    return m


def send_len(t, n):
    """A packet header claiming n bytes, under the session's keys, and no
    more: the first cipher block only (EtM: the length in clear before
    it), written past paramiko's packet builder."""
    pk = t.packetizer
    with pk._Packetizer__write_lock:
        bs = pk._Packetizer__block_size_out
        engine = pk._Packetizer__block_engine_out
        head = struct.pack(">IB", n, 4) + b"\0" * (bs - 5)
        if pk._Packetizer__etm_out:
            out = head[:4] + engine.update(head[4:] + b"\0" * 4)
        else:
            out = engine.update(head)
        pk.write_all(out)


def probe(t):
    try:
        chan = t.open_session(timeout=5)
    except paramiko.ChannelException:
        return "refused"
    except (paramiko.SSHException, EOFError, OSError):
        return "closed"
    chan.settimeout(10)
    try:
        chan.exec_command("echo rawproto-probe")
    except paramiko.SSHException:
        return "refused" if t.is_active() else "closed"
    out = b""
    deadline = time.monotonic() + 10
    try:
        while len(out) < 65536 and time.monotonic() < deadline:
            data = chan.recv(4096)
            if not data:
                break
            out += data
    except (socket.timeout, OSError, EOFError):
        pass
    line = out.decode("utf-8", "replace").split("\n")[0].strip()
    return line if line else "empty"


def cmd_inject(port, source, login, keyfile, steps):
    sock = bound_socket(source, port)
    print("lport %d" % sock.getsockname()[1])
    sys.stdout.flush()
    t = paramiko.Transport(sock)
    t.banner_timeout = 10
    t.auth_timeout = 10
    w = Watch(t)
    lens = [s for s in steps if s.startswith("len:")]
    if any(s.endswith(":ctr") or s.endswith(":etm") for s in lens):
        opts = t.get_security_options()
        opts.ciphers = ("aes128-ctr",)
        if any(s.endswith(":etm") for s in lens):
            opts.digests = ("hmac-sha2-256-etm@openssh.com",)
        else:
            opts.digests = ("hmac-sha2-256",)
    try:
        t.start_client(timeout=10)
        print("kex ok")
    except (paramiko.SSHException, EOFError, OSError) as e:
        print("kex failed %s" % str(e).replace("\n", " "))
        print("active 0")
        return
    for step in steps:
        if not t.is_active():
            print("step %s skipped" % step)
            continue
        before = (len(w.unimplemented), len(w.replies))
        if step == "auth":
            key = paramiko.Ed25519Key.from_private_key_file(keyfile)
            try:
                t.auth_publickey(login, key)
                r = "ok" if t.is_authenticated() else "failed"
            except paramiko.AuthenticationException:
                r = "failed"
            except (paramiko.SSHException, EOFError, OSError):
                r = "closed"
        elif step == "probe":
            r = probe(t)
        elif step.startswith("len:"):
            send_len(t, int(step.split(":")[1]))
            r = w.settle(t, before)
        else:
            try:
                t._send_message(raw_message(step))
            except (EOFError, OSError):
                pass
            r = w.settle(t, before)
        print("step %s %s" % (step, r))
        sys.stdout.flush()
    print("unimplemented %d" % len(w.unimplemented))
    print("active %d" % (1 if t.is_active() else 0))
    t.close()


def read_banner(s, limit=5.0):
    """The peer's identification line, or b"" (closed or too slow)."""
    buf = b""
    deadline = time.monotonic() + limit
    while b"\n" not in buf and len(buf) < 8192:
        left = deadline - time.monotonic()
        if left <= 0:
            return b""
        s.settimeout(left)
        try:
            data = s.recv(4096)
        except (socket.timeout, OSError):
            return b""
        if not data:
            return b""
        buf += data
    return buf


def wait_closed(s, limit):
    """Seconds until the peer closed the connection, or None."""
    start = time.monotonic()
    s.settimeout(0.2)
    while time.monotonic() - start < limit:
        try:
            if not s.recv(65536):
                return time.monotonic() - start
        except socket.timeout:
            continue
        except OSError:
            return time.monotonic() - start
    return None


def cmd_rawlen(port, source, n):
    s = bound_socket(source, port)
    print("lport %d" % s.getsockname()[1])
    s.sendall(b"SSH-2.0-sshraw\r\n")
    banner = read_banner(s)
    print("banner %d" % (1 if banner.startswith(b"SSH-") else 0))
    # The first 16 bytes of a binary packet: length, padding length, then
    # what would be the message (no cipher yet).
    try:
        s.sendall(struct.pack(">IB", n, 4) + bytes([20]) + b"\0" * 10)
    except OSError:
        pass
    left = wait_closed(s, 10)
    print("closed %s" % ("no" if left is None else "%.2f" % left))
    s.close()


def kexinit_nothing_common():
    def namelist(x):
        b = x.encode()
        return struct.pack(">I", len(b)) + b
    payload = (bytes([20]) + os.urandom(16) +
               namelist("sshraw-no-kex@example.org") +
               namelist("sshraw-no-hostkey@example.org") +
               namelist("sshraw-no-cipher@example.org") * 2 +
               namelist("sshraw-no-mac@example.org") * 2 +
               namelist("none") * 2 + namelist("") * 2 +
               b"\0" + struct.pack(">I", 0))
    pad = 8 - (len(payload) + 5) % 8
    if pad < 4:
        pad += 8
    return (struct.pack(">IB", len(payload) + pad + 1, pad) + payload +
            b"\0" * pad)


def cmd_badkex(port, sources, n, mode):
    connected = banner = closed = still_open = failed = 0
    start = time.monotonic()
    deadline = start + 600
    for i in range(n):
        if time.monotonic() > deadline:
            break
        try:
            s = bound_socket(sources[i % len(sources)], port, timeout=5)
        except OSError:
            failed += 1
            continue
        connected += 1
        try:
            s.sendall(b"SSH-2.0-sshraw\r\n")
            if read_banner(s).startswith(b"SSH-"):
                banner += 1
            kind = mode if mode != "mixed" else ("kexinit", "garbage")[i % 2]
            if kind == "kexinit":
                s.sendall(kexinit_nothing_common())
            else:
                s.sendall(b"\xff" + os.urandom(255))
        except OSError:
            pass
        if wait_closed(s, 5) is None:
            still_open += 1
        else:
            closed += 1
        s.close()
    print("connected %d" % connected)
    print("banner %d" % banner)
    print("closed %d" % closed)
    print("open %d" % still_open)
    print("failed %d" % failed)
    print("seconds %.1f" % (time.monotonic() - start))


def main(argv):
    if len(argv) < 3:
        raise SystemExit("usage: sshraw.py COMMAND PORT [ARGS...]")
    cmd, port = argv[1], int(argv[2])
    if cmd == "channels" and len(argv) == 8:
        cmd_channels(port, argv[3], argv[4], int(argv[5]), int(argv[6]),
                     float(argv[7]))
    elif cmd == "stall" and len(argv) == 6:
        cmd_stall(port, argv[3], argv[4], argv[5])
    elif cmd == "flood" and len(argv) == 6:
        cmd_flood(port, argv[3], int(argv[4]), float(argv[5]))
    elif cmd == "inject" and len(argv) >= 7:
        cmd_inject(port, argv[3], argv[4], argv[5], argv[6:])
    elif cmd == "rawlen" and len(argv) == 5:
        cmd_rawlen(port, argv[3], int(argv[4], 0))
    elif cmd == "badkex" and len(argv) == 6:
        cmd_badkex(port, argv[3].split(","), int(argv[4]), argv[5])
    else:
        raise SystemExit("sshraw.py: unknown command or arguments: %s" %
                         " ".join(argv[1:]))


if __name__ == "__main__":
    main(sys.argv)

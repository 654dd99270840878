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
import os
import select
import signal
import socket
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
    else:
        raise SystemExit("sshraw.py: unknown command or arguments: %s" %
                         " ".join(argv[1:]))


if __name__ == "__main__":
    main(sys.argv)

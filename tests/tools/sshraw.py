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


def main(argv):
    if len(argv) < 3:
        raise SystemExit("usage: sshraw.py COMMAND PORT [ARGS...]")
    cmd, port = argv[1], int(argv[2])
    if cmd == "channels" and len(argv) == 8:
        cmd_channels(port, argv[3], argv[4], int(argv[5]), int(argv[6]),
                     float(argv[7]))
    else:
        raise SystemExit("sshraw.py: unknown command or arguments: %s" %
                         " ".join(argv[1:]))


if __name__ == "__main__":
    main(sys.argv)

#!/usr/bin/python3
"""echolat.py: bench helper: keystroke echo latency of an interactive session.

    echolat.py [-n N] [--gap-ms MS] -- SSH-COMMAND...

Runs SSH-COMMAND (an `ssh -tt ... HOST` without a remote command) with its
stdin and stdout on pipes and the remote command
`stty raw -echo; echo ECHOLAT-READY; exec cat` added, waits for the
marker, then N times (default 300) writes one byte and times (monotonic
clock, nanoseconds) until that byte comes back: `cat` in raw mode on the
remote pty echoes every byte as it reads it, as an editor or a shell's line
editor does. Between samples it sleeps a random 0 to MS milliseconds
(default 10). Prints one line:

    n N p50_us X p99_us Y min_us A max_us B

Exit 0 when all N echoes came back (each within 10 s), 1 otherwise, 2 on
bad usage. Only for scripts/bench and its test: never installed.
"""
import os
import random
import select
import subprocess
import sys
import time


def main(argv):
    n, gap = 300, 10.0
    args = argv[1:]
    while args and args[0] != "--":
        if args[0] == "-n" and len(args) > 1:
            n = int(args[1])
            args = args[2:]
        elif args[0] == "--gap-ms" and len(args) > 1:
            gap = float(args[1])
            args = args[2:]
        else:
            print("usage: echolat.py [-n N] [--gap-ms MS] -- SSH-COMMAND...",
                  file=sys.stderr)
            return 2
    cmd = args[1:]
    if not cmd or n <= 0:
        print("usage: echolat.py [-n N] [--gap-ms MS] -- SSH-COMMAND...",
              file=sys.stderr)
        return 2
    cmd = cmd + ["stty raw -echo; echo ECHOLAT-READY; exec cat"]
    p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         bufsize=0)
    wfd, rfd = p.stdin.fileno(), p.stdout.fileno()

    def read_until(pred, limit):
        buf = b""
        end = time.monotonic() + limit
        while not pred(buf):
            left = end - time.monotonic()
            if left <= 0:
                return None
            r, _, _ = select.select([rfd], [], [], left)
            if r:
                d = os.read(rfd, 4096)
                if not d:
                    return None
                buf += d
        return buf

    ok = read_until(lambda b: b"ECHOLAT-READY" in b, 30) is not None
    lat = []
    if ok:
        # Whatever follows the marker (its line end) must be gone first.
        time.sleep(0.2)
        while select.select([rfd], [], [], 0)[0]:
            if not os.read(rfd, 4096):
                break
        rng = random.Random(1)
        for i in range(n):
            c = bytes([0x61 + i % 26])
            t0 = time.monotonic_ns()
            os.write(wfd, c)
            if read_until(lambda b: c in b, 10) is None:
                ok = False
                break
            lat.append((time.monotonic_ns() - t0) // 1000)
            time.sleep(rng.uniform(0, gap) / 1000)
    try:
        p.stdin.close()
    except OSError:
        pass
    try:
        p.wait(timeout=5)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
    if not ok or len(lat) != n:
        print("echolat: %d of %d echoes came back" % (len(lat), n),
              file=sys.stderr)
        return 1
    lat.sort()
    p50 = lat[(n - 1) // 2]
    p99 = lat[max(0, -(-n * 99 // 100) - 1)]
    print("n %d p50_us %d p99_us %d min_us %d max_us %d"
          % (n, p50, p99, lat[0], lat[-1]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

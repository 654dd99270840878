#!/usr/bin/python3
"""echolat.py: bench helper: keystroke echo latency of an interactive session.

    echolat.py [-n N] [--gap-ms MS] [--cpu NAME=PID]... -- SSH-COMMAND...

Runs SSH-COMMAND (an `ssh -tt ... HOST` without a remote command) with its
stdin and stdout on pipes and the remote command
`stty raw -echo; echo ECHOLAT-READY; exec cat` added, waits for the
marker, then N times (default 300) writes one byte and times (monotonic
clock, nanoseconds) until that byte comes back: `cat` in raw mode on the
remote pty echoes every byte as it reads it, as an editor or a shell's line
editor does. Between samples it sleeps a random 0 to MS milliseconds
(default 10). Prints one line:

    n N p50_us X p99_us Y min_us A max_us B [cpu_NAME_us C]...

With --cpu NAME=PID, C is the CPU time per echo (microseconds, from the
kernel's nanosecond count in /proc/P/schedstat) of the processes that
descend from PID, run the same program as PID (/proc/P/comm) and were
started after echolat: the session's own server processes (a jumpgated
worker, a target's sshd session), not the listener nor a process that was
there before. Measured from the marker to the last echo: the login and the
session's end are not in it.

Exit 0 when all N echoes came back (each within 10 s), 1 otherwise, 2 on
bad usage. Only for scripts/bench and its test: never installed.
"""
import os
import random
import select
import subprocess
import sys
import time

from procstat import stat

USAGE = ("usage: echolat.py [-n N] [--gap-ms MS] [--cpu NAME=PID]... "
         "-- SSH-COMMAND...")


def children(pid):
    out = []
    try:
        tasks = os.listdir("/proc/%d/task" % pid)
    except OSError:
        return out
    for t in tasks:
        try:
            with open("/proc/%d/task/%s/children" % (pid, t)) as f:
                out += [int(x) for x in f.read().split()]
        except OSError:
            pass
    return out


def session_procs(root, since):
    """Descendants of root running root's program, started at or after since."""
    root_st = stat(root)
    if root_st is None:
        return []
    found, todo = [], children(root)
    while todo:
        p = todo.pop()
        todo += children(p)
        st = stat(p)
        if st is not None and st[3] >= since and st[0] == root_st[0]:
            found.append(p)
    return found


def cpu_ns(pids):
    """Summed on-CPU nanoseconds of pids (a process gone since counts 0)."""
    total = {}
    for p in pids:
        try:
            with open("/proc/%d/schedstat" % p) as f:
                total[p] = int(f.read().split()[0])
        except (OSError, ValueError, IndexError):
            total[p] = 0
    return total


def main(argv):
    n, gap = 300, 10.0
    cpus = []
    args = argv[1:]
    while args and args[0] != "--":
        if args[0] == "--cpu" and len(args) > 1 and "=" in args[1]:
            name, pid = args[1].split("=", 1)
            if not name or not pid.isdigit():
                print(USAGE, file=sys.stderr)
                return 2
            cpus.append((name, int(pid)))
            args = args[2:]
        elif args[0] == "-n" and len(args) > 1:
            n = int(args[1])
            args = args[2:]
        elif args[0] == "--gap-ms" and len(args) > 1:
            gap = float(args[1])
            args = args[2:]
        else:
            print(USAGE, file=sys.stderr)
            return 2
    cmd = args[1:]
    if not args or not cmd or n <= 0:
        print(USAGE, file=sys.stderr)
        return 2
    since = stat(os.getpid())[3]
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
        procs = [session_procs(pid, since) for _, pid in cpus]
        before = [cpu_ns(pp) for pp in procs]
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
        after = [cpu_ns(pp) for pp in procs]
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
    line = ("n %d p50_us %d p99_us %d min_us %d max_us %d"
            % (n, p50, p99, lat[0], lat[-1]))
    for (name, pid), b, a in zip(cpus, before, after):
        if not b:
            print("echolat: no process of the session under %s (pid %d)"
                  % (name, pid), file=sys.stderr)
            return 1
        used = sum(a[p] - b[p] for p in b if a[p] >= b[p])
        line += " cpu_%s_us %.1f" % (name, used / 1000.0 / n)
    print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

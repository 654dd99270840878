#!/usr/bin/python3
"""procpoll.py: bench helper: CPU of the sshd processes under given listeners.

    procpoll.py OUTFILE ROOTPID...

Until SIGTERM: every 100 ms scans /proc for processes named `sshd` that
descend from a ROOTPID (the listener itself not counted) and from then on
reads each one's /proc/PID/stat every 10 ms, keeping its last utime+stime.
It follows a process after its parent exits (OpenSSH's privileged monitor
does not wait for its session child, so the listener's cutime misses it).
On SIGTERM writes one line per root to OUTFILE: "ROOTPID TICKS" (the sum of
the last values seen: at most 10 ms of each process's CPU before it exited
may be missed). Only for scripts/bench.
"""
import os
import signal
import sys
import time

from procstat import stat


def main(argv):
    out, roots = argv[1], [int(p) for p in argv[2:]]
    stop = []
    signal.signal(signal.SIGTERM, lambda *a: stop.append(1))
    seen = {}		# pid -> [root, ticks]
    last_scan = 0.0
    while not stop:
        now = time.monotonic()
        if now - last_scan >= 0.1:
            last_scan = now
            procs = {}
            for d in os.listdir("/proc"):
                if d.isdigit():
                    st = stat(int(d))
                    if st:
                        procs[int(d)] = st
            for pid, (comm, ppid, ticks, _) in procs.items():
                if comm != "sshd" or pid in roots:
                    continue
                if pid in seen:
                    continue
                p, hops = ppid, 0
                while p in procs and p not in roots and hops < 20:
                    p, hops = procs[p][1], hops + 1
                if p in roots:
                    seen[pid] = [p, ticks]
        for pid, v in seen.items():
            st = stat(pid)
            if st and st[0] == "sshd":
                v[1] = st[2]
        time.sleep(0.01)
    sums = {r: 0 for r in roots}
    for root, ticks in seen.values():
        sums[root] += ticks
    with open(out, "w") as f:
        for r in roots:
            f.write("%d %d\n" % (r, sums[r]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

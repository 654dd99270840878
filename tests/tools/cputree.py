#!/usr/bin/python3
"""cputree.py: bench helper: wall time and CPU of a command and everything it
starts.

    cputree.py OUTFILE -- CMD...

Becomes a child subreaper (prctl PR_SET_CHILD_SUBREAPER), runs CMD with this
process's stdin and stdout, waits for CMD and then for every descendant that
was left over (an ssh ProxyCommand, say), and writes one line to OUTFILE:

    WALL_SECONDS USER_SECONDS SYSTEM_SECONDS

the CPU being getrusage(RUSAGE_CHILDREN): CMD's whole process tree, this
wrapper not counted. Exits with CMD's status. Only for scripts/bench.
"""
import ctypes
import os
import resource
import sys
import time

PR_SET_CHILD_SUBREAPER = 36


def main(argv):
    if len(argv) < 4 or argv[2] != "--":
        print("usage: cputree.py OUTFILE -- CMD...", file=sys.stderr)
        return 2
    out, cmd = argv[1], argv[3:]
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    t0 = time.monotonic()
    pid = os.fork()
    if pid == 0:
        try:
            os.execvp(cmd[0], cmd)
        finally:
            os._exit(127)
    rc = 1
    while True:
        try:
            p, st = os.wait()
        except ChildProcessError:
            break
        except InterruptedError:
            continue
        if p == pid:
            rc = os.waitstatus_to_exitcode(st)
            t1 = time.monotonic()
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    with open(out, "w") as f:
        f.write("%.4f %.3f %.3f\n" % (t1 - t0, ru.ru_utime, ru.ru_stime))
    return rc if rc >= 0 else 128 - rc


if __name__ == "__main__":
    sys.exit(main(sys.argv))

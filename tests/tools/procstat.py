"""procstat.py: bench helpers' reading of /proc/PID/stat (imported, not run).

stat(pid) -> (comm, ppid, ticks, start) or None when the process is gone:
its program name, its parent, its utime+stime and its start time (clock
ticks since boot). The name is cut at its last ")" since it may hold any
character. Only for tests/tools: never installed.
"""


def stat(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            s = f.read()
    except OSError:
        return None
    comm = s[s.index("(") + 1:s.rindex(")")]
    rest = s[s.rindex(")") + 2:].split()
    # rest[0] state, rest[1] ppid, rest[11] utime, rest[12] stime,
    # rest[19] starttime
    return comm, int(rest[1]), int(rest[11]) + int(rest[12]), int(rest[19])

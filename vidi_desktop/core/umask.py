"""The process umask, for files written through ``mkstemp`` (which creates them 0600).

New files get ``0666 & ~umask``, like any file a program creates with ``open``.
"""

from __future__ import annotations


def current_umask() -> int:
    """The process umask, read without ``os.umask(0)`` (which races with other threads)."""
    try:
        with open("/proc/self/status", encoding="ascii", errors="replace") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    return 0o022

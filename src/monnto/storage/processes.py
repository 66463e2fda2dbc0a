"""Whether a process that left a lock, a lease or a half-written folder is still running."""
from __future__ import annotations

import os

__all__ = ["pid_alive"]


def pid_alive(pid: int) -> bool:
    """True unless process ``pid`` of this host has certainly ended (always True off POSIX)."""
    if os.name != "posix":  # os.kill(pid, 0) would signal the process there
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True
    return True

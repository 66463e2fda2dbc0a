"""How much memory the machine has left, to refuse impossible allocations early."""
from __future__ import annotations

import os

__all__ = ["available_memory"]


def available_memory() -> int | None:
    """Bytes of memory available for new allocations, or None when unknown.

    ``MemAvailable`` of ``/proc/meminfo`` (Linux), else the free physical
    pages (``os.sysconf``). Tests replace this function to simulate a small
    machine.
    """
    try:
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return int(os.sysconf("SC_AVPHYS_PAGES")) * int(os.sysconf("SC_PAGE_SIZE"))
    except (AttributeError, ValueError, OSError):
        return None

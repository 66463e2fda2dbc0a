"""Run the user's script once, in a fresh process, with a genome and a timeout.

The script is started as ``python SCRIPT`` with its genome in the
environment (``MONNTO_GENOME``, JSON), the score file it must write through
:func:`~monnto.evolution.score.set_score` (``MONNTO_SCORE_FILE``), and the
evolution's name, the individual's id and generation and its run folder. Its
output goes to ``output.log`` in the run folder. The process runs in its own
session so that a timeout kills it and everything it started.
"""
from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from monnto.core.errors import bad_value
from monnto.core.genome import GENOME_ENV_VAR
from monnto.evolution.score import (
    GENERATION_ENV_VAR,
    ID_ENV_VAR,
    NAME_ENV_VAR,
    RUN_FOLDER_ENV_VAR,
    SCORE_FILE_ENV_VAR,
    read_score_file,
)

#: Characters of the script's output kept in a failure message.
ERROR_TAIL_CHARS = 2000

#: Seconds one evaluation may run when no timeout is given (``math.inf``: no limit).
DEFAULT_TIMEOUT_S = 3600.0


def check_timeout(timeout: Any, owner: str = "Evolution") -> float:
    """Return ``timeout`` as seconds: None gives :data:`DEFAULT_TIMEOUT_S`; else a number > 0 (inf: no limit)."""
    if timeout is None:
        return DEFAULT_TIMEOUT_S
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or math.isnan(timeout) or timeout <= 0:
        raise bad_value(owner, "timeout", timeout, "a positive number of seconds (math.inf: no limit; "
                        f"None: the default {DEFAULT_TIMEOUT_S:g} s)")
    return float(timeout)


@dataclass
class EvaluationResult:
    """What one evaluation gave: a score, or a failure with its reason."""

    score: float | None
    info: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    failure: str | None = None  # 'crash', 'timeout', 'no_score', 'bad_score'
    duration: float = 0.0  # s

    @property
    def ok(self) -> bool:
        """True when the script ran and reported a finite score."""
        return self.error is None


def package_root() -> str:
    """The folder that holds the ``monnto`` package (put on a child's ``PYTHONPATH``)."""
    import monnto

    return os.path.dirname(os.path.dirname(os.path.abspath(monnto.__file__)))


def _tail(path: str, chars: int = ERROR_TAIL_CHARS) -> str:
    try:
        with open(path, "rb") as handle:
            handle.seek(0, os.SEEK_END)
            size = handle.tell()
            handle.seek(max(0, size - chars))
            return handle.read().decode("utf-8", errors="replace").strip()
    except OSError:
        return ""


def die_with_parent() -> None:
    """In a child process (``preexec_fn``): ask Linux to kill it when its parent dies."""
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        except OSError:
            pass


#: Keyword arguments that start a child in its own process group, dying with its parent (POSIX).
CHILD_OPTIONS: dict[str, Any] = (
    {"start_new_session": True, "preexec_fn": die_with_parent} if os.name == "posix" else {}
)


def _kill_group(process: subprocess.Popen, grace: float = 1.0) -> None:
    if os.name != "posix":  # no process groups: end the script itself
        process.kill()
        process.wait()
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except (ProcessLookupError, PermissionError):
        return
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        process.wait()


def run_script(
    script: str,
    genome: dict[str, Any],
    run_folder: str,
    *,
    timeout: float | None = DEFAULT_TIMEOUT_S,
    name: str = "",
    individual_id: int = 0,
    generation: int = 0,
    cwd: str | None = None,
    python: str | None = None,
    extra_env: dict[str, str] | None = None,
    poll: float = 0.05,
    on_wait: Any = None,
    clock: Callable[[], float] = time.monotonic,
) -> EvaluationResult:
    """Run ``script`` once with ``genome`` and return its score or the reason it failed.

    Parameters
    ----------
    script : str
        Path of the Python script (it calls ``get_gene`` and ``set_score``).
    genome : dict
        ``{gene: value}`` passed as ``MONNTO_GENOME``.
    run_folder : str
        Folder of this evaluation; receives ``output.log`` and ``score.json``.
    timeout : float, optional
        Wall-clock limit in seconds (default :data:`DEFAULT_TIMEOUT_S`, one
        hour; None also gives the default, ``math.inf`` no limit); past it
        the process group is killed and the result is a ``'timeout'`` failure.
    name, individual_id, generation
        Passed to the script as ``MONNTO_EVOLUTION_NAME``/``_ID``/``_GENERATION``.
    cwd : str, optional
        Working directory of the script (default: this process's).
    python : str, optional
        Interpreter (default: this one).
    extra_env : dict, optional
        More environment variables for the script.
    poll : float
        Seconds between checks of the process.
    on_wait : callable, optional
        Called with no argument at every poll (used for heartbeats).
    clock : callable
        Monotonic clock in seconds that measures the timeout (injected by tests).
    """
    timeout = check_timeout(timeout, "run_script")
    if not os.path.isfile(script):
        return EvaluationResult(None, error=f"script {script!r} does not exist", failure="crash")
    os.makedirs(run_folder, exist_ok=True)
    score_file = os.path.join(run_folder, "score.json")
    if os.path.exists(score_file):
        os.unlink(score_file)
    env = dict(os.environ)
    env.update(extra_env or {})
    root = package_root()
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH", "")) if p)
    env[GENOME_ENV_VAR] = json.dumps(genome)
    env[SCORE_FILE_ENV_VAR] = score_file
    env[NAME_ENV_VAR] = str(name)
    env[ID_ENV_VAR] = str(individual_id)
    env[GENERATION_ENV_VAR] = str(generation)
    env[RUN_FOLDER_ENV_VAR] = run_folder
    env.setdefault("MPLBACKEND", "Agg")
    log_path = os.path.join(run_folder, "output.log")
    start = clock()
    started = time.monotonic()
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [python or sys.executable, os.path.abspath(script)],
            cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            **CHILD_OPTIONS,
        )
        timed_out = False
        try:
            while process.poll() is None:
                if clock() - start > timeout:
                    timed_out = True
                    _kill_group(process)
                    break
                if on_wait is not None:
                    on_wait()
                time.sleep(poll)
        except BaseException:
            _kill_group(process, grace=0.2)
            raise
    duration = time.monotonic() - started
    if timed_out:
        who = f"individual {individual_id} (generation {generation})" + (f" of evolution {name!r}" if name else "")
        return EvaluationResult(None, error=f"timeout: {who} ran past timeout={timeout:g} s and was killed; "
                                "give a larger timeout (Evolution(timeout=...), --timeout) if it needs longer",
                                failure="timeout", duration=duration)
    code = process.returncode
    if code != 0:
        reason = f"signal {-code}" if code < 0 else f"exit code {code}"
        return EvaluationResult(None, error=f"crash: the script ended with {reason}:\n{_tail(log_path)}",
                                failure="crash", duration=duration)
    if not os.path.exists(score_file):
        return EvaluationResult(None, error="no score: the script finished without calling set_score()",
                                failure="no_score", duration=duration)
    try:
        score, info = read_score_file(score_file)
    except (OSError, ValueError, KeyError) as err:
        return EvaluationResult(None, error=f"bad score file {score_file!r}: {err}", failure="bad_score",
                                duration=duration)
    if not math.isfinite(score):
        return EvaluationResult(None, info, error=f"bad score: set_score() got {score}", failure="bad_score",
                                duration=duration)
    return EvaluationResult(score, info, duration=duration)

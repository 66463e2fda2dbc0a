"""The master's own workers: local processes and tasks on a Dask cluster.

Local workers are ``python -m monnto.evolution worker`` processes that die
with the master (``PR_SET_PDEATHSIG`` on Linux) and stop by themselves when
the master goes (``--parent-pid``); they run the master's script, named on
their command line (``--script``), never one named by the storage. Their
output goes to ``<Data>/StorageManager/<name>/worker-<i>.log``. With ``devices['dask']``
the master submits long-running worker tasks to an existing Dask scheduler;
no ssh code of our own.
"""
from __future__ import annotations

import logging
import os
import subprocess
import sys
import time
from typing import TYPE_CHECKING, Any

from monnto.evolution.executor import die_with_parent, package_root

if TYPE_CHECKING:
    from monnto.evolution.evolution import Evolution

_logger = logging.getLogger("monnto.evolution")


class WorkerPool:
    """The master's own workers: local processes and Dask tasks (``evolution`` is the master)."""

    def __init__(self, evolution: Evolution):
        self.evolution = evolution
        self.processes: list[subprocess.Popen] = []
        self.respawns = 0
        self.client = None
        self.futures: list[Any] = []
        self.logs: list[Any] = []

    def _command(self, index: int) -> list[str]:
        evo = self.evolution
        return [sys.executable, "-m", "monnto.evolution", "worker", "--storage", evo.storage_url,
                "--name", evo.name, "--script", evo.slave_file, "--data-folder", evo.data_folder, "--parent-pid", str(os.getpid()),
                "--index", str(index), "--poll", str(min(evo.poll_interval, 0.5))]

    def _spawn(self, index: int) -> subprocess.Popen:
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (package_root(), env.get("PYTHONPATH", "")) if p)
        os.makedirs(self.evolution.folder, exist_ok=True)
        log = open(os.path.join(self.evolution.folder, f"worker-{index}.log"), "ab")  # noqa: SIM115
        self.logs.append(log)
        return subprocess.Popen(self._command(index), env=env, stdin=subprocess.DEVNULL, stdout=log,
                                stderr=subprocess.STDOUT,
                                preexec_fn=die_with_parent if os.name == "posix" else None)

    def launch(self) -> None:
        devices = self.evolution.devices
        self.processes = [self._spawn(i) for i in range(devices["processes"])]
        if devices.get("dask"):
            from distributed import Client

            from monnto.evolution.worker import run_worker

            self.client = Client(devices["dask"])
            count = devices.get("workers") or sum(self.client.nthreads().values())
            evo = self.evolution
            self.futures = [
                self.client.submit(run_worker, evo.storage_url, evo.name, evo.slave_file, worker_index=100 + i,
                                   pure=False,
                                   key=f"monnto-evolution-{evo.name}-{i}-{os.getpid()}-{time.time_ns()}")
                for i in range(count)
            ]

    def keep_alive(self) -> None:
        """Start a new local worker in place of one that died (at most twice the count in all).

        Raises RuntimeError when every local worker has died and none may be
        started again (and no Dask workers serve the evolution).
        """
        for index, process in enumerate(self.processes):
            if process.poll() is not None and self.respawns < 2 * max(1, len(self.processes)):
                _logger.warning("evolution %r: local worker %d ended with code %s; starting another",
                                self.evolution.name, index, process.returncode)
                self.respawns += 1
                self.processes[index] = self._spawn(index)
        if self.processes and self.client is None and all(p.poll() is not None for p in self.processes):
            log = os.path.join(self.evolution.folder, "worker-0.log")
            with open(log, "rb") as handle:
                tail = handle.read()[-1500:].decode("utf-8", errors="replace")
            raise RuntimeError(f"Evolution {self.evolution.name!r}: every local worker died, "
                               f"{self.respawns} restarts included; the last lines of {log}:\n{tail}")

    def shutdown(self, wait: float) -> None:
        deadline = time.monotonic() + wait
        for process in self.processes:
            try:
                process.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        for log in self.logs:
            log.close()
        if self.client is not None:
            from distributed import wait as dask_wait

            dask_wait(self.futures, timeout=max(1.0, deadline - time.monotonic()))
            self.client.close()

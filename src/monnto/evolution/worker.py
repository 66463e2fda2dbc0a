"""An evolution worker: takes individuals from the shared storage, evaluates them, reports.

Any number of workers, on any machines that reach the storage, may serve one
evolution (``monnto evolve worker --storage URL --name NAME --script PATH``).
A worker runs only the script given to it (its command line, or the master's
launcher and Dask path, which pass the master's script): the storage is data
that others may write, so the script path it names is only compared with the
worker's own, and a difference is an error, never a reason to run that file. With the
paper's algorithm a worker claims a waiting trial (the master enqueues whole
generations; claiming is atomic in the storage, so every individual is
evaluated once); with Optuna's samplers it asks the study for a new trial.
While the script runs, the worker writes a heartbeat to the trial so the
master can tell a lost worker from a slow one.
"""
from __future__ import annotations

import json
import logging
import math
import os
import socket
import time
from typing import Any

import optuna
from optuna.exceptions import UpdateFinishedTrialError
from optuna.storages import BaseStorage
from optuna.trial import TrialState

from monnto.core.errors import ConfigurationError, bad_value, short_repr
from monnto.evolution.config import Constraints, get_data_folder, open_run
from monnto.evolution.executor import EvaluationResult, check_timeout, run_script
from monnto.evolution.lease import pid_alive, this_process
from monnto.evolution.sampler import (
    ERROR_ATTR,
    FAILURE_KIND_ATTR,
    GENERATION_ATTR,
    ORIGIN_ATTR,
    SLOT_ATTR,
    gene_distributions,
    make_optuna_sampler,
)
from monnto.evolution.study import (
    FINISHED_ATTR,
    HEARTBEAT_ATTR,
    STOP_ATTR,
    WORKER_ATTR,
    WORKER_PROCESS_ATTR,
    load_study,
    open_storage,
    pop_waiting,
    quiet_optuna,
    read_config,
)

_logger = logging.getLogger("monnto.evolution")


def config_types(config: dict[str, Any]) -> dict[str, type]:
    """Gene types from a stored config (``{'a': 'float'}`` -> ``{'a': float}``)."""
    return {k: int if v == "int" else float for k, v in config["gene_types"].items()}


def counted_trials(study: optuna.Study) -> int:
    """Evaluations that count against the budget (not infeasible draws, not lost workers)."""
    count = 0
    for trial in study.get_trials(deepcopy=False):
        if GENERATION_ATTR not in trial.user_attrs:
            continue
        if trial.state == TrialState.FAIL and trial.user_attrs.get(FAILURE_KIND_ATTR) in ("infeasible", "lost"):
            continue
        count += 1
    return count


def _same_file(stored: Any, own: str) -> bool:
    """True when the stored script path names ``own`` (compared as real paths; never opened)."""
    if not isinstance(stored, str) or not stored:
        return False
    try:
        return os.path.realpath(stored) == os.path.realpath(own)
    except (ValueError, OSError):  # a NUL byte, a path too long: not this worker's script
        return False


class Worker:
    """Evaluate the individuals of evolution ``name`` in ``storage`` until it finishes.

    Parameters
    ----------
    storage : str or BaseStorage
        Journal file path or database URL of the evolution.
    name : str
        The evolution's name.
    script : str
        Path of the script this worker runs (required). The evolution's
        stored script path must name the same file, else the worker refuses
        to start (the storage never chooses the code that runs).
    ignore_stored_script : bool
        Run ``script`` even when the stored path names another file (e.g.
        the same script under another mount point on this machine).
    data_folder : str, optional
        ``Data`` folder for the run folders (default: the stored one if it
        exists here, else the nearest ``Data`` above the working directory).
    poll : float
        Seconds between looks for work.
    wait_for_study : float
        Seconds to wait for the evolution to be created and its settings
        written (at least 2 s are given to a study found without settings).
    max_evaluations : int, optional
        Stop after this many evaluations.
    parent_pid : int, optional
        Stop when that process is gone (local workers of a master).
    worker_index : int
        Number of this worker; with Optuna's samplers it offsets the seed,
        so give parallel workers different numbers (``--index``).
    timeout : float, optional
        Seconds one evaluation may run (default: the evolution's stored
        timeout, else :data:`~monnto.evolution.executor.DEFAULT_TIMEOUT_S`).
    """

    def __init__(
        self,
        storage: str | BaseStorage,
        name: str,
        *,
        script: str | None = None,
        ignore_stored_script: bool = False,
        data_folder: str | None = None,
        poll: float = 0.2,
        wait_for_study: float = 30.0,
        max_evaluations: int | None = None,
        parent_pid: int | None = None,
        worker_index: int = 0,
        timeout: float | None = None,
    ):
        who = f"Evolution worker for {name!r}"
        if not isinstance(script, (str, os.PathLike)) or not os.fspath(script):
            raise bad_value(who, "script", script, "the path of the script this worker runs",
                            hint="a worker never runs a script named by the shared storage; "
                                 "pass --script PATH (Worker(script=...))")
        self.script = os.path.abspath(os.fspath(script))
        if not os.path.isfile(self.script):
            raise FileNotFoundError(f"{who}: script {self.script!r} does not exist on this machine")
        quiet_optuna()
        self.storage = open_storage(storage)
        self.name = name
        started = time.monotonic()
        self.study = load_study(self.storage, name, wait=wait_for_study)
        self.config = read_config(self.study, wait=max(2.0, wait_for_study - (time.monotonic() - started)))
        stored_script = self.config.get("script")
        if not ignore_stored_script and not _same_file(stored_script, self.script):
            raise ConfigurationError(
                f"{who}: the evolution's storage names the script {short_repr(stored_script, 200)}, but this worker was "
                f"given --script {self.script!r}; a worker runs only its own script and refuses to serve an "
                "evolution of another one. Check the storage and --name; if both paths are the same script "
                "(another mount point), pass --ignore-stored-script"
            )
        self.timeout = check_timeout(timeout if timeout is not None else self.config.get("timeout"),
                                     f"{who} (stored config)" if timeout is None else who)
        stored = self.config.get("data_folder")
        self.data_folder = data_folder or (stored if stored and os.path.isdir(stored) else get_data_folder())
        self.poll = poll
        self.max_evaluations = max_evaluations
        self.parent_pid = parent_pid
        self.worker_id = f"{socket.gethostname()}:{os.getpid()}:{worker_index}"
        self.process = this_process()
        self.evaluated = 0
        types = config_types(self.config)
        self.distributions = gene_distributions(types, self.config.get("gene_ranges"))
        self.constraints = Constraints(self.config.get("constraints", []), types)
        self._optuna_study: optuna.Study | None = None
        if self.config["algorithm"] != "paper":
            sampler = make_optuna_sampler(
                self.config["algorithm"], self.config["individual_count"],
                int(self.config["seed"]) + 7919 * worker_index,
                self.config["start_genomes"][0],
            )
            self._optuna_study = optuna.load_study(study_name=name, storage=self.storage, sampler=sampler)

    # ---- claiming work ---------------------------------------------------
    def _should_stop(self) -> bool:
        if self.parent_pid is not None and not pid_alive(self.parent_pid):
            return True
        if self.max_evaluations is not None and self.evaluated >= self.max_evaluations:
            return True
        attrs = self.study.user_attrs
        return bool(attrs.get(FINISHED_ATTR) or attrs.get(STOP_ATTR))

    def _ask(self) -> int | None:
        study = self._optuna_study
        assert study is not None
        budget = self.config["individual_count"] * self.config["generations"]
        for _ in range(100):
            done = counted_trials(study)
            if done >= budget:
                return None
            trial = study.ask()
            genome = {name: (trial.suggest_int(name, d.low, d.high) if isinstance(d, optuna.distributions.IntDistribution)
                             else trial.suggest_float(name, d.low, d.high))
                      for name, d in self.distributions.items()}
            trial.set_user_attr(GENERATION_ATTR, done // self.config["individual_count"])
            trial.set_user_attr(SLOT_ATTR, done % self.config["individual_count"])
            trial.set_user_attr(ORIGIN_ATTR, self.config["algorithm"])
            broken = self.constraints.violated(genome)
            if not broken:
                return trial._trial_id
            trial.set_user_attr(FAILURE_KIND_ATTR, "infeasible")
            trial.set_user_attr(ERROR_ATTR, f"infeasible: breaks {broken}; not evaluated")
            study.tell(trial, state=TrialState.FAIL)
        raise RuntimeError(f"Evolution worker: 100 draws in a row broke the constraints "
                           f"{self.constraints.expressions}; give gene_ranges that fit them")

    def claim(self) -> int | None:
        """Claim one trial to evaluate; return its id, or None when there is none now."""
        if self.config["algorithm"] == "paper":
            return pop_waiting(self.study)
        return self._ask()

    # ---- evaluating ------------------------------------------------------
    def evaluate(self, trial_id: int) -> EvaluationResult:
        """Evaluate claimed trial ``trial_id`` and report the result to the storage."""
        storage = self.storage
        trial = storage.get_trial(trial_id)
        storage.set_trial_system_attr(trial_id, WORKER_ATTR, self.worker_id)
        storage.set_trial_system_attr(trial_id, WORKER_PROCESS_ATTR, self.process)
        beats = [0, -math.inf]  # the first beat is written at once
        interval = float(self.config.get("heartbeat_interval", 1.0))

        def heartbeat() -> None:
            now = time.monotonic()
            if now - beats[1] >= interval:
                beats[0] += 1
                beats[1] = now
                try:
                    storage.set_trial_system_attr(trial_id, HEARTBEAT_ATTR, f"{self.worker_id}#{beats[0]}")
                except UpdateFinishedTrialError:
                    pass

        heartbeat()
        folder, run = open_run(self.data_folder, self.name, trial.number)
        genome = dict(trial.params)
        generation = int(trial.user_attrs.get(GENERATION_ATTR, 0))
        params = {"evolution": self.name, "id": trial.number, "generation": generation,
                  "genome": genome, **genome}
        self._save_params(folder, run, params)
        try:
            storage.set_trial_user_attr(trial_id, "run_folder", folder)
            storage.set_trial_user_attr(trial_id, "worker", self.worker_id)
        except UpdateFinishedTrialError:
            pass
        result = run_script(
            self.script, genome, folder, timeout=self.timeout, name=self.name,
            individual_id=trial.number, generation=generation, cwd=self.config.get("cwd"),
            on_wait=heartbeat,
        )
        params.update(score=result.score, error=result.error, failure=result.failure,
                      duration_s=round(result.duration, 3), info=json.loads(json.dumps(result.info, default=str)))
        self._save_params(folder, run, params)
        if run is not None and result.ok:
            run.finish()
        self._report(trial_id, trial.number, result)
        self.evaluated += 1
        return result

    @staticmethod
    def _save_params(folder: str, run: Any, params: dict[str, Any]) -> None:
        if run is not None:
            run.save_param_dict(params)
            return
        tmp = os.path.join(folder, ".params.json.tmp")
        with open(tmp, "w", encoding="utf-8") as handle:
            json.dump(params, handle, default=str)
        os.replace(tmp, os.path.join(folder, "params.json"))

    def _report(self, trial_id: int, number: int, result: EvaluationResult) -> None:
        storage = self.storage
        try:
            storage.set_trial_user_attr(trial_id, "duration_s", round(result.duration, 3))
            if result.info:
                storage.set_trial_user_attr(trial_id, "info", json.loads(json.dumps(result.info, default=str)))
            if result.ok:
                self.study.tell(number, result.score)
            else:
                storage.set_trial_user_attr(trial_id, FAILURE_KIND_ATTR, result.failure)
                storage.set_trial_user_attr(trial_id, ERROR_ATTR, result.error)
                self.study.tell(number, state=TrialState.FAIL)
                _logger.warning("evolution %s: individual %d failed: %s", self.name, number,
                                (result.error or "").splitlines()[0])
        except UpdateFinishedTrialError:
            _logger.warning("evolution %s: individual %d was declared lost before its result came; "
                            "the result stays in its run folder", self.name, number)

    def run(self) -> int:
        """Evaluate until the evolution finishes or stops; return the number of evaluations."""
        while not self._should_stop():
            trial_id = self.claim()
            if trial_id is None:
                time.sleep(self.poll)
                continue
            self.evaluate(trial_id)
        return self.evaluated


def run_worker(storage: str, name: str, script: str, **kwargs: Any) -> int:
    """Run one :class:`Worker` of ``script`` until the evolution ends; return its evaluation count (Dask task)."""
    return Worker(storage, name, script=script, **kwargs).run()

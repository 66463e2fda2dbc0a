"""The evolution master: settings, generations, workers, recovery.

``Evolution(name, slave_file, ...)`` checks every argument, then ``start()``
creates the Optuna study (the single source of truth), enqueues generation
0, starts the workers (local processes and/or tasks on a Dask cluster; any
machine may add ``monnto evolve worker`` processes), and builds each next
generation when the current one is evaluated. Workers whose heartbeat stops
have their trial marked failed ("lost") and the individual is queued again;
a script that crashes, hangs past ``timeout`` or never calls ``set_score``
marks its trial failed with the reason and the search goes on.
``continue_evolution()`` picks up from the storage after a stop or a crash.
"""
from __future__ import annotations

import importlib.util
import logging
import math
import os
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import optuna
from optuna.exceptions import UpdateFinishedTrialError
from optuna.trial import FrozenTrial, TrialState, create_trial

from monnto.core.errors import ConfigurationError, MonntoValueError, UnsafeLoadError
from monnto.evolution.config import (
    ALGORITHMS,
    Constraints,
    check_fraction,
    check_genomes,
    check_name,
    check_positive_int,
    default_storage_path,
    evolution_folder,
    get_data_folder,
)
from monnto.evolution.executor import DEFAULT_TIMEOUT_S, check_timeout
from monnto.evolution.launcher import WorkerPool
from monnto.evolution.lease import LEASE_GRACE_S, MasterLease, holder_gone
from monnto.evolution.sampler import (
    ATTEMPT_ATTR,
    ERROR_ATTR,
    FAILURE_KIND_ATTR,
    GENERATION_ATTR,
    MATE_CHANCE_ATTR,
    ORIGIN_ATTR,
    PARENTS_ATTR,
    Individual,
    PaperSampler,
    gene_distributions,
    individual_attrs,
    latest_by_slot,
)
from monnto.evolution.study import (
    CONFIG_ATTR,
    FINISHED_ATTR,
    HEARTBEAT_ATTR,
    STOP_ATTR,
    WORKER_ATTR,
    WORKER_PROCESS_ATTR,
    load_study,
    open_existing,
    open_storage,
    quiet_optuna,
    read_config,
    storage_url,
    study_exists,
    summarize,
)
from monnto.evolution.worker import counted_trials

_logger = logging.getLogger("monnto.evolution")

_DEVICE_KEYS = ("processes", "dask", "workers")


def _check_devices(devices: Mapping[str, Any] | None) -> dict[str, Any]:
    devices = dict({"processes": 1} if devices is None else devices)
    unknown = set(devices) - set(_DEVICE_KEYS)
    if unknown:
        raise MonntoValueError(f"Evolution: devices has unknown keys {sorted(unknown)}; expected {list(_DEVICE_KEYS)}")
    devices["processes"] = check_positive_int(devices.get("processes", 0), "devices['processes']", minimum=0)
    if devices.get("workers") is not None:
        check_positive_int(devices["workers"], "devices['workers']")
    if devices.get("dask") is not None and not isinstance(devices["dask"], str):
        raise MonntoValueError(f"Evolution: devices['dask'] must be a scheduler address like "
                               f"'tcp://host:8786', got {devices['dask']!r}")
    return devices


class Evolution:
    """A search over the genes of a script, run by workers that share one Optuna storage.

    Parameters
    ----------
    name : str
        Name of the evolution: the study's name and the folder
        ``<Data>/StorageManager/<name>`` of its runs (no path characters).
    slave_file : str
        The script evaluated for each individual; it reads genes with
        ``get_gene(key, default)`` and reports ``set_score(score)``.
    individual_count : int
        Individuals per generation.
    mutation : float
        Relative standard deviation of a mutation (``sigma = mutation*|gene|``).
    death_rate : float
        Fraction of each generation that dies, in [0, 1).
    constraints : list of str
        Expressions over genes every individual satisfies (``'b>=a'``).
    start_genomes : list of dict
        The first individuals; they define the genes (int or float).
    devices : dict
        ``{'processes': k}`` local worker processes (0: only outside
        workers), ``{'dask': 'tcp://host:8786', 'workers': k}`` k worker tasks
        on a Dask cluster; both may be given.
    generations : int or None
        Generations to evaluate (None: until :meth:`stop`). For Optuna's
        samplers the budget is ``generations * individual_count`` trials.
    algorithm : str
        ``'paper'`` (default), or Optuna's ``'nsga2'``, ``'cmaes'``, ``'tpe'``,
        ``'random'``.
    gene_ranges : dict, optional
        ``{gene: (low, high)}``. The paper's algorithm treats them as
        constraints; Optuna's samplers need them (default: ``[v - 2|v|,
        v + 2|v|]`` around the first start genome, ``[-1, 1]`` for 0).
    timeout : float, optional
        Seconds one evaluation may run before it is killed and its trial
        failed with a message naming the timeout and the individual
        (default, and with None: :data:`~monnto.evolution.executor.DEFAULT_TIMEOUT_S`,
        one hour; ``math.inf``: no limit).
    seed : int, optional
        Seed of the search (drawn once and stored when None).
    storage : str, optional
        Journal file path or database URL (default:
        ``<Data>/StorageManager/<name>/evolution.journal``).
    data_folder : str, optional
        The ``Data`` folder (default: the nearest one above the working
        directory, created if missing).
    max_retries : int
        How often an individual whose worker was lost is evaluated again.
    heartbeat_interval, heartbeat_grace : float
        Seconds between a worker's heartbeats, and without one before its
        trial counts as lost.
    poll_interval : float
        Seconds between the master's looks at the storage.
    progress : bool or callable
        Print a progress line to stderr on change (True), call
        ``progress(status_dict)``, or stay silent (False).
    cwd : str, optional
        Working directory of the scripts (default: the worker's).
    lease_grace : float
        Seconds the master's lease on the study stays valid without renewal
        (:class:`~monnto.evolution.lease.MasterLease`): a second master on
        the same study is refused while the first one's lease is fresh; the
        lease of a master that died on this host is broken at once.

    Notes
    -----
    The storage is data: workers run only the script they are given
    (``--script``; the master's own workers get ``slave_file``), never the
    path the storage names. :meth:`load` reads the stored path only to
    show status; to run it, pass ``slave_file`` or ``trusted=True``.
    """

    def __init__(
        self,
        name: str,
        slave_file: str,
        individual_count: int = 10,
        mutation: float = 0.4,
        death_rate: float = 0.5,
        constraints: Sequence[str] = (),
        start_genomes: Sequence[Mapping[str, Any]] = (),
        devices: Mapping[str, Any] | None = None,
        *,
        generations: int | None = 10,
        algorithm: str = "paper",
        gene_ranges: Mapping[str, Sequence[float]] | None = None,
        timeout: float | None = None,
        seed: int | None = None,
        storage: str | os.PathLike | None = None,
        data_folder: str | None = None,
        max_retries: int = 1,
        heartbeat_interval: float = 1.0,
        heartbeat_grace: float = 10.0,
        poll_interval: float = 0.2,
        progress: bool | Callable[[dict[str, Any]], None] = True,
        cwd: str | None = None,
        lease_grace: float = LEASE_GRACE_S,
    ):
        self.name = check_name(name)
        if slave_file is None or not os.path.isfile(os.fspath(slave_file)):
            raise FileNotFoundError(f"Evolution {name!r}: slave_file {slave_file!r} does not exist")
        self.slave_file = os.path.abspath(os.fspath(slave_file))
        self.individual_count = check_positive_int(individual_count, "individual_count")
        if isinstance(mutation, bool) or not isinstance(mutation, (int, float)) or not 0 <= mutation < math.inf:
            raise MonntoValueError(f"Evolution: mutation must be a finite number >= 0, got {mutation!r}")
        self.mutation = float(mutation)
        self.death_rate = check_fraction(death_rate, "death_rate")
        if self.death_rate >= 1.0:
            raise MonntoValueError(f"Evolution: death_rate must be below 1 (someone must survive), got {death_rate!r}")
        self.start_genomes, self.gene_types = check_genomes(start_genomes)
        self.constraints = Constraints(constraints, self.gene_types)
        self.devices = _check_devices(devices)
        if generations is not None:
            check_positive_int(generations, "generations")
        self.generations = generations
        if algorithm not in ALGORITHMS:
            raise MonntoValueError(f"Evolution: algorithm {algorithm!r} is unknown; expected one of {ALGORITHMS}")
        self.algorithm = algorithm
        if algorithm == "cmaes" and importlib.util.find_spec("cmaes") is None:
            raise ImportError("Evolution: algorithm 'cmaes' needs the package cmaes (pip install cmaes)")
        if algorithm != "paper" and generations is None:
            raise MonntoValueError(f"Evolution: algorithm {algorithm!r} needs a number of generations (the trial budget)")
        if gene_ranges is None and algorithm != "paper":
            gene_ranges = {}
            for gene, value in self.start_genomes[0].items():
                half = 2.0 * abs(value) if value else 1.0
                gene_ranges[gene] = (value - half, value + half)
        self.gene_ranges = {k: (float(v[0]), float(v[1])) for k, v in (gene_ranges or {}).items()}
        self.distributions = gene_distributions(self.gene_types, self.gene_ranges)
        self.timeout = check_timeout(timeout, f"Evolution {name!r}")
        self._explicit_seed = seed is not None
        if seed is None:
            seed = int(np.random.SeedSequence().entropy % (2**31))
        self.seed = int(seed)
        self.max_retries = check_positive_int(max_retries, "max_retries", minimum=0)
        if not 0 < heartbeat_interval * 2 <= heartbeat_grace:
            raise MonntoValueError(f"Evolution: heartbeat_grace ({heartbeat_grace!r} s) must be at least twice "
                                   f"heartbeat_interval ({heartbeat_interval!r} s), both positive")
        self.heartbeat_interval = float(heartbeat_interval)
        self.heartbeat_grace = float(heartbeat_grace)
        self.poll_interval = float(poll_interval)
        self.progress = progress
        self.cwd = None if cwd is None else os.path.abspath(cwd)
        if isinstance(lease_grace, bool) or not isinstance(lease_grace, (int, float)) or not (
                2 * self.poll_interval < lease_grace < math.inf):
            raise MonntoValueError(f"Evolution {name!r}: lease_grace must be a number of seconds above twice "
                                   f"poll_interval ({self.poll_interval:g} s), got {lease_grace!r}")
        self.lease_grace = float(lease_grace)
        self._script_trusted = True  # False when load() took the script path from the storage
        self.sampler = PaperSampler(
            self.gene_types, self.individual_count, self.mutation, self.death_rate, self.constraints,
            self.gene_ranges, self.seed, self.start_genomes,
        )
        self.sampler.initial_population()  # start genomes must satisfy the constraints: fail now
        self.data_folder = os.path.abspath(data_folder) if data_folder else get_data_folder()
        self.storage_url = storage_url(storage or default_storage_path(self.data_folder, self.name))
        self._plans: dict[int, list[Individual]] = {}
        self._beats: dict[int, tuple[Any, float]] = {}
        self._stop_requested = False
        self._last_line = ""
        self._storage = None

    # ---- settings kept in the storage --------------------------------------
    def config(self) -> dict[str, Any]:
        """The settings stored with the study (read by every worker)."""
        return {
            "name": self.name, "script": self.slave_file,
            "gene_types": {k: t.__name__ for k, t in self.gene_types.items()},
            "gene_ranges": {k: list(v) for k, v in self.gene_ranges.items()},
            "start_genomes": self.start_genomes, "constraints": list(self.constraints.expressions),
            "individual_count": self.individual_count, "mutation": self.mutation,
            "death_rate": self.death_rate, "generations": self.generations, "seed": self.seed,
            "timeout": self.timeout, "algorithm": self.algorithm, "data_folder": self.data_folder,
            "heartbeat_interval": self.heartbeat_interval, "max_retries": self.max_retries, "cwd": self.cwd,
        }

    @classmethod
    def load(cls, name: str, storage: str | None = None, data_folder: str | None = None, *,
             trusted: bool = False, **overrides: Any) -> Evolution:
        """Rebuild an :class:`Evolution` from the settings stored with study ``name``.

        Parameters
        ----------
        name, storage, data_folder
            As for :class:`Evolution`.
        trusted : bool
            Allow :meth:`continue_evolution` to run the script path stored
            in the storage. Without it, and without ``slave_file=...``, the
            loaded object shows status, best, plots and can stop the
            evolution, but refuses to start workers (whoever can write the
            storage would choose the code they run).
        **overrides
            Settings that replace the stored ones (``slave_file``,
            ``generations``, ``devices``, ...).
        """
        data_folder = os.path.abspath(data_folder) if data_folder else get_data_folder(create=False)
        url = storage_url(storage or default_storage_path(data_folder, check_name(name)))
        quiet_optuna()
        config = read_config(load_study(open_existing(url, name), name))
        kwargs = dict(
            individual_count=config["individual_count"], mutation=config["mutation"],
            death_rate=config["death_rate"], constraints=config["constraints"],
            start_genomes=config["start_genomes"], generations=config["generations"],
            algorithm=config["algorithm"], gene_ranges=config["gene_ranges"] or None,
            timeout=config["timeout"], seed=config["seed"], storage=url,
            data_folder=config["data_folder"] if os.path.isdir(config["data_folder"]) else data_folder,
            max_retries=config["max_retries"], heartbeat_interval=config["heartbeat_interval"],
            cwd=config.get("cwd"), devices={"processes": 0},
        )
        given = "slave_file" in overrides
        slave_file = overrides.pop("slave_file", config["script"])
        kwargs.update(overrides)
        evolution = cls(name, slave_file, **kwargs)
        evolution._script_trusted = given or bool(trusted)
        return evolution

    @property
    def folder(self) -> str:
        """``<Data>/StorageManager/<name>``: the run folders of this evolution."""
        return evolution_folder(self.data_folder, self.name)

    def _open(self) -> Any:
        if self._storage is None:
            quiet_optuna()
            self._storage = open_storage(self.storage_url)
        return self._storage

    def study(self) -> optuna.Study:
        """The Optuna study of this evolution (it must exist)."""
        return load_study(self._open(), self.name)

    # ---- public control ----------------------------------------------------
    def start(self) -> bool:
        """Create the evolution and run it to the end; False when one of this name exists.

        Returns
        -------
        bool
            True when it ran; False when the storage already holds an
            evolution called ``name`` (then call :meth:`continue_evolution`).
        """
        storage = self._open()
        if study_exists(storage, self.name):
            _logger.warning("evolution %r already exists in %s; call continue_evolution() to resume it",
                            self.name, self.storage_url)
            return False
        try:
            study = optuna.create_study(storage=storage, study_name=self.name, direction="maximize")
        except optuna.exceptions.DuplicatedStudyError:  # another master created it a moment ago
            _logger.warning("evolution %r was just created by another master in %s", self.name, self.storage_url)
            return False
        lease = self._lease(storage)
        study.set_user_attr(CONFIG_ATTR, self.config())
        return self._run(study, lease)

    def continue_evolution(self) -> bool:
        """Resume the stored evolution (after a stop or a crash) and run it to the end.

        Trials already completed are kept and never run again; waiting
        individuals are evaluated, those whose worker was lost are queued
        again. ``generations`` and ``timeout`` of this object replace the
        stored ones, so an evolution can be extended.
        """
        storage = self._open()
        if not study_exists(storage, self.name):
            raise KeyError(f"Evolution: nothing to continue, no evolution named {self.name!r} in {self.storage_url}")
        self._check_script_trusted()
        study = optuna.load_study(study_name=self.name, storage=storage)
        stored = read_config(study)
        if stored["gene_types"] != self.config()["gene_types"] or stored["algorithm"] != self.algorithm:
            raise MonntoValueError(
                f"Evolution {self.name!r}: the stored genes {stored['gene_types']} / algorithm "
                f"{stored['algorithm']!r} differ from this object's; use Evolution.load({self.name!r})"
            )
        lease = self._lease(storage)
        try:
            self._adopt(stored)
            if stored.get("script") != self.slave_file:
                _logger.warning("evolution %r: continuing with the script %s (the storage named %r); outside "
                                "workers must be started with --script for it", self.name, self.slave_file,
                                stored.get("script"))
            stored.update(generations=self.generations, timeout=self.timeout, script=self.slave_file)
            study.set_user_attr(CONFIG_ATTR, stored)
            study.set_user_attr(STOP_ATTR, False)
            study.set_user_attr(FINISHED_ATTR, False)
        except BaseException:
            lease.release()
            raise
        return self._run(study, lease)

    def _check_script_trusted(self) -> None:
        if self._script_trusted or (not self.devices["processes"] and not self.devices.get("dask")):
            return
        raise UnsafeLoadError(
            f"Evolution {self.name!r}: slave_file {self.slave_file!r} was read from the storage "
            f"{self.storage_url}, and a storage is data that must not choose the code workers run; pass "
            f"slave_file=... to Evolution.load (monnto evolve continue --script PATH), or trusted=True "
            "(--trust-stored-script) when you trust everyone who can write that storage"
        )

    def _lease(self, storage: Any) -> MasterLease:
        """Take the master's lease on the study (ConfigurationError when another master holds it)."""
        lease = MasterLease(storage, self.name, grace=self.lease_grace)
        lease.acquire()
        return lease

    def _adopt(self, stored: dict[str, Any]) -> None:
        """Take the stored search settings, so a resumed evolution plans the same generations."""
        mine = self.config()
        keys = ["individual_count", "mutation", "death_rate", "constraints", "start_genomes", "gene_ranges",
                "max_retries"] + (["seed"] if self._explicit_seed else [])
        changed = [k for k in keys if stored.get(k) != mine.get(k)]
        if changed:
            _logger.warning("evolution %r: continuing with the stored %s, not this object's",
                            self.name, ", ".join(changed))
        self.individual_count = int(stored["individual_count"])
        self.mutation = float(stored["mutation"])
        self.death_rate = float(stored["death_rate"])
        self.start_genomes = [dict(g) for g in stored["start_genomes"]]
        self.constraints = Constraints(stored["constraints"], self.gene_types)
        self.gene_ranges = {k: (float(v[0]), float(v[1])) for k, v in (stored.get("gene_ranges") or {}).items()}
        self.distributions = gene_distributions(self.gene_types, self.gene_ranges)
        self.seed = int(stored["seed"])
        self.max_retries = int(stored.get("max_retries", self.max_retries))
        self.sampler = PaperSampler(
            self.gene_types, self.individual_count, self.mutation, self.death_rate, self.constraints,
            self.gene_ranges, self.seed, self.start_genomes,
        )
        self._plans.clear()

    def stop(self) -> None:
        """Ask the master and every worker to stop after their current evaluation."""
        self._stop_requested = True
        if study_exists(self._open(), self.name):
            self.study().set_user_attr(STOP_ATTR, True)

    def status(self) -> dict[str, Any]:
        """Generation, counts of complete/failed/running/waiting evaluations and the best so far."""
        status = summarize(self.study().get_trials(deepcopy=False))
        status["generations"] = self.generations
        return status

    def best(self) -> tuple[float | None, dict[str, Any] | None]:
        """The best score so far and its genome."""
        status = self.status()
        return status["best_score"], status["best_genome"]

    def trials(self) -> list[FrozenTrial]:
        """Every evaluation of this evolution (Optuna trials, in id order)."""
        return self.study().get_trials()

    # ---- the master loop -----------------------------------------------------
    def _run(self, study: optuna.Study, lease: MasterLease) -> bool:
        self._stop_requested = False
        workers = WorkerPool(self)
        ended = False
        lost_lease = False
        try:
            workers.launch()
            while True:
                try:
                    lease.renew()
                except ConfigurationError:  # another master took the study over: leave it its workers
                    lost_lease = True
                    raise
                trials = study.get_trials(deepcopy=False)
                if self._reap_lost(study, trials):
                    trials = study.get_trials(deepcopy=False)
                finished = self._advance(study, trials) if self.algorithm == "paper" else self._budget_done(study, trials)
                self._show_progress(study)
                if finished:
                    study.set_user_attr(FINISHED_ATTR, True)
                    break
                if self._stop_requested or study.user_attrs.get(STOP_ATTR):
                    _logger.info("evolution %r stopped", self.name)
                    break
                workers.keep_alive()
                time.sleep(self.poll_interval)
            ended = True
        finally:
            if not ended and not lost_lease:  # an error in the master: let the workers finish and go
                try:
                    study.set_user_attr(STOP_ATTR, True)
                except Exception:  # noqa: BLE001 - the original error matters more
                    _logger.exception("evolution %r: could not set the stop flag", self.name)
            try:
                workers.shutdown(wait=min(self.timeout, DEFAULT_TIMEOUT_S) + 10.0)
            finally:
                lease.release()
        return True

    def _reap_lost(self, study: optuna.Study, trials: Sequence[FrozenTrial]) -> bool:
        """Mark running trials as failed ('lost') when their worker has ended or sent no heartbeat.

        A worker that ran on this host and whose process has ended loses its
        trial at once; any other worker after ``heartbeat_grace`` s without
        a heartbeat.
        """
        now, reaped = time.monotonic(), False
        running = set()
        for trial in trials:
            if trial.state != TrialState.RUNNING:
                continue
            running.add(trial._trial_id)
            worker = trial.system_attrs.get(WORKER_ATTR, "unknown worker")
            gone = holder_gone(trial.system_attrs.get(WORKER_PROCESS_ATTR))
            beat = trial.system_attrs.get(HEARTBEAT_ATTR)
            seen = self._beats.get(trial._trial_id)
            if gone:
                reason = f"worker lost: {worker} ended during the evaluation ({gone})"
            elif seen is None or seen[0] != beat:
                self._beats[trial._trial_id] = (beat, now)
                continue
            elif now - seen[1] < self.heartbeat_grace:
                continue
            else:
                reason = f"worker lost: no heartbeat from {worker} for {self.heartbeat_grace:g} s"
            storage = study._storage
            try:
                storage.set_trial_user_attr(trial._trial_id, FAILURE_KIND_ATTR, "lost")
                storage.set_trial_user_attr(trial._trial_id, ERROR_ATTR, reason)
                storage.set_trial_state_values(trial._trial_id, TrialState.FAIL)
                reaped = True
                _logger.warning("evolution %r: individual %d lost its worker %s", self.name, trial.number, worker)
            except UpdateFinishedTrialError:
                pass
        for trial_id in set(self._beats) - running:
            del self._beats[trial_id]
        return reaped

    def _plan(self, generation: int, trials: Sequence[FrozenTrial]) -> list[Individual]:
        if generation not in self._plans:
            self._plans[generation] = self.sampler.population_of(generation, trials)
        return self._plans[generation]

    def _enqueue(self, study: optuna.Study, generation: int, slot: int, member: Individual, attempt: int = 0) -> None:
        study.add_trial(create_trial(
            state=TrialState.WAITING, params=dict(member.genome), distributions=self.distributions,
            user_attrs=individual_attrs(generation, slot, member, attempt),
        ))

    def _advance(self, study: optuna.Study, trials: Sequence[FrozenTrial]) -> bool:
        """Queue what is missing, retry lost individuals, build the next generation; True when done."""
        generations = [t.user_attrs[GENERATION_ATTR] for t in trials if GENERATION_ATTR in t.user_attrs]
        generation = max(generations) if generations else 0
        plan = self._plan(generation, trials)
        slots = latest_by_slot(trials, generation)
        changed = False
        for slot in range(self.individual_count):
            if slot not in slots:
                self._enqueue(study, generation, slot, plan[slot])
                changed = True
                continue
            trial = slots[slot]
            attempt = int(trial.user_attrs.get(ATTEMPT_ATTR, 0))
            if (trial.state == TrialState.FAIL and trial.user_attrs.get(FAILURE_KIND_ATTR) == "lost"
                    and attempt < self.max_retries):
                member = Individual(dict(trial.params), float(trial.user_attrs.get(MATE_CHANCE_ATTR, 1.0)),
                                    trial.user_attrs.get(ORIGIN_ATTR, "offspring"),
                                    tuple(trial.user_attrs.get(PARENTS_ATTR, ())))
                self._enqueue(study, generation, slot, member, attempt + 1)
                changed = True
        if changed or not all(t.state.is_finished() for t in slots.values()):
            return False
        if self.generations is not None and generation + 1 >= self.generations:
            return True
        nxt = self._plan(generation + 1, trials)
        for slot, member in enumerate(nxt):
            self._enqueue(study, generation + 1, slot, member)
        return False

    def _budget_done(self, study: optuna.Study, trials: Sequence[FrozenTrial]) -> bool:
        budget = self.individual_count * int(self.generations or 0)
        running = any(t.state == TrialState.RUNNING for t in trials)
        return counted_trials(study) >= budget and not running

    def _show_progress(self, study: optuna.Study) -> None:
        if not self.progress:
            return
        status = summarize(study.get_trials(deepcopy=False))
        status["generations"] = self.generations
        if callable(self.progress):
            self.progress(status)
            return
        total = "" if self.generations is None else f"/{self.generations}"
        best = "-" if status["best_score"] is None else f"{status['best_score']:.6g}"
        line = (f"evolution {self.name}: generation {status['generation'] + 1}{total} | "
                f"evaluated {status['complete']} | failed {status['failed']} | "
                f"running {status['running']} | waiting {status['waiting']} | best {best}")
        if line != self._last_line:
            self._last_line = line
            print(line, file=sys.stderr, flush=True)

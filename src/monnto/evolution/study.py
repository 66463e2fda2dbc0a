"""Optuna storage and study helpers: the single source of truth of an evolution.

An evolution is one Optuna study (named as the evolution) in one storage: a
journal file for one machine or a shared disk, or a database URL
(``postgresql://user:pw@host/db``) for a cluster. The study keeps the
evolution's settings (user attribute ``monnto_config``), its stop and
finished flags, and one trial per evaluation.
"""
from __future__ import annotations

import importlib.util
import logging
import math
import os
import re
import time
from collections.abc import Sequence
from typing import Any

import optuna
from optuna.storages import BaseStorage, JournalStorage, RDBStorage
from optuna.storages.journal import JournalFileBackend
from optuna.trial import FrozenTrial, TrialState

from monnto.core.errors import bad_value
from monnto.evolution.config import check_stored_config
from monnto.evolution.lease import LOCK_GRACE_S, HolderFileLock
from monnto.evolution.sampler import FAILURE_KIND_ATTR, GENERATION_ATTR

_logger = logging.getLogger("monnto.evolution")

CONFIG_ATTR = "monnto_config"
STOP_ATTR = "monnto_stop_requested"
FINISHED_ATTR = "monnto_finished"
HEARTBEAT_ATTR = "monnto:heartbeat"
WORKER_ATTR = "monnto:worker"
WORKER_PROCESS_ATTR = "monnto:worker_process"  # host, pid, ...: a trial of a dead local worker is lost at once


_DATABASE_SCHEMES = ("postgresql", "postgres", "sqlite", "mysql")


def storage_url(storage: str | os.PathLike) -> str:
    """Normalise a storage argument: database URLs stay, paths become absolute journal paths."""
    text = os.fspath(storage)
    scheme = text.split("://", 1)[0] if "://" in text else ""
    if scheme.split("+", 1)[0] in _DATABASE_SCHEMES:
        return text
    if scheme and scheme != "journal" and re.match(r"^[A-Za-z][A-Za-z0-9+.-]*$", scheme):
        raise bad_value("Evolution", "storage", text.split("@")[-1],
                        f"a journal file path or a database URL ({', '.join(s + '://' for s in _DATABASE_SCHEMES)})")
    if text.startswith("journal:"):
        text = text[len("journal:"):]
    return os.path.abspath(text)


def _with_driver(url: str) -> str:
    """Name an installed PostgreSQL driver in a bare ``postgresql://`` URL (psycopg 3, else psycopg2)."""
    scheme, sep, rest = url.partition("://")
    if scheme not in ("postgresql", "postgres"):
        return url
    for module, driver in (("psycopg", "psycopg"), ("psycopg2", "psycopg2")):
        if importlib.util.find_spec(module) is not None:
            return f"postgresql+{driver}{sep}{rest}"
    raise ImportError(f"Evolution storage {url.split('@')[-1]!r}: PostgreSQL needs a driver; "
                      "install psycopg2-binary (or psycopg[binary])")


def _open_database(url: str, attempts: int = 20) -> RDBStorage:
    """Open an RDB storage; retry while another process is creating the same tables."""
    import sqlalchemy.exc

    for attempt in range(attempts):
        try:
            return RDBStorage(url, engine_kwargs={"pool_pre_ping": True})
        except (sqlalchemy.exc.IntegrityError, sqlalchemy.exc.ProgrammingError,
                sqlalchemy.exc.InternalError) as err:
            if attempt == attempts - 1:
                raise
            _logger.info("storage busy (%s); retrying", type(err).__name__)
            time.sleep(0.2 + 0.1 * attempt)
    raise AssertionError("unreachable")


def open_storage(storage: str | os.PathLike | BaseStorage) -> BaseStorage:
    """Open an Optuna storage from a database URL or a journal file path.

    Parameters
    ----------
    storage : str, path or BaseStorage
        ``postgresql://...``, ``sqlite:///...`` (``RDBStorage``), or a file
        path, optionally prefixed ``journal:`` (``JournalStorage`` with a
        :class:`~monnto.evolution.lease.HolderFileLock`, safe for several
        processes on one disk). Nothing here unpickles stored data.
    """
    if isinstance(storage, BaseStorage):
        return storage
    url = storage_url(storage)
    if "://" in url:
        return _open_database(_with_driver(url))
    os.makedirs(os.path.dirname(url), exist_ok=True)
    # A writer killed while holding the lock leaves it behind: it is broken at once when that writer
    # ran on this host, else after LOCK_GRACE_S.
    return JournalStorage(JournalFileBackend(url, lock_obj=HolderFileLock(url, grace=LOCK_GRACE_S)))


def study_exists(storage: BaseStorage, name: str) -> bool:
    """True when ``storage`` holds a study called ``name``."""
    try:
        storage.get_study_id_from_name(name)
    except KeyError:
        return False
    return True


def describe(storage: BaseStorage) -> str:
    """A short human description of a storage, for messages (no password)."""
    if isinstance(storage, RDBStorage):
        return storage.url.split("@")[-1]
    backend = getattr(storage, "_backend", None)
    return str(getattr(backend, "_file_path", type(storage).__name__))


def load_study(storage: BaseStorage, name: str, wait: float = 0.0, poll: float = 0.2) -> optuna.Study:
    """Load study ``name``, waiting up to ``wait`` seconds for it to be created."""
    deadline = time.monotonic() + wait
    while True:
        if study_exists(storage, name):
            return optuna.load_study(study_name=name, storage=storage)
        if time.monotonic() >= deadline:
            raise KeyError(f"Evolution: no evolution named {name!r} in storage {describe(storage)}")
        time.sleep(poll)


def open_existing(storage: str | os.PathLike, name: str) -> BaseStorage:
    """Open the storage of an evolution that must exist (a missing journal file is not created)."""
    url = storage_url(storage)
    if "://" not in url and not os.path.exists(url):
        raise KeyError(f"Evolution: no evolution named {name!r}: storage file {url} does not exist")
    return open_storage(url)


def read_config(study: optuna.Study, wait: float = 0.0, poll: float = 0.1) -> dict[str, Any]:
    """The evolution settings stored with the study, checked (LoadError names a bad setting).

    A master creates the study and then writes its settings: ``wait`` is how
    many seconds a study without settings is given to receive them (a
    worker started together with its master finds it in between).
    """
    deadline = time.monotonic() + wait
    config = study.user_attrs.get(CONFIG_ATTR)
    while config is None and time.monotonic() < deadline:
        time.sleep(poll)
        config = study.user_attrs.get(CONFIG_ATTR)
    if config is None:
        raise KeyError(f"Evolution: study {study.study_name!r} is not a monnto evolution (no {CONFIG_ATTR})")
    return check_stored_config(config, study.study_name)


def pop_waiting(study: optuna.Study) -> int | None:
    """Claim the oldest waiting trial for this process (atomic in the storage); return its id."""
    storage = study._storage
    for trial in storage.get_all_trials(study._study_id, deepcopy=False, states=(TrialState.WAITING,)):
        if storage.set_trial_state_values(trial._trial_id, state=TrialState.RUNNING):
            return trial._trial_id
    return None


def quiet_optuna() -> None:
    """Keep Optuna's per-trial INFO lines out of the evolution's output."""
    optuna.logging.set_verbosity(optuna.logging.WARNING)


def summarize(trials: Sequence[FrozenTrial]) -> dict[str, Any]:
    """Counts, current generation and best result of an evolution's trials."""
    counts = {state: 0 for state in ("complete", "failed", "running", "waiting")}
    best: FrozenTrial | None = None
    best_by_generation: dict[int, float] = {}
    generation = -1
    for trial in trials:
        if GENERATION_ATTR not in trial.user_attrs:
            continue
        g = int(trial.user_attrs[GENERATION_ATTR])
        generation = max(generation, g)
        if trial.state == TrialState.COMPLETE:
            counts["complete"] += 1
            if best is None or trial.value > best.value:
                best = trial
            best_by_generation[g] = max(best_by_generation.get(g, -math.inf), trial.value)
        elif trial.state == TrialState.FAIL:
            if trial.user_attrs.get(FAILURE_KIND_ATTR) != "infeasible":
                counts["failed"] += 1
        elif trial.state == TrialState.RUNNING:
            counts["running"] += 1
        elif trial.state == TrialState.WAITING:
            counts["waiting"] += 1
    return {
        "generation": generation,
        **counts,
        "best_score": None if best is None else best.value,
        "best_genome": None if best is None else dict(best.params),
        "best_id": None if best is None else best.number,
        "best_by_generation": dict(sorted(best_by_generation.items())),
    }

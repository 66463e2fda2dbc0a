"""The script side of an evolution: report the fitness of this run.

A script reads its genes with :func:`monnto.core.genome.get_gene` and ends
with ``set_score(score)``. Run on its own, ``set_score`` only logs the score
and returns it. Started by an evolution worker, the process has the
environment variable ``MONNTO_SCORE_FILE`` naming a JSON file; ``set_score``
writes ``{"score": ..., "info": {...}, "genome": {...}}`` there atomically
(write to a temporary file, then rename), and the worker reads it once the
script has exited.
"""
from __future__ import annotations

import json
import logging
import math
import os
import tempfile
from typing import Any

from monnto.core.genome import get_genome
from monnto.storage import storage_manager as _storage_manager

from ..core.errors import MonntoTypeError

_logger = logging.getLogger("monnto.evolution")

#: Environment variables an evolution worker sets for the script it starts.
SCORE_FILE_ENV_VAR = "MONNTO_SCORE_FILE"
NAME_ENV_VAR = "MONNTO_EVOLUTION_NAME"
ID_ENV_VAR = "MONNTO_EVOLUTION_ID"
GENERATION_ENV_VAR = "MONNTO_EVOLUTION_GENERATION"
RUN_FOLDER_ENV_VAR = _storage_manager.RUN_FOLDER_ENV_VAR  # StorageManagers of the script save there


def _as_score(score: Any) -> float:
    try:
        value = float(score)
    except (TypeError, ValueError):
        raise MonntoTypeError(f"set_score: score must be a real number, got {score!r}") from None
    return value


def set_score(score: float, info: dict[str, Any] | None = None) -> float:
    """Report the fitness of this run (higher is better).

    Parameters
    ----------
    score : float
        Fitness of the genome this process ran with (dimensionless; larger
        is better). NaN or infinite scores are passed on and make the
        evaluation count as failed.
    info : dict, optional
        Extra JSON-serialisable facts about the run (values that are not
        JSON types are stored as their ``str``); kept with the trial.

    Returns
    -------
    float
        The score, as a float.
    """
    value = _as_score(score)
    if info is not None and not isinstance(info, dict):
        raise MonntoTypeError(f"set_score: info must be a dict or None, got {type(info).__name__}")
    path = os.environ.get(SCORE_FILE_ENV_VAR)
    if not path:
        _logger.info("score set to %r (no evolution running)", value)
        return value
    record = {
        "score": value if math.isfinite(value) else str(value),
        "info": info or {},
        "genome": get_genome(),
    }
    text = json.dumps(record, default=str)
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".score-", suffix=".json", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    _logger.info("score set to %r", value)
    return value


def get_run_folder() -> str | None:
    """The run folder the evolution made for this evaluation, or None outside an evolution.

    A ``StorageManager('name')`` made by the script creates its run folder
    inside it (``<run folder>/StorageManager/name/...``), next to the
    evaluation's score and log.
    """
    return os.environ.get(RUN_FOLDER_ENV_VAR) or None


def read_score_file(path: str) -> tuple[float, dict[str, Any]]:
    """Read a score file written by :func:`set_score`.

    Returns
    -------
    (float, dict)
        The score (may be NaN or infinite) and the info dict.
    """
    with open(path, encoding="utf-8") as handle:
        record = json.load(handle)
    return float(record["score"]), dict(record.get("info") or {})

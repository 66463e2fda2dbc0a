"""Checked inputs of an evolution: names, genes, constraints, storages, folders.

Everything here is validated before a search starts, so that a bad argument
fails at once with a message naming the argument, its value and what was
expected.
"""
from __future__ import annotations

import math
import os
import re
from collections.abc import Iterable, Mapping
from typing import Any

from monnto.core.errors import LoadError, MonntoValueError, short_repr
from monnto.evolution import expressions as expressions_module

_NAME_PATTERN = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.\-]*$")

#: The search algorithms: the paper's, and Optuna's samplers.
ALGORITHMS = ("paper", "nsga2", "cmaes", "tpe", "random")


def check_name(name: Any) -> str:
    """Return ``name`` if it is a safe evolution name, else raise ``ValueError``.

    A name becomes a folder and a study name: letters, digits, ``_``, ``-``
    and ``.``, not starting with ``.`` or ``-``, no path separators.
    """
    if not isinstance(name, str) or not _NAME_PATTERN.match(name) or ".." in name:
        raise MonntoValueError(
            f"Evolution: name {name!r} is not allowed; expected letters, digits, '_', '-' or '.' "
            "(no path separators, no '..', not starting with '.' or '-')"
        )
    return name


class Constraints:
    """Constraint expressions over genes, e.g. ``'b>=a'``, checked at construction.

    Parameters
    ----------
    expressions : iterable of str
        Python comparisons over gene names (``+ - * / ** %``, ``and``/``or``/
        ``not``, ``abs min max round sqrt exp log``), evaluated by the bounded
        evaluator of :mod:`monnto.evolution.expressions` (never ``eval``).
    gene_names : iterable of str
        The genes of the evolution; any other name is an error.
    """

    def __init__(self, expressions: Iterable[str], gene_names: Iterable[str]):
        if isinstance(expressions, str):
            expressions = [expressions]
        self.expressions = list(expressions)
        names = list(gene_names)
        self._trees = [expressions_module.parse(text, names) for text in self.expressions]

    def violated(self, genome: Mapping[str, Any]) -> list[str]:
        """Return the constraints that ``genome`` breaks (empty when it satisfies all).

        Raises
        ------
        ExpressionError
            When a constraint asks for unbounded work or cannot be evaluated
            for ``genome`` (see :mod:`monnto.evolution.expressions`).
        """
        return [
            text for text, tree in zip(self.expressions, self._trees)
            if not expressions_module.evaluate(tree, genome, text)
        ]

    def holds(self, genome: Mapping[str, Any]) -> bool:
        """True when ``genome`` satisfies every constraint."""
        return not self.violated(genome)


def check_genomes(start_genomes: Any) -> tuple[list[dict[str, Any]], dict[str, type]]:
    """Validate the start genomes; return them (without bookkeeping keys) and the gene types.

    Every start genome must list the same genes, each an int or a float.
    Keys ``'generation'``, ``'score'`` and ``'id'`` are dropped, as in the paper.
    """
    if isinstance(start_genomes, Mapping):
        start_genomes = [start_genomes]
    genomes = [
        {k: v for k, v in dict(g).items() if k not in ("generation", "score", "id")}
        for g in (start_genomes or [])
    ]
    if not genomes or not genomes[0]:
        raise MonntoValueError(
            "Evolution: start_genomes must hold at least one genome with at least one gene, "
            f"e.g. [{{'a': 1.0}}]; got {start_genomes!r}"
        )
    names = list(genomes[0])
    types: dict[str, type] = {}
    for index, genome in enumerate(genomes):
        if set(genome) != set(names):
            raise MonntoValueError(
                f"Evolution: start genome {index} has genes {sorted(genome)}, expected {sorted(names)}"
            )
        for key, value in genome.items():
            if not re.match(r"^[A-Za-z_][A-Za-z0-9_]*$", str(key)):
                raise MonntoValueError(f"Evolution: gene name {key!r} is not a Python identifier")
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                raise MonntoValueError(
                    f"Evolution: gene {key!r} of start genome {index} is {value!r}; expected a finite number"
                )
            kind = float if isinstance(value, float) or types.get(key) is float else int
            types[key] = kind
    genomes = [{k: types[k](v) for k, v in g.items()} for g in genomes]
    return genomes, types


def check_positive_int(value: Any, argument: str, minimum: int = 1) -> int:
    """Return ``value`` if it is an int >= ``minimum``, else raise ``ValueError``."""
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise MonntoValueError(f"Evolution: {argument} must be an integer >= {minimum}, got {value!r}")
    return value


def check_fraction(value: Any, argument: str, high: float = 1.0) -> float:
    """Return ``value`` as float if ``0 <= value <= high``, else raise ``ValueError``."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.0 <= value <= high:
        raise MonntoValueError(f"Evolution: {argument} must be a number in [0, {high}], got {value!r}")
    return float(value)


def get_data_folder(start: str | None = None, create: bool = True) -> str:
    """Return the absolute path of the nearest ``Data`` folder at or above ``start`` (default cwd).

    When none exists, ``<start>/Data`` is created (``create=True``).
    """
    here = os.path.abspath(start or os.getcwd())
    folder = here
    while True:
        candidate = os.path.join(folder, "Data")
        if os.path.isdir(candidate):
            return candidate
        parent = os.path.dirname(folder)
        if parent == folder:
            break
        folder = parent
    candidate = os.path.join(here, "Data")
    if create:
        os.makedirs(candidate, exist_ok=True)
    return candidate


def evolution_folder(data_folder: str, name: str) -> str:
    """Folder of evolution ``name``: ``<Data>/StorageManager/<name>`` (as the paper's runs)."""
    return os.path.join(data_folder, "StorageManager", check_name(name))


def default_storage_path(data_folder: str, name: str) -> str:
    """Default journal file of evolution ``name`` inside its folder."""
    return os.path.join(evolution_folder(data_folder, name), "evolution.journal")


def open_run(data_folder: str, name: str, individual_id: int) -> tuple[str, Any]:
    """Make the run folder of one evaluation: ``<Data>/StorageManager/<name>/<name> id<id>``.

    Returns the folder and its :class:`monnto.storage.StorageManager` (None
    when that package is missing; then the folder is made here).
    """
    folder_name = f"{name} id{individual_id}"
    try:
        from monnto.storage import StorageManager
    except ImportError:  # the storage package is optional for the evolution
        StorageManager = None  # noqa: N806
    if StorageManager is not None:
        sm = StorageManager(name, folder_name, data_folder=data_folder, auto_finish=False)
        return str(sm.path), sm
    path = os.path.join(evolution_folder(data_folder, name), folder_name)
    os.makedirs(path, exist_ok=True)
    return path, None


def _is_number(value: Any, low: float = -math.inf, *, low_open: bool = False) -> bool:
    return (not isinstance(value, bool) and isinstance(value, (int, float)) and not math.isnan(value)
            and (value > low if low_open else value >= low))


def _is_int(value: Any, low: int) -> bool:
    return not isinstance(value, bool) and isinstance(value, int) and value >= low


def _is_genome(value: Any) -> bool:
    return isinstance(value, dict) and bool(value) and all(
        isinstance(k, str) and _is_number(v) and math.isfinite(v) for k, v in value.items())


#: What each stored setting must be: (test, what is expected). A storage may be written by others.
_STORED_SETTINGS: dict[str, tuple[Any, str]] = {
    "script": (lambda v: isinstance(v, str) and bool(v), "a path"),
    "gene_types": (lambda v: isinstance(v, dict) and bool(v) and all(
        isinstance(k, str) and re.match(r"^[A-Za-z_][A-Za-z0-9_]*$", k) and t in ("int", "float")
        for k, t in v.items()), "a dict of gene names to 'int' or 'float'"),
    "gene_ranges": (lambda v: v is None or (isinstance(v, dict) and all(
        isinstance(r, (list, tuple)) and len(r) == 2 and all(_is_number(x) for x in r) for r in v.values())),
        "a dict of gene names to [low, high]"),
    "start_genomes": (lambda v: isinstance(v, list) and bool(v) and all(_is_genome(g) for g in v),
                      "a non-empty list of genomes (dicts of finite numbers)"),
    "constraints": (lambda v: isinstance(v, list) and all(isinstance(c, str) for c in v), "a list of strings"),
    "individual_count": (lambda v: _is_int(v, 1), "an int >= 1"),
    "mutation": (lambda v: _is_number(v, 0.0) and math.isfinite(v), "a finite number >= 0"),
    "death_rate": (lambda v: _is_number(v, 0.0) and v < 1.0, "a number in [0, 1)"),
    "generations": (lambda v: v is None or _is_int(v, 1), "an int >= 1 or None"),
    "seed": (lambda v: _is_int(v, 0), "an int >= 0"),
    "timeout": (lambda v: v is None or _is_number(v, 0.0, low_open=True), "a positive number of seconds or None"),
    "algorithm": (lambda v: v in ALGORITHMS, f"one of {list(ALGORITHMS)}"),
    "data_folder": (lambda v: isinstance(v, str), "a path"),
    "heartbeat_interval": (lambda v: _is_number(v, 0.0, low_open=True) and math.isfinite(v),
                           "a positive number of seconds"),
    "max_retries": (lambda v: _is_int(v, 0), "an int >= 0"),
    "cwd": (lambda v: v is None or isinstance(v, str), "a path or None"),
}
_OPTIONAL_SETTINGS = ("gene_ranges", "cwd", "max_retries", "heartbeat_interval", "timeout")


def check_stored_config(config: Any, name: str) -> dict[str, Any]:
    """Return the settings stored with evolution ``name`` if each has the expected type and range.

    The storage is shared, so its contents are checked like any other input:
    a bad setting raises :class:`~monnto.core.errors.LoadError` naming the
    setting, the value found and what was expected.
    """
    if not isinstance(config, dict):
        raise LoadError(f"Evolution {name!r}: the stored settings must be a dict, got {short_repr(config)}")
    for key, (test, expected) in _STORED_SETTINGS.items():
        if key not in config:
            if key in _OPTIONAL_SETTINGS:
                continue
            raise LoadError(f"Evolution {name!r}: the stored settings lack {key!r} (expected {expected}); "
                            "the storage was not written by a monnto evolution")
        if not test(config[key]):
            raise LoadError(f"Evolution {name!r}: stored setting {key} must be {expected}, "
                            f"got {short_repr(config[key])}")
    return config

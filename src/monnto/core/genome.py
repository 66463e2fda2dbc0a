"""The evolution genome of this process: genes read by scripts and behaviours.

A *genome* is a flat ``{gene_name: value}`` dict. A script asks for a gene
with :func:`get_gene` (``get_gene('leak', 0.9)``) and behaviours may carry
gene placeholders inside string arguments (``'[0.9#leak]'``), which the
network resolves at ``initialize()``. Without an evolution running, every
gene takes its default, or the value set with :func:`set_genome`.

An evolution worker starts the user's script with the environment variable
``MONNTO_GENOME`` holding the genome as JSON; it is read lazily, on the first
gene look-up, never at import.
"""
from __future__ import annotations

import json
import os
import re
from typing import Any

from .errors import MonntoTypeError, MonntoValueError

GENOME_ENV_VAR = "MONNTO_GENOME"

_genome: dict[str, Any] | None = None
_evolution_mode = False

#: ``[default#name]`` inside a string argument; the default may be empty.
GENE_PATTERN = re.compile(r"\[([^\[\]#]*)#([A-Za-z_][A-Za-z0-9_]*)\]")


def _load() -> dict[str, Any]:
    global _genome, _evolution_mode
    if _genome is None:
        raw = os.environ.get(GENOME_ENV_VAR)
        if raw:
            try:
                loaded = json.loads(raw)
            except json.JSONDecodeError as err:
                raise MonntoValueError(
                    f"{GENOME_ENV_VAR}: expected a JSON object of genes, got {raw!r} ({err})"
                ) from None
            if not isinstance(loaded, dict):
                raise MonntoValueError(f"{GENOME_ENV_VAR}: expected a JSON object of genes, got {raw!r}")
            _genome = loaded
            _evolution_mode = True
        else:
            _genome = {}
    return _genome


def set_genome(genome: dict[str, Any] | None) -> None:
    """Set the genome of this process (``None`` clears it).

    Parameters
    ----------
    genome : dict or None
        ``{gene_name: value}``; genes not listed take their defaults.
    """
    global _genome
    if genome is not None and not isinstance(genome, dict):
        raise MonntoTypeError(f"set_genome: genome must be a dict of gene values or None, got {genome!r}")
    _genome = dict(genome) if genome is not None else {}


def get_genome() -> dict[str, Any]:
    """Return a copy of this process's genome (the genes set, not the defaults)."""
    return dict(_load())


def is_evolution_mode() -> bool:
    """True when this process was started by an evolution worker."""
    _load()
    return _evolution_mode


def get_gene(key: str, default: Any = None) -> Any:
    """Return the value of gene ``key`` in this process's genome, else ``default``.

    The value keeps the default's type where that is lossless (an int default
    and a genome value of ``3.0`` give ``3``).
    """
    genome = _load()
    if key not in genome:
        if default is None:
            raise KeyError(f"get_gene: gene {key!r} has no value in the genome and no default")
        return default
    value = genome[key]
    if isinstance(default, bool) or isinstance(value, bool):
        return value
    if isinstance(default, int) and isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def format_gene(value: Any) -> str:
    """Format a gene value for substitution into a string argument."""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        text = f"{value:.15f}".rstrip("0").rstrip(".")
        return text if text not in ("", "-") else "0"
    return str(value)


def resolve_genes(text: str) -> str:
    """Replace every ``[default#name]`` placeholder in ``text`` by its gene value."""

    def substitute(match: re.Match) -> str:
        default_text, name = match.group(1).strip(), match.group(2)
        default: Any = None
        if default_text:
            try:
                default = int(default_text)
            except ValueError:
                try:
                    default = float(default_text)
                except ValueError:
                    default = default_text
        return format_gene(get_gene(name, default))

    return GENE_PATTERN.sub(substitute, text)

"""Evolution: search the genes of a script with the paper's algorithm or Optuna's samplers.

Script side (runs unchanged on its own): ``get_gene(key, default)`` and
``set_score(score, info=None)``. Master side: :class:`Evolution`. Workers
anywhere: ``monnto evolve worker --storage URL --name NAME --script PATH``
(a worker runs only the script on its own command line).

Optuna is imported only when the master-side names are used, so a script
that only calls ``set_score`` starts fast and does not need Optuna.
"""
from __future__ import annotations

from typing import Any

from monnto.core.genome import get_gene, get_genome, is_evolution_mode, set_genome
from monnto.evolution.score import set_score

__all__ = [
    "Evolution",
    "PaperSampler",
    "get_gene",
    "get_genome",
    "is_evolution_mode",
    "set_genome",
    "set_score",
]


def __getattr__(name: str) -> Any:
    if name == "Evolution":
        from monnto.evolution.evolution import Evolution

        return Evolution
    if name == "PaperSampler":
        from monnto.evolution.sampler import PaperSampler

        return PaperSampler
    raise AttributeError(f"module 'monnto.evolution' has no attribute {name!r}")

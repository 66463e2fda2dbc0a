"""Figures of an evolution: score over generations and one scatter plot per gene."""
from __future__ import annotations

import os
from typing import Any

from optuna.trial import TrialState

from monnto.evolution.sampler import GENERATION_ATTR

from ..core.errors import MonntoValueError


def evolution_table(study: Any) -> list[dict[str, Any]]:
    """One row per completed evaluation: ``id``, ``generation``, ``score`` and the genes."""
    rows = []
    for trial in study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,)):
        if GENERATION_ATTR in trial.user_attrs:
            rows.append({"id": trial.number, "generation": int(trial.user_attrs[GENERATION_ATTR]),
                         "score": float(trial.value), **trial.params})
    return rows


def plot_evolution(study: Any, out_dir: str) -> list[str]:
    """Write ``scores.png`` (every score and the best per generation) and ``genes.png``.

    Parameters
    ----------
    study : optuna.Study
        The evolution's study (``Evolution.study()``).
    out_dir : str
        Folder for the PNG files (created if missing).

    Returns
    -------
    list of str
        Paths of the files written.
    """
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    rows = evolution_table(study)
    if not rows:
        raise MonntoValueError(f"plot_evolution: evolution {study.study_name!r} has no completed evaluation yet")
    os.makedirs(out_dir, exist_ok=True)
    generations = sorted({r["generation"] for r in rows})
    best = [max(r["score"] for r in rows if r["generation"] == g) for g in generations]
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot([r["generation"] for r in rows], [r["score"] for r in rows], ".", color="0.6", label="individual")
    ax.plot(generations, best, "-o", color="black", label="best of generation")
    ax.set_xlabel("generation")
    ax.set_ylabel("score")
    ax.set_title(f"evolution {study.study_name}")
    ax.legend()
    scores_path = os.path.join(out_dir, "scores.png")
    fig.savefig(scores_path, dpi=100, bbox_inches="tight")
    plt.close(fig)

    genes = [k for k in rows[0] if k not in ("id", "generation", "score")]
    fig, axes = plt.subplots(1, len(genes), figsize=(3.2 * len(genes), 3), squeeze=False)
    for ax, gene in zip(axes[0], genes):
        points = ax.scatter([r[gene] for r in rows], [r["score"] for r in rows],
                            c=[r["generation"] for r in rows], cmap="viridis", s=12)
        ax.set_xlabel(gene)
        ax.set_ylabel("score")
    fig.colorbar(points, ax=list(axes[0]), label="generation")
    genes_path = os.path.join(out_dir, "genes.png")
    fig.savefig(genes_path, dpi=100, bbox_inches="tight")
    plt.close(fig)
    return [scores_path, genes_path]

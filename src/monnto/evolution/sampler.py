"""The paper's evolutionary algorithm, as an Optuna sampler.

One generation holds ``individual_count`` individuals. When all of them have
been evaluated, the next generation is built (paper section 2.3):

1. *Natural selection*: individuals are ranked by score (highest first,
   ties by id); ``int(individual_count * death_rate)`` of them die, failed
   evaluations first. Failed evaluations never survive.
2. *Survivors* keep their genome and are evaluated again (a noisy score is
   not trusted from one run). Each carries a running ``mate_chance``, 1 for a
   new individual, updated after each evaluation to
   ``(mate_chance + score) / 2``, so that one lucky score counts less than a
   steady record.
3. *Offspring* fill the population: two parents are drawn with replacement
   with probability proportional to their mate chance (shifted to be
   positive when scores are negative, where the paper's normalisation would
   break); for every gene both parents' values are mutated,
   ``x' ~ Normal(x, |x| * mutation)``, and the child takes one of the two at
   random (integer genes are rounded). A child that breaks a constraint is
   discarded and drawn again.

Generation 0 is the start genomes followed by their offspring. Every draw
comes from ``numpy.random.default_rng([seed, generation])``, so a generation
is a pure function of the previous one's results: a restarted master or
another process builds the same one.

:class:`PaperSampler` implements Optuna's sampler interface, so it also runs
the algorithm for a plain ``study.optimize`` loop in one process; the
:class:`~monnto.evolution.evolution.Evolution` master instead enqueues whole
generations (ask/tell with ``WAITING`` trials) so that any number of workers
share them, each individual evaluated once.

Reference: Vieth M, Stöber TM, Triesch J (2021). PymoNNto: A Flexible Modular
Toolbox for Designing Brain-Inspired Neural Networks. Front. Neuroinform.
15:715131, section 2.3 "Evolution".
"""
from __future__ import annotations

import math
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import optuna
from optuna.distributions import BaseDistribution, FloatDistribution, IntDistribution
from optuna.samplers import BaseSampler
from optuna.trial import FrozenTrial, TrialState

from monnto.core.errors import MonntoValueError
from monnto.evolution.config import Constraints

#: User attributes every evolution trial carries (shown by the dashboard).
GENERATION_ATTR = "generation"
SLOT_ATTR = "individual"
MATE_CHANCE_ATTR = "mate_chance"
ORIGIN_ATTR = "origin"
PARENTS_ATTR = "parents"
ATTEMPT_ATTR = "attempt"
ERROR_ATTR = "error"
FAILURE_KIND_ATTR = "failure"

_INT_LIMIT = 2**62


@dataclass
class Individual:
    """One member of a generation, before evaluation."""

    genome: dict[str, Any]
    mate_chance: float = 1.0
    origin: str = "offspring"
    parents: tuple[int, ...] = field(default_factory=tuple)


@dataclass
class Evaluated:
    """One evaluated member: its genome, score (None when it failed), mate chance and id."""

    genome: dict[str, Any]
    score: float | None
    mate_chance: float
    number: int


def gene_distributions(
    gene_types: Mapping[str, type], gene_ranges: Mapping[str, Sequence[float]] | None = None
) -> dict[str, BaseDistribution]:
    """Optuna distributions of the genes: the given ranges, else (nearly) unbounded."""
    ranges = dict(gene_ranges or {})
    unknown = set(ranges) - set(gene_types)
    if unknown:
        raise MonntoValueError(f"Evolution: gene_ranges names unknown genes {sorted(unknown)}; genes are {sorted(gene_types)}")
    out: dict[str, BaseDistribution] = {}
    for name, kind in gene_types.items():
        if name in ranges:
            low, high = ranges[name]
            if not low < high:
                raise MonntoValueError(f"Evolution: gene_ranges[{name!r}] = {ranges[name]!r}; expected (low, high) with low < high")
        else:
            low, high = (-_INT_LIMIT, _INT_LIMIT) if kind is int else (-sys.float_info.max, sys.float_info.max)
        out[name] = IntDistribution(int(low), int(high)) if kind is int else FloatDistribution(float(low), float(high))
    return out


def selection_weights(mate_chances: Sequence[float]) -> np.ndarray:
    """Parent-choice probabilities from mate chances (shifted above zero if any is <= 0)."""
    values = np.asarray(mate_chances, dtype=float)
    if values.min() <= 0.0:
        spread = float(values.max() - values.min())
        values = values - values.min() + max(0.01 * spread, 1e-12)
    return values / values.sum()


class PaperSampler(BaseSampler):
    """The paper's evolutionary algorithm (selection, re-evaluation, mutation, crossover).

    Parameters
    ----------
    gene_types : mapping of str to type
        Genes and their type (``int`` or ``float``).
    individual_count : int
        Population size of each generation.
    mutation : float
        Standard deviation of a mutation relative to the gene's magnitude
        (``0.4`` means ``sigma = 0.4 * |gene|``).
    death_rate : float
        Fraction of each generation that dies, in [0, 1).
    constraints : Constraints or list of str, optional
        Expressions every individual must satisfy (``'b>=a'``).
    gene_ranges : mapping, optional
        ``{gene: (low, high)}``: bounds that offspring must respect too.
    seed : int
        Seed of every draw (with the generation number).
    start_genomes : list of dict, optional
        Generation 0's start genomes, needed when the sampler drives a plain
        ``study.optimize`` loop.
    max_attempts : int
        Draws allowed for one child before a constraint is declared
        unsatisfiable.
    """

    def __init__(
        self,
        gene_types: Mapping[str, type],
        individual_count: int = 10,
        mutation: float = 0.4,
        death_rate: float = 0.5,
        constraints: Constraints | Sequence[str] | None = None,
        gene_ranges: Mapping[str, Sequence[float]] | None = None,
        seed: int = 0,
        start_genomes: Sequence[Mapping[str, Any]] | None = None,
        max_attempts: int = 10000,
    ):
        self.gene_types = dict(gene_types)
        self.individual_count = int(individual_count)
        self.mutation = float(mutation)
        self.death_rate = float(death_rate)
        if constraints is None or not isinstance(constraints, Constraints):
            constraints = Constraints(constraints or [], self.gene_types)
        self.constraints = constraints
        self.gene_ranges = {k: (float(v[0]), float(v[1])) for k, v in (gene_ranges or {}).items()}
        self.distributions = gene_distributions(self.gene_types, self.gene_ranges)
        self.seed = int(seed)
        self.start_genomes = [dict(g) for g in (start_genomes or [])]
        self.max_attempts = int(max_attempts)
        self._random = optuna.samplers.RandomSampler(seed=self.seed)

    # ---- the algorithm ------------------------------------------------
    def rng(self, generation: int) -> np.random.Generator:
        """The generator of generation ``generation``'s draws."""
        return np.random.default_rng([self.seed, int(generation)])

    def violations(self, genome: Mapping[str, Any]) -> list[str]:
        """Constraints and gene ranges that ``genome`` breaks."""
        broken = self.constraints.violated(genome)
        for name, (low, high) in self.gene_ranges.items():
            if not low <= genome[name] <= high:
                broken.append(f"{low} <= {name} <= {high}")
        return broken

    def mutate(self, value: float, name: str, rng: np.random.Generator) -> float:
        """One Gaussian mutation of gene ``name`` around ``value`` with sigma ``|value| * mutation``."""
        new = float(rng.normal(value, abs(value) * self.mutation))
        return int(round(new)) if self.gene_types[name] is int else new

    def breed(self, parents: Sequence[Mapping[str, Any]], weights: np.ndarray, rng: np.random.Generator,
              numbers: Sequence[int] = ()) -> Individual:
        """One child of two parents drawn with probabilities ``weights``, satisfying the constraints."""
        for _ in range(self.max_attempts):
            first, second = rng.choice(len(parents), size=2, replace=True, p=weights)
            child = {}
            for name in self.gene_types:
                from_first = self.mutate(parents[first][name], name, rng)
                from_second = self.mutate(parents[second][name], name, rng)
                child[name] = from_first if rng.random() < 0.5 else from_second
            if not self.violations(child):
                ids = tuple(int(numbers[i]) for i in (first, second)) if numbers else ()
                return Individual(child, 1.0, "offspring", ids)
        raise RuntimeError(
            f"Evolution: no child satisfying the constraints {self.constraints.expressions} and ranges "
            f"{self.gene_ranges} was found in {self.max_attempts} draws; relax them or raise mutation"
        )

    def initial_population(self, start_genomes: Sequence[Mapping[str, Any]] | None = None) -> list[Individual]:
        """Generation 0: the start genomes, then their offspring up to ``individual_count``."""
        starts = [dict(g) for g in (start_genomes if start_genomes is not None else self.start_genomes)]
        if not starts:
            raise MonntoValueError("PaperSampler: generation 0 needs at least one start genome")
        for index, genome in enumerate(starts):
            broken = self.violations(genome)
            if broken:
                raise MonntoValueError(f"Evolution: start genome {index} {genome} breaks the constraints {broken}")
        population = [Individual(g, 1.0, "start") for g in starts[: self.individual_count]]
        rng = self.rng(0)
        weights = np.full(len(starts), 1.0 / len(starts))
        while len(population) < self.individual_count:
            population.append(self.breed(starts, weights, rng))
        return population

    def next_population(self, generation: int, evaluated: Sequence[Evaluated]) -> list[Individual]:
        """Generation ``generation`` built from the evaluated members of the one before."""
        valid = [e for e in evaluated if e.score is not None and math.isfinite(e.score)]
        if not valid:
            raise RuntimeError(
                f"Evolution: every evaluation of generation {generation - 1} failed; "
                "no individual can survive (see the trials' 'error' attribute)"
            )
        ranked = sorted(valid, key=lambda e: (-e.score, e.number))
        deaths = int(len(evaluated) * self.death_rate)
        survivors = ranked[: max(1, len(evaluated) - deaths)]
        chances = [(e.mate_chance + e.score) / 2.0 for e in survivors]
        population = [
            Individual(dict(e.genome), chance, "survivor", (e.number,)) for e, chance in zip(survivors, chances)
        ][: self.individual_count]
        rng = self.rng(generation)
        weights = selection_weights(chances)
        genomes = [e.genome for e in survivors]
        numbers = [e.number for e in survivors]
        while len(population) < self.individual_count:
            population.append(self.breed(genomes, weights, rng, numbers))
        return population

    # ---- Optuna's sampler interface (one-process use) -------------------
    def infer_relative_search_space(self, study: optuna.Study, trial: FrozenTrial) -> dict[str, BaseDistribution]:
        return {}

    def sample_relative(self, study: optuna.Study, trial: FrozenTrial,
                        search_space: dict[str, BaseDistribution]) -> dict[str, Any]:
        return {}

    def before_trial(self, study: optuna.Study, trial: FrozenTrial) -> None:
        if "fixed_params" in trial.system_attrs or trial.params:
            return
        generation, slot, member = self._plan_next(study)
        storage, trial_id = study._storage, trial._trial_id
        storage.set_trial_system_attr(trial_id, "monnto:genome", member.genome)
        for key, value in individual_attrs(generation, slot, member).items():
            storage.set_trial_user_attr(trial_id, key, value)

    def sample_independent(self, study: optuna.Study, trial: FrozenTrial, param_name: str,
                           param_distribution: BaseDistribution) -> Any:
        genome = trial.system_attrs.get("monnto:genome", {})
        if param_name in genome:
            return genome[param_name]
        return self._random.sample_independent(study, trial, param_name, param_distribution)

    def _plan_next(self, study: optuna.Study) -> tuple[int, int, Individual]:
        trials = [t for t in study.get_trials(deepcopy=False) if GENERATION_ATTR in t.user_attrs]
        if not trials:
            return 0, 0, self.initial_population()[0]
        generation = max(t.user_attrs[GENERATION_ATTR] for t in trials)
        current = [t for t in trials if t.user_attrs[GENERATION_ATTR] == generation]
        taken = {t.user_attrs[SLOT_ATTR] for t in current}
        if len(taken) < self.individual_count:
            plan = self.population_of(generation, trials)
            slot = min(set(range(self.individual_count)) - taken)
            return generation, slot, plan[slot]
        if all(t.state.is_finished() for t in current):
            plan = self.next_population(generation + 1, evaluated_members(trials, generation))
            return generation + 1, 0, plan[0]
        # Several jobs in one process and the generation not done: an extra child.
        plan = self.population_of(generation, trials)
        parents = [m.genome for m in plan]
        extra = self.breed(parents, np.full(len(parents), 1.0 / len(parents)), np.random.default_rng())
        return generation, -1, extra

    def population_of(self, generation: int, trials: Sequence[FrozenTrial]) -> list[Individual]:
        """The planned members of ``generation``, rebuilt from the stored trials."""
        if generation == 0:
            return self.initial_population()
        return self.next_population(generation, evaluated_members(trials, generation - 1))


def individual_attrs(generation: int, slot: int, member: Individual, attempt: int = 0) -> dict[str, Any]:
    """The user attributes that mark a trial as member ``slot`` of ``generation``."""
    return {
        GENERATION_ATTR: int(generation),
        SLOT_ATTR: int(slot),
        MATE_CHANCE_ATTR: float(member.mate_chance),
        ORIGIN_ATTR: member.origin,
        PARENTS_ATTR: list(member.parents),
        ATTEMPT_ATTR: int(attempt),
    }


def latest_by_slot(trials: Sequence[FrozenTrial], generation: int) -> dict[int, FrozenTrial]:
    """For each slot of ``generation``, its latest trial (highest number)."""
    out: dict[int, FrozenTrial] = {}
    for trial in trials:
        attrs = trial.user_attrs
        if attrs.get(GENERATION_ATTR) != generation or attrs.get(SLOT_ATTR, -1) < 0:
            continue
        slot = attrs[SLOT_ATTR]
        if slot not in out or trial.number > out[slot].number:
            out[slot] = trial
    return out


def evaluated_members(trials: Sequence[FrozenTrial], generation: int) -> list[Evaluated]:
    """The evaluated members of ``generation`` (failed ones with score None), by slot."""
    members = []
    for _slot, trial in sorted(latest_by_slot(trials, generation).items()):
        score = trial.value if trial.state == TrialState.COMPLETE else None
        members.append(Evaluated(dict(trial.params), score,
                                 float(trial.user_attrs.get(MATE_CHANCE_ATTR, 1.0)), trial.number))
    return members


def make_optuna_sampler(algorithm: str, individual_count: int, seed: int,
                        start_genome: Mapping[str, Any] | None = None) -> BaseSampler:
    """One of Optuna's own samplers for ``algorithm`` in ``'nsga2' 'cmaes' 'tpe' 'random'``."""
    if algorithm == "nsga2":
        return optuna.samplers.NSGAIISampler(population_size=max(2, individual_count), seed=seed)
    if algorithm == "cmaes":
        return optuna.samplers.CmaEsSampler(x0=dict(start_genome or {}) or None, popsize=max(2, individual_count),
                                            seed=seed)
    if algorithm == "tpe":
        return optuna.samplers.TPESampler(seed=seed)
    if algorithm == "random":
        return optuna.samplers.RandomSampler(seed=seed)
    raise MonntoValueError(
        f"Evolution: algorithm {algorithm!r} is unknown; expected 'paper', 'nsga2', 'cmaes', 'tpe' or 'random'"
    )

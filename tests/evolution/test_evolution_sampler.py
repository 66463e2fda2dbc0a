"""The paper's algorithm: start population, selection, mate chance, mutation, constraints."""
import numpy as np
import optuna
import pytest

from monnto.evolution.config import Constraints, check_genomes, check_name
from monnto.evolution.sampler import (
    GENERATION_ATTR,
    Evaluated,
    PaperSampler,
    selection_weights,
)

TYPES = {"a": float, "b": float, "c": float, "d": float}
START = {"a": 0.5, "b": 2.5, "c": 1.5, "d": 1.5}


def make(**kw):
    args = dict(individual_count=8, mutation=0.4, death_rate=0.5,
                constraints=["b>=a", "a<=1", "b>=2"], seed=3, start_genomes=[START])
    args.update(kw)
    return PaperSampler(TYPES, **args)


def test_constraints_check_genes_and_evaluate():
    c = Constraints(["b>=a", "a<=1", "abs(c - d) < 2"], TYPES)
    assert c.holds({"a": 1, "b": 2, "c": 0, "d": 1})
    assert c.violated({"a": 2, "b": 1, "c": 0, "d": 5}) == ["b>=a", "a<=1", "abs(c - d) < 2"]


@pytest.mark.parametrize("text, message", [
    ("b>=x", "unknown gene 'x'"),
    ("a.__class__ > 0", "Attribute"),
    ("open('f') > 0", "calls a function"),
    ("b>=", "not a valid expression"),
])
def test_constraints_reject_bad_expressions(text, message):
    with pytest.raises(ValueError, match=message):
        Constraints([text], TYPES)


@pytest.mark.parametrize("name", ["../x", "a/b", "a\\b", ".hidden", "-x", "", "a b", None])
def test_names_with_path_characters_are_refused(name):
    with pytest.raises(ValueError, match="is not allowed"):
        check_name(name)


def test_good_name_and_start_genome_bookkeeping_keys_dropped():
    assert check_name("toy-1.v2_a") == "toy-1.v2_a"
    genomes, types = check_genomes([{"a": 1, "b": 2.0, "score": 5, "id": 3, "generation": 1}, {"a": 2, "b": 1}])
    assert genomes == [{"a": 1, "b": 2.0}, {"a": 2, "b": 1.0}]
    assert types == {"a": int, "b": float}
    with pytest.raises(ValueError, match="start genome 1 has genes"):
        check_genomes([{"a": 1}, {"b": 1}])


def test_initial_population_starts_with_start_genome_and_respects_constraints():
    sampler = make()
    population = sampler.initial_population()
    assert len(population) == 8
    assert population[0].genome == START and population[0].origin == "start"
    for member in population:
        assert member.genome["b"] >= member.genome["a"] and member.genome["a"] <= 1 and member.genome["b"] >= 2
    again = make().initial_population()
    assert [m.genome for m in again] == [m.genome for m in population]  # same seed, same generation


def test_selection_drops_the_worst_and_failures_and_updates_mate_chance():
    sampler = make(individual_count=6, death_rate=0.5)
    genomes = [dict(START, c=float(i)) for i in range(6)]
    scores = [1.0, None, 5.0, 3.0, 4.0, 2.0]
    evaluated = [Evaluated(g, s, 1.0 + i, 10 + i) for i, (g, s) in enumerate(zip(genomes, scores))]
    population = sampler.next_population(1, evaluated)
    survivors = [m for m in population if m.origin == "survivor"]
    # int(6 * 0.5) = 3 die: the failure and the two lowest scores (1, 2); 5, 4, 3 survive.
    assert [m.parents for m in survivors] == [(12,), (14,), (13,)]
    assert [m.genome["c"] for m in survivors] == [2.0, 4.0, 3.0]
    assert [m.mate_chance for m in survivors] == [(3.0 + 5.0) / 2, (5.0 + 4.0) / 2, (4.0 + 3.0) / 2]
    children = [m for m in population if m.origin == "offspring"]
    assert len(children) == 3 and all(set(m.parents) <= {12, 13, 14} for m in children)
    assert all(m.mate_chance == 1.0 for m in children)


def test_every_evaluation_failed_is_an_error():
    sampler = make(individual_count=2)
    with pytest.raises(RuntimeError, match="every evaluation of generation 0 failed"):
        sampler.next_population(1, [Evaluated(START, None, 1.0, 0), Evaluated(START, None, 1.0, 1)])


def test_mutation_is_gaussian_with_sigma_mutation_times_magnitude():
    sampler = PaperSampler({"x": float, "z": float}, individual_count=2, mutation=0.1, seed=1)
    rng = np.random.default_rng(7)
    children = [sampler.breed([{"x": 10.0, "z": 0.0}], np.array([1.0]), rng).genome for _ in range(4000)]
    x = np.array([c["x"] for c in children])
    assert abs(x.mean() - 10.0) < 4 * 1.0 / np.sqrt(4000)
    assert abs(x.std() - 1.0) < 0.05
    assert all(c["z"] == 0.0 for c in children)  # sigma = 0.1 * |0| = 0


def test_negative_genes_mutate_and_int_genes_stay_int():
    sampler = PaperSampler({"x": float, "n": int}, individual_count=2, mutation=0.5, seed=1)
    rng = np.random.default_rng(3)
    kids = [sampler.breed([{"x": -4.0, "n": 20}], np.array([1.0]), rng).genome for _ in range(200)]
    assert np.std([k["x"] for k in kids]) > 1.0
    assert all(isinstance(k["n"], int) for k in kids) and len({k["n"] for k in kids}) > 5


def test_crossover_takes_each_gene_from_one_parent():
    sampler = PaperSampler({"x": float, "y": float}, individual_count=2, mutation=0.0, seed=1)
    rng = np.random.default_rng(5)
    parents = [{"x": 1.0, "y": 1.0}, {"x": 2.0, "y": 2.0}]
    kids = {tuple(sampler.breed(parents, np.array([0.5, 0.5]), rng).genome.values()) for _ in range(200)}
    assert kids == {(1.0, 1.0), (1.0, 2.0), (2.0, 1.0), (2.0, 2.0)}


def test_unsatisfiable_constraint_is_reported():
    sampler = PaperSampler({"x": float}, individual_count=3, mutation=0.1, constraints=["x > 100"],
                           seed=1, max_attempts=50)
    with pytest.raises(RuntimeError, match="no child satisfying"):
        sampler.breed([{"x": 1.0}], np.array([1.0]), np.random.default_rng(0))


def test_selection_weights_are_positive_and_ordered_for_negative_chances():
    w = selection_weights([-3.0, -1.0, 2.0])
    assert np.all(w > 0) and abs(w.sum() - 1) < 1e-12 and w[0] < w[1] < w[2]
    assert np.allclose(selection_weights([1.0, 3.0]), [0.25, 0.75])


def test_sampler_drives_a_plain_optuna_loop():
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    sampler = PaperSampler({"x": float}, individual_count=6, mutation=0.3, death_rate=0.5, seed=2,
                           start_genomes=[{"x": 1.0}])
    study = optuna.create_study(direction="maximize", sampler=sampler)
    study.optimize(lambda t: -(t.suggest_float("x", -100, 100) - 3.0) ** 2, n_trials=30)
    trials = study.get_trials()
    generations = [t.user_attrs[GENERATION_ATTR] for t in trials]
    assert generations == [g for g in range(5) for _ in range(6)]
    best = [max(t.value for t in trials if t.user_attrs[GENERATION_ATTR] == g) for g in range(5)]
    assert all(b2 >= b1 for b1, b2 in zip(best, best[1:]))  # survivors are re-evaluated: best never drops
    assert best[-1] > best[0]


def test_generation_plan_is_rebuilt_identically_from_stored_trials():
    """A restarted master (or another process) plans the same next generation."""
    from optuna.trial import create_trial

    from monnto.evolution.sampler import individual_attrs

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    sampler = make(individual_count=4)
    study = optuna.create_study(direction="maximize")
    for slot, member in enumerate(sampler.initial_population()):
        study.add_trial(create_trial(value=sum(member.genome.values()), params=member.genome,
                                     distributions=sampler.distributions,
                                     user_attrs=individual_attrs(0, slot, member)))
    first = make(individual_count=4).population_of(1, study.get_trials())
    second = make(individual_count=4).population_of(1, study.get_trials())
    assert [(m.genome, m.origin, m.parents) for m in first] == [(m.genome, m.origin, m.parents) for m in second]
    assert [m.genome for m in first] != [m.genome for m in make(individual_count=4, seed=4).population_of(
        1, study.get_trials())]

"""A real network evolved: the paper's basic network tuned to a target firing rate."""
import os

import pytest
from optuna.trial import TrialState

from monnto.evolution import Evolution
from monnto.evolution.executor import run_script

EXAMPLES = os.path.join(os.path.dirname(__file__), "..", "..", "examples")
SLAVE = os.path.join(EXAMPLES, "evolution_rate_slave.py")
TARGET = 0.86  # spikes per neuron per step, as in the slave


@pytest.mark.slow
def test_basic_network_rate_is_evolved_to_within_ten_percent_of_target(data_folder, tmp_path):
    evolution = Evolution(
        "rate", SLAVE, individual_count=8, mutation=0.3, death_rate=0.5,
        constraints=["input_scale > 0", "0 < leak_factor <= 1"],
        start_genomes=[{"leak_factor": 0.9, "input_scale": 1.5}],
        devices={"processes": 2}, generations=4, seed=1, data_folder=data_folder, timeout=120, progress=False,
    )
    assert evolution.start()
    trials = evolution.trials()
    assert len(trials) == 32 and all(t.state == TrialState.COMPLETE for t in trials)
    best_rate = {}
    for trial in trials:
        rate = trial.user_attrs["info"]["rate"]
        assert trial.value == pytest.approx(-abs(rate - TARGET), abs=1e-12)  # score = -|rate - target|
        assert 0 < trial.params["leak_factor"] <= 1 and trial.params["input_scale"] > 0
        g = trial.user_attrs["generation"]
        if g not in best_rate or abs(rate - TARGET) < abs(best_rate[g] - TARGET):
            best_rate[g] = rate
    assert abs(best_rate[0] - TARGET) > 0.1 * TARGET  # the start population misses the target...
    assert abs(best_rate[3] - TARGET) <= 0.1 * TARGET  # ...a few generations later the best is within 10%
    errors = [abs(best_rate[g] - TARGET) for g in range(4)]
    assert all(later <= earlier for earlier, later in zip(errors, errors[1:]))
    # the best genome run again on its own reproduces its score (the slave's network is seeded)
    best_score, best_genome = evolution.best()
    again = run_script(SLAVE, best_genome, os.path.join(str(tmp_path), "again"), timeout=120)
    assert again.ok and again.score == best_score

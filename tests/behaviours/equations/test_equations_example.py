"""The equation examples run and write their figures; the STDP example gives Song et al.'s bimodality."""
import importlib.util
from pathlib import Path

import numpy as np
import pytest

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"


def load(name):
    spec = importlib.util.spec_from_file_location(f"{name}_example", EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_equation_decay_example_writes_png(tmp_path):
    module = load("equation_decay")
    path = module.main(["--out", str(tmp_path), "--small"])
    assert path.exists() and path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    t, v = module.run("exact", size=2, duration="20*ms")
    assert t.shape == (200,) and v.shape == (200, 2)


@pytest.mark.numpy_only  # runs the example as a user would (default backend)
def test_equations_stdp_example_writes_png(tmp_path):
    path = load("equations_stdp").main(["--out", str(tmp_path), "--small"])
    assert path.exists() and path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.slow  # 80,000 steps: 6.5 s on 2 shared cores
@pytest.mark.numpy_only  # 80,000 steps on tiny tensors: 5x slower on torch; test_equations_synaptic covers torch
def test_equations_stdp_splits_the_weights_at_the_bounds():
    """Song, Miller & Abbott (2000) Fig. 1: additive STDP with A- tau- > A+ tau+
    gives a bimodal weight distribution (the same criteria as the model
    library's test of its own STDP behaviour)."""
    weights, spikes = load("equations_stdp").run(seconds=40.0)
    low, high = np.mean(weights < 0.1), np.mean(weights > 0.9)
    mid = np.mean((weights > 0.25) & (weights < 0.75))
    hist = np.histogram(weights, 10, (0, 1))[0]
    assert low > 0.3 and high > 0.08 and mid < 0.2, (low, high, mid)
    assert min(hist[0], hist[-1]) > 2 * hist[3:7].max(), hist
    assert spikes / 40.0 > 5  # the neuron still fires
    assert np.all((weights >= 0) & (weights <= 1))

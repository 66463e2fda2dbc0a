"""Code block 6 on torch: the example runs and matches the numpy network."""
import runpy
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("torch")
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_torch_block_6_matches_the_numpy_network(tmp_path):
    module = runpy.run_path(str(EXAMPLES / "torch_network.py"))
    result = module["main"](["--out", str(tmp_path), "--steps", "300"])
    assert (tmp_path / "torch_network.png").stat().st_size > 1000

    from monnto.models.basic_network import basic_network

    net = basic_network(100, seed=1)
    net.simulate_iterations(300)
    np.testing.assert_allclose(result["voltage"], net["n.voltage", 0], rtol=1e-10, atol=1e-12)
    np.testing.assert_array_equal(result["spikes"], net["n.spike", 0])

"""The model builders give the same network on numpy and torch (same seed)."""
from __future__ import annotations

import numpy as np
import pytest

from monnto.core.backend import to_numpy
from monnto.models import brunel_network, coba_network, cuba_network, izhikevich_network, synfire_network

# (builder(backend), steps, recorded groups, state variable compared)
MODELS = {
    "brunel": (lambda b: brunel_network("AI", n_exc=400, seed=0, backend=b), 300, ("exc", "inh"), "v"),
    "cuba": (lambda b: cuba_network(n_exc=400, n_inh=100, seed=0, backend=b), 300, ("exc", "inh"), "v"),
    "coba": (lambda b: coba_network(n_exc=400, n_inh=100, seed=0, backend=b), 300, ("exc", "inh"), "v"),
    "izhikevich": (lambda b: izhikevich_network(n_exc=200, n_inh=50, seed=0, backend=b), 300,
                   ("exc", "inh"), "v"),
    "synfire": (lambda b: synfire_network(a=100, sigma=1e-3, n_layers=5, seed=0, backend=b), 300,
                ("chain",), "u"),
}


def _run(name: str, backend: str) -> tuple[list, list]:
    build, steps, tags, var = MODELS[name]
    net = build(backend)
    assert net.backend == backend
    net.simulate_iterations(steps, progress=False)
    spikes = [(to_numpy(net[t, 0]["n.spike.t", 0]), to_numpy(net[t, 0]["n.spike.i", 0])) for t in tags]
    states = [np.array(to_numpy(getattr(net[t, 0], var))) for t in tags]
    return spikes, states


@pytest.mark.parametrize("name", sorted(MODELS))
def test_model_networks_agree_on_numpy_and_torch(name, array_backend):
    """Random draws come from the network's numpy generator on every backend and
    the torch networks hold the same connectivity (dense instead of CSR), so the
    runs differ only by float rounding: over 300 steps (30 ms; 150 ms for
    Izhikevich) every spike is the same, and the states agree to 1e-12
    (measured: at most 1.5e-15)."""
    pytest.importorskip("torch")
    if array_backend != "torch":
        pytest.skip("compares numpy with torch: runs once, in the torch pass")
    spikes_np, states_np = _run(name, "numpy")
    spikes_torch, states_torch = _run(name, "torch")
    assert sum(t.size for t, _ in spikes_np) > 50          # enough activity to compare
    for (t_np, i_np), (t_torch, i_torch) in zip(spikes_np, spikes_torch, strict=True):
        np.testing.assert_array_equal(t_torch, t_np)
        np.testing.assert_array_equal(i_torch, i_np)
    for x_np, x_torch in zip(states_np, states_torch, strict=True):
        np.testing.assert_allclose(x_torch, x_np, rtol=1e-9, atol=1e-12)

"""Every example's networks save, load untrusted, and continue bit-identically.

Each example runs in this process with small sizes; every Network it
builds is captured. After the example finishes, each captured (initialized)
network is saved, loaded with the default safe loader (only the example's
own classes passed as ``classes=``), and the original and the loaded copy
both run on: all their arrays stay equal, bit for bit.
"""
from __future__ import annotations

import importlib.util
import inspect
import sys
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

from monnto import Network
from monnto.storage.network_io import load_network, save_network

ROOT = Path(__file__).resolve().parents[2]

#: example -> extra command-line arguments for a short run (``--out`` is added).
EXAMPLES = {
    "compiled_behaviour": ["--size", "64", "--steps", "3"],
    "equation_decay": ["--small"],
    "equations_cuba": ["--small"],
    "equations_stdp": ["--small"],
    "net_brunel": ["--small"],
    "net_cuba_coba": ["--small"],
    "net_hopfield": ["--small"],
    "net_izhikevich": ["--small"],
    "net_paper_tutorial": ["--small"],
    "net_sorn": ["--small"],
    "net_synfire": ["--small"],
    "neuron_adex": ["--small"],
    "neuron_hindmarsh_rose": ["--small"],
    "neuron_hodgkin_huxley": ["--small"],
    "neuron_izhikevich": ["--small"],
    "neuron_lif": ["--small"],
    "neuron_wang_buzsaki": ["--small"],
    "sensory_direction_selectivity": ["--small"],
    "sensory_spoken_word": ["--small"],
    "synapses_partition": ["--side", "24", "--steps", "20"],
    "torch_network": ["--size", "64", "--steps", "5"],
}
#: Examples without a network to save, or needing a peer simulator or a live window.
NOT_HERE = {"embed_brian2", "embed_nest", "evolution_rate", "evolution_rate_slave", "evolution_toy",
            "evolution_toy_slave", "gui_basic", "gui_custom_tab", "gui_screenshots", "net_stdp_bimodal",
            "storage_runs",
            "tensorflow_network"}
CONTINUE_STEPS = 12


def test_every_example_is_covered_or_listed():
    names = {p.stem for p in (ROOT / "examples").glob("*.py")}
    assert names == set(EXAMPLES) | NOT_HERE


def _plain(value):
    if sp.issparse(value):
        return value.toarray()
    if type(value).__module__.startswith("torch"):
        return value.detach().cpu().numpy()
    return value


def _arrays(net) -> dict[str, np.ndarray]:
    """Every array attribute of the network, its groups and behaviours, and recorded data."""
    owners = [(f"obj{i}", obj) for i, obj in enumerate(net.all_objects())]
    owners += [(f"beh{i}", b) for i, b in enumerate(net.all_behaviours())]
    out = {}
    for prefix, owner in owners:
        for name, value in vars(owner).items():
            value = _plain(value)
            if isinstance(value, np.ndarray) and value.dtype != object:
                out[f"{prefix}.{name}"] = np.array(value)
        variables = getattr(owner, "variables", None)
        if prefix.startswith("beh") and isinstance(variables, dict):
            for expression, data in variables.items():
                try:
                    out[f"{prefix}.rec.{expression}"] = np.asarray(_plain(data))
                except (ValueError, TypeError):
                    continue
    return out


def _example_objects(module) -> list:
    """The classes and functions (numba ones too) an example defines: its ``classes=``."""
    out = []
    for value in vars(module).values():
        function = getattr(value, "py_func", value)
        if (inspect.isclass(value) or inspect.isfunction(function)) and \
                getattr(function, "__module__", None) == module.__name__:
            out.append(value)
    return out


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_example_networks_load_untrusted_and_continue_identically(name, tmp_path, monkeypatch):
    if name == "torch_network":
        pytest.importorskip("torch")
    if name.startswith("sensory_spoken"):
        pytest.importorskip("soundfile")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.chdir(tmp_path)
    built: list[Network] = []
    original_init = Network.__init__

    def capture(self, *args, **kwargs):
        original_init(self, *args, **kwargs)
        built.append(self)

    # imported as a module (not run as __main__) so that its classes keep an importable name
    module_name = f"monnto_example_{name}"
    spec = importlib.util.spec_from_file_location(module_name, ROOT / "examples" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, module_name, module)
    spec.loader.exec_module(module)
    monkeypatch.setattr(Network, "__init__", capture)
    (tmp_path / "out").mkdir()
    module.main(["--out", str(tmp_path / "out"), *EXAMPLES[name]])
    monkeypatch.setattr(Network, "__init__", original_init)
    nets = [net for net in built if getattr(net, "initialized", False)]
    assert nets, f"{name}: no initialized network was built"
    classes = _example_objects(module)
    for i, net in enumerate(nets[:3]):
        folder = tmp_path / f"save{i}"
        save_network(net, folder)
        loaded = load_network(folder, classes=classes)
        net.simulate_iterations(CONTINUE_STEPS)
        loaded.simulate_iterations(CONTINUE_STEPS)
        a, b = _arrays(net), _arrays(loaded)
        assert a.keys() == b.keys(), f"{name} network {i}: arrays differ in names"
        assert a, f"{name} network {i}: no arrays compared"
        for key in a:
            np.testing.assert_array_equal(a[key], b[key], err_msg=f"{name} network {i}: {key}")

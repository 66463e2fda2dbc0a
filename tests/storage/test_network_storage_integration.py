"""Network.initialize(storage_manager=...) and the storage example, end to end."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from monnto import Network, NeuronGroup, set_genome
from monnto.storage import StorageManager, StorageManagerGroup

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "storage_runs.py"


def test_initialize_saves_description_and_genome(project):
    set_genome({"leak": 0.85, "size": 10})
    try:
        sm = StorageManager("init")
        net = Network(seed=1)
        NeuronGroup(net=net, tag="exc", size=10)
        net.initialize(storage_manager=sm)
    finally:
        set_genome(None)
    again = StorageManager.open(sm.path)
    assert again.load_param("genome") == {"leak": 0.85, "size": 10}
    description = again.load_param("network_description")
    assert description == net.describe() and "exc" in description


def test_storage_example_runs_from_a_project_subfolder(project):
    spec = importlib.util.spec_from_file_location("storage_runs_example", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    out = project / "Data" / "figures"
    group = module.main(["--size", "16", "--steps", "120", "--leaks", "0.8", "0.9",
                         "--seeds", "1", "--out", str(out)])
    assert len(group) == 2 and group.incomplete == []
    assert (out / "storage_runs_rate_vs_leak.png").stat().st_size > 1000
    runs = StorageManagerGroup("leak_sweep").sort_by("leak")
    assert runs.get_param_list("leak") == [0.8, 0.9]
    for sm in runs:
        counts = sm.load_np("spike_counts")
        assert counts.shape == (16,)
        assert sm.load_param("rate") == pytest.approx(counts.sum() / (16 * 120))
        np.testing.assert_array_equal(
            np.bincount(sm.load_recorder("spikes")["n.spike"][:, 1], minlength=16), counts)
    assert (runs[1].path / "network" / "manifest.json").is_file()

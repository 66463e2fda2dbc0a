"""The partition example and the benchmark script run (small sizes)."""
import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


def _load(relative: str):
    spec = importlib.util.spec_from_file_location(Path(relative).stem + "_under_test", ROOT / relative)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_partition_example_gives_same_spikes_with_less_memory(tmp_path):
    example = _load("examples/synapses_partition.py")
    result = example.main(["--side", "24", "--steps", "60", "--out", str(tmp_path)])
    assert result["parts"] == 9 and result["same_spikes"]
    assert result["partitioned_bytes"] * 2 < result["dense_bytes"]
    assert (tmp_path / "synapses_partition.png").stat().st_size > 1000


@pytest.mark.slow
@pytest.mark.numpy_only  # sparse=True groups, scipy and EventMatrix baselines
def test_benchmark_quick_runs(capsys):
    bench = _load("benchmarks/synapses.py")
    bench.main(["--quick"])
    out = capsys.readouterr().out
    assert "ratio" in out and "memory dense/partitioned" in out and "speed-up" in out

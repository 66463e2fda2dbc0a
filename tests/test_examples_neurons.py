"""Each neuron-model example runs with small sizes and writes its figure."""
import runpy
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
NAMES = ["neuron_lif", "neuron_izhikevich", "neuron_hodgkin_huxley", "neuron_hindmarsh_rose",
         "neuron_wang_buzsaki", "neuron_adex"]


@pytest.mark.parametrize("name", NAMES)
def test_neuron_example_writes_its_figure(name, tmp_path):
    namespace = runpy.run_path(str(EXAMPLES / f"{name}.py"), run_name="example_under_test")
    path = namespace["main"](["--out", str(tmp_path), "--small"])
    assert Path(path) == tmp_path / f"{name}.png"
    data = Path(path).read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 5000

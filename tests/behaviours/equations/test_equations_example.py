"""examples/equation_decay.py runs and writes its figure."""
import importlib.util
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "equation_decay.py"


def test_equation_decay_example_writes_png(tmp_path):
    spec = importlib.util.spec_from_file_location("equation_decay_example", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    path = module.main(["--out", str(tmp_path), "--small"])
    assert path.exists() and path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    t, v = module.run("exact", size=2, duration="20*ms")
    assert t.shape == (200,) and v.shape == (200, 2)

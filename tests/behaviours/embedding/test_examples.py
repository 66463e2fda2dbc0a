"""The embedding examples run with small sizes and write their figures."""
from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"


def load(name: str):
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.filterwarnings("ignore:.*deprecated:DeprecationWarning")
def test_embed_brian2_example_writes_figure(tmp_path):
    pytest.importorskip("brian2")
    path = load("embed_brian2").main(["--out", str(tmp_path), "--steps", "60"])
    assert path == tmp_path / "embed_brian2.png" and path.stat().st_size > 10_000


def test_embed_nest_example_writes_figure(tmp_path):
    os.environ.setdefault("PYNEST_QUIET", "1")
    pytest.importorskip("nest")
    module = load("embed_nest")
    path = module.main(["--out", str(tmp_path), "--steps", "200"])
    assert path == tmp_path / "embed_nest.png" and path.stat().st_size > 10_000
    # the monnto adaptation current lowers the embedded NEST neurons' rate
    adapted, plain = module.run(300), module.run(300, jump=0.0)
    assert adapted["n.spike", 0].sum() < plain["n.spike", 0].sum()

"""Every network-model example runs from the command line with small sizes and writes its figure."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "examples").glob("net_*.py"))


def test_examples_are_found():
    names = {p.stem for p in EXAMPLES}
    assert {"net_brunel", "net_cuba_coba", "net_hopfield", "net_izhikevich", "net_paper_tutorial",
            "net_sorn", "net_stdp_bimodal", "net_synfire"} <= names


@pytest.mark.parametrize("script", EXAMPLES, ids=lambda p: p.stem)
def test_network_example_writes_its_figure(script, tmp_path):
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT / "src") + os.pathsep + env.get("PYTHONPATH", "")
    env["MPLBACKEND"] = "Agg"
    result = subprocess.run([sys.executable, str(script), "--out", str(tmp_path), "--small"],
                            capture_output=True, text=True, env=env, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    figure = tmp_path / f"{script.stem}.png"
    assert figure.exists() and figure.stat().st_size > 10_000
    assert str(figure) in result.stdout

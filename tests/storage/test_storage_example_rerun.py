"""Re-running examples/storage_runs.py reuses the stored runs instead of silently doubling them (issue 17)."""
from __future__ import annotations

import importlib.util
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "storage_runs.py"
ARGS = ["--size", "9", "--steps", "30", "--leaks", "0.8", "0.9", "--seeds", "1"]


def _example():
    spec = importlib.util.spec_from_file_location("storage_runs_rerun", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_second_run_reuses_the_stored_runs_and_says_so(project, capsys):
    example = _example()
    assert len(example.main(ARGS)) == 2
    capsys.readouterr()
    assert len(example.main(ARGS)) == 2                       # not 4
    assert "reused 2 stored runs" in capsys.readouterr().out
    assert len(example.main([*ARGS, "--leaks", "0.7", "0.8", "0.9"])) == 3   # only the new leak runs
    assert len(example.main([*ARGS, "--fresh"])) == 2          # starts over

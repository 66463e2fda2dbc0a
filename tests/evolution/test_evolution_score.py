"""set_score: quiet on its own, atomic JSON under an evolution."""
import json
import logging
import os
import subprocess
import sys

import pytest

from monnto.core import genome as genome_module
from monnto.evolution.score import SCORE_FILE_ENV_VAR, get_run_folder, read_score_file, set_score


def test_set_score_standalone_returns_value_and_writes_nothing(tmp_path, monkeypatch, caplog):
    monkeypatch.delenv(SCORE_FILE_ENV_VAR, raising=False)
    monkeypatch.chdir(tmp_path)
    with caplog.at_level(logging.INFO, logger="monnto.evolution"):
        assert set_score(3) == 3.0
    assert list(tmp_path.iterdir()) == []
    assert "score set to 3.0" in caplog.text
    assert get_run_folder() is None


def test_set_score_under_evolution_writes_score_info_and_genome(tmp_path, monkeypatch):
    path = tmp_path / "run" / "score.json"
    monkeypatch.setenv(SCORE_FILE_ENV_VAR, str(path))
    genome_module.set_genome({"a": 1.5})
    try:
        assert set_score(2.25, info={"rate": 0.1, "obj": object()}) == 2.25
    finally:
        genome_module.set_genome(None)
    record = json.loads(path.read_text())
    assert record["score"] == 2.25 and record["genome"] == {"a": 1.5}
    assert record["info"]["rate"] == 0.1 and record["info"]["obj"].startswith("<object")
    assert read_score_file(str(path)) == (2.25, record["info"])
    assert [p.name for p in path.parent.iterdir()] == ["score.json"]  # no temporary file left


def test_set_score_last_call_wins_and_nan_is_kept(tmp_path, monkeypatch):
    path = tmp_path / "score.json"
    monkeypatch.setenv(SCORE_FILE_ENV_VAR, str(path))
    set_score(1.0)
    set_score(float("nan"))
    score, _ = read_score_file(str(path))
    assert score != score  # NaN: the worker fails the trial with this reason


@pytest.mark.parametrize("bad", ["high", None, [1.0]])
def test_set_score_rejects_non_numbers(bad):
    with pytest.raises(TypeError, match="set_score: score must be a real number"):
        set_score(bad)


def test_set_score_rejects_non_dict_info():
    with pytest.raises(TypeError, match="info must be a dict"):
        set_score(1.0, info=[1, 2])


def test_slave_script_runs_standalone_with_defaults(tmp_path):
    example = os.path.join(os.path.dirname(__file__), "..", "..", "examples", "evolution_toy_slave.py")
    env = {k: v for k, v in os.environ.items() if not k.startswith("MONNTO_")}
    done = subprocess.run([sys.executable, example], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    assert list(tmp_path.iterdir()) == []

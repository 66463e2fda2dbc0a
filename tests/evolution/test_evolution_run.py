"""Whole evolutions: the toy acceptance case, bad input, Optuna's samplers, the CLI."""
import importlib.util
import json
import os
import subprocess
import sys

import pytest
from optuna.trial import TrialState

from monnto.evolution import Evolution
from monnto.evolution.study import CONFIG_ATTR, FINISHED_ATTR

TOY = os.path.join(os.path.dirname(__file__), "..", "..", "examples", "evolution_toy_slave.py")
TOY_ARGS = dict(constraints=["b>=a", "a<=1", "b>=2"], start_genomes=[{"a": 0.5, "b": 2.5, "c": 1.5, "d": 1.5}])


def toy_ok(genome):
    return genome["b"] >= genome["a"] and genome["a"] <= 1 and genome["b"] >= 2


@pytest.mark.slow
def test_toy_evolution_improves_respects_constraints_and_fills_run_folders(data_folder):
    evolution = Evolution("toy", TOY, individual_count=6, mutation=0.2, death_rate=0.5, devices={"processes": 2},
                          generations=3, seed=11, data_folder=data_folder, timeout=60, progress=False, **TOY_ARGS)
    assert evolution.start() is True
    trials = evolution.trials()
    assert len(trials) == 18 and all(t.state == TrialState.COMPLETE for t in trials)
    assert [sum(t.user_attrs["generation"] == g for t in trials) for g in range(3)] == [6, 6, 6]
    assert all(toy_ok(t.params) for t in trials)
    best = evolution.status()["best_by_generation"]
    assert best[0] < best[1] <= best[2] and best[2] > best[0]
    for trial in trials:
        assert trial.value == pytest.approx(sum(trial.params.values()), rel=1e-12)
        folder = trial.user_attrs["run_folder"]
        assert folder == os.path.join(data_folder, "StorageManager", "toy", f"toy id{trial.number}")
        params = json.load(open(os.path.join(folder, "params.json")))
        assert params["score"] == trial.value and params["id"] == trial.number
        assert params["genome"] == trial.params and not os.path.exists(os.path.join(folder, ".incomplete"))
    survivors = [t for t in trials if t.user_attrs["origin"] == "survivor"]
    assert len(survivors) == 2 * 3  # 3 of 6 survive into generations 1 and 2 and are evaluated again
    assert evolution.study().user_attrs[FINISHED_ATTR] is True
    # a second start of the same name refuses and points to continue_evolution
    assert Evolution("toy", TOY, individual_count=6, data_folder=data_folder, progress=False,
                     **TOY_ARGS).start() is False


@pytest.mark.parametrize("kwargs, error, message", [
    (dict(constraints=["b>=q"]), ValueError, "unknown gene 'q'"),
    (dict(individual_count=-3), ValueError, "individual_count must be an integer >= 1, got -3"),
    (dict(slave_file="does/not/exist.py"), FileNotFoundError, "does not exist"),
    (dict(name="../escape"), ValueError, "is not allowed"),
    (dict(name="a/b"), ValueError, "is not allowed"),
    (dict(death_rate=1.0), ValueError, "death_rate must be below 1"),
    (dict(devices={"gpus": 2}), ValueError, "unknown keys"),
    (dict(start_genomes=[{"a": 1.5, "b": 2.5, "c": 0, "d": 0}]), ValueError, "breaks the constraints"),
    (dict(algorithm="genetic"), ValueError, "algorithm 'genetic' is unknown"),
])
def test_bad_input_fails_before_anything_starts(data_folder, kwargs, error, message):
    args = dict(name="bad", slave_file=TOY, individual_count=4, data_folder=data_folder, progress=False, **TOY_ARGS)
    args.update(kwargs)
    with pytest.raises(error, match=message):
        Evolution(args.pop("name"), args.pop("slave_file"), **args)
    assert os.listdir(data_folder) == []  # nothing was created


@pytest.mark.slow
def test_nsga2_runs_the_budget_and_evaluates_only_feasible_genomes(data_folder):
    evolution = Evolution("nsga", TOY, individual_count=4, algorithm="nsga2", devices={"processes": 1},
                          generations=2, seed=5, data_folder=data_folder, progress=False,
                          gene_ranges={"a": (0, 2), "b": (0, 5), "c": (0, 3), "d": (0, 3)}, **TOY_ARGS)
    evolution.start()
    trials = evolution.trials()
    done = [t for t in trials if t.state == TrialState.COMPLETE]
    assert len(done) == 8 and all(toy_ok(t.params) for t in done)
    infeasible = [t for t in trials if t.state == TrialState.FAIL]
    assert all(t.user_attrs["failure"] == "infeasible" and not toy_ok(t.params) for t in infeasible)
    assert all("run_folder" not in t.user_attrs for t in infeasible)


def cli(*args, cwd, timeout=120):
    return subprocess.run([sys.executable, "-m", "monnto.evolution", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=timeout)


def test_cli_refuses_bad_input_with_a_clear_message(data_folder, tmp_path):
    done = cli("start", TOY, "--name", "cli-bad", "--gene", "a=1", "--individuals", "-2", cwd=tmp_path)
    assert done.returncode == 2
    assert "monnto evolve start: --individuals must be a positive int, got -2" in done.stderr
    done = cli("start", TOY, "--name", "x/y", "--gene", "a=1", cwd=tmp_path)
    assert done.returncode == 2 and "monnto evolve start: --name must be letters" in done.stderr
    assert "got x/y" in done.stderr
    assert os.listdir(data_folder) == []


@pytest.mark.slow
def test_cli_start_status_best_and_plot(data_folder, tmp_path):
    done = cli("start", TOY, "--name", "clitoy", "--gene", "a=0.5", "--gene", "b=2.5", "--gene", "c=1.5",
               "--gene", "d=1.5", "--constraint", "b>=a", "--constraint", "a<=1", "--constraint", "b>=2",
               "--individuals", "4", "--generations", "2", "--processes", "1", "--seed", "3", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "generation 2/2" in done.stderr and "evaluated 8" in done.stderr
    status = json.loads(cli("status", "--name", "clitoy", "--json", cwd=tmp_path).stdout)
    assert status["complete"] == 8 and status["generation"] == 1
    best = json.loads(cli("best", "--name", "clitoy", "--json", cwd=tmp_path).stdout)
    assert best["score"] == pytest.approx(sum(best["genome"].values()))
    assert best["score"] == status["best_score"]
    out = tmp_path / "plots"
    done = cli("plot", "--name", "clitoy", "--out", str(out), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    for name in ("scores.png", "genes.png"):
        assert (out / name).read_bytes()[:4] == b"\x89PNG"
    stored = Evolution.load("clitoy", data_folder=data_folder, progress=False).study().user_attrs[CONFIG_ATTR]
    assert stored["constraints"] == ["b>=a", "a<=1", "b>=2"] and stored["individual_count"] == 4
    done = cli("continue", "--name", "clitoy", "--generations", "3", cwd=tmp_path)
    assert done.returncode == 2 and "was read from the storage" in done.stderr  # the storage picks no code
    done = cli("continue", "--name", "clitoy", "--generations", "3", "--script", TOY, cwd=tmp_path)  # one more
    assert done.returncode == 0, done.stderr
    status = json.loads(cli("status", "--name", "clitoy", "--json", cwd=tmp_path).stdout)
    assert status["complete"] == 12 and status["generation"] == 2 and status["generations"] == 3


@pytest.mark.slow
def test_stop_then_continue_finishes_without_repeating_work(data_folder, tmp_path, write_script):
    import threading
    import time

    script = write_script("""
        import os, time
        time.sleep(0.2)
        set_score(get_gene('x', 1.0))
        with open('evals.txt', 'a') as log:
            log.write(os.environ['MONNTO_EVOLUTION_ID'] + '\\n')
    """)
    args = dict(individual_count=4, mutation=0.3, start_genomes=[{"x": 1.0}], devices={"processes": 1},
                generations=2, seed=9, data_folder=data_folder, cwd=str(tmp_path), progress=False)
    evolution = Evolution("pausable", script, **args)
    runner = threading.Thread(target=evolution.start)
    runner.start()
    while evolution_done(evolution) < 2:
        time.sleep(0.05)
    evolution.stop()
    runner.join(timeout=60)
    assert not runner.is_alive()
    stopped = evolution.status()
    assert stopped["complete"] < 8 and not evolution.study().user_attrs.get(FINISHED_ATTR)
    resumed = Evolution.load("pausable", data_folder=data_folder, devices={"processes": 1}, progress=False,
                             slave_file=script)
    assert resumed.continue_evolution() is True
    trials = resumed.trials()
    assert sum(t.state == TrialState.COMPLETE for t in trials) == 8
    evals = (tmp_path / "evals.txt").read_text().split()
    assert len(evals) == len(set(evals)) == 8


def evolution_done(evolution):
    try:
        return evolution.status()["complete"]
    except KeyError:  # not created yet
        return 0


@pytest.mark.slow
@pytest.mark.skipif(importlib.util.find_spec("cmaes") is None, reason="cmaes not installed")
def test_cmaes_runs_the_budget(data_folder):
    evolution = Evolution("cma", TOY, individual_count=4, algorithm="cmaes", devices={"processes": 1},
                          generations=2, seed=5, data_folder=data_folder, progress=False,
                          gene_ranges={"a": (0, 1), "b": (2, 5), "c": (0, 3), "d": (0, 3)}, **TOY_ARGS)
    evolution.start()
    done = [t for t in evolution.trials() if t.state == TrialState.COMPLETE]
    assert len(done) == 8 and all(toy_ok(t.params) for t in done)
    assert all(t.value == pytest.approx(sum(t.params.values())) for t in done)


def test_master_reports_workers_that_cannot_start(data_folder, monkeypatch):
    from monnto.evolution.launcher import WorkerPool

    broken = [sys.executable, "-c", "import sys; print('worker cannot start'); sys.exit(3)"]
    monkeypatch.setattr(WorkerPool, "_command", lambda self, index: broken)
    evolution = Evolution("orphan", TOY, individual_count=2, devices={"processes": 1}, generations=1, seed=1,
                          data_folder=data_folder, progress=False, poll_interval=0.05, **TOY_ARGS)
    with pytest.raises(RuntimeError, match="(?s)every local worker died, 2 restarts.*worker cannot start"):
        evolution.start()
    assert evolution.study().user_attrs["monnto_stop_requested"] is True  # outside workers are told to go


@pytest.mark.slow
def test_toy_example_script_writes_its_figures(tmp_path):
    example = os.path.join(os.path.dirname(TOY), "evolution_toy.py")
    done = subprocess.run([sys.executable, example, "--out", str(tmp_path), "--generations", "2", "--individuals",
                           "4", "--processes", "1"], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "generation 1: best score" in done.stdout
    for name in ("scores.png", "genes.png"):
        assert (tmp_path / name).read_bytes()[:4] == b"\x89PNG"
    assert len([p for p in os.listdir(tmp_path / "Data" / "StorageManager" / "toy") if p.startswith("toy id")]) == 8

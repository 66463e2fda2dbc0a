"""Several workers on one storage: CLI workers on a journal file, PostgreSQL, Dask; the dashboard."""
import importlib.util
import json
import os
import subprocess
import sys
import threading
import time
import urllib.request
import uuid

import optuna
import pytest
from optuna.trial import TrialState

from monnto.evolution import Evolution
from monnto.evolution.dashboard import serve_dashboard
from monnto.evolution.study import open_storage

SLOW = """
    import os, time
    time.sleep(0.1)
    set_score(get_gene('x', 1.0) + get_gene('y', 2.0))
    with open('evals.txt', 'a') as log:
        log.write(os.environ['MONNTO_EVOLUTION_ID'] + '\\n')
"""
START = [{"x": 1.0, "y": 2.0}]


def cli_worker(storage, name, cwd, script, *extra):
    return subprocess.Popen(
        [sys.executable, "-m", "monnto.evolution", "worker", "--storage", storage, "--name", name,
         "--script", script, "--poll", "0.1", *extra],
        cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def check_shared(evolution, tmp_path, generations, count):
    """Each individual evaluated exactly once, by more than one worker."""
    trials = evolution.trials()
    assert len(trials) == generations * count
    assert all(t.state == TrialState.COMPLETE for t in trials)
    slots = {(t.user_attrs["generation"], t.user_attrs["individual"]) for t in trials}
    assert slots == {(g, s) for g in range(generations) for s in range(count)}
    evals = (tmp_path / "evals.txt").read_text().split()
    assert sorted(map(int, evals)) == sorted(t.number for t in trials)  # each trial ran exactly once
    return {t.user_attrs["worker"] for t in trials}


def run_with_cli_workers(tmp_path, data_folder, storage, name):
    script = tmp_path / "slave.py"
    script.write_text("from monnto.core.genome import get_gene\nfrom monnto.evolution.score import set_score\n"
                      + SLOW.replace("\n    ", "\n"))
    workers = [cli_worker(storage, name, tmp_path, str(script)) for _ in range(2)]
    evolution = Evolution(name, str(script), individual_count=4, mutation=0.3, start_genomes=START,
                          devices={"processes": 0}, generations=2, seed=8, storage=storage,
                          data_folder=data_folder, cwd=str(tmp_path), progress=False)
    runner = threading.Thread(target=evolution.start)
    try:
        runner.start()
        deadline = time.monotonic() + 120
        while runner.is_alive():  # the master waits for outside workers: watch them
            if all(w.poll() is not None for w in workers) or time.monotonic() > deadline:
                evolution.stop()
                break
            time.sleep(0.2)
        runner.join(timeout=60)
        outputs = [w.communicate(timeout=60)[0] for w in workers]
    finally:
        for w in workers:
            if w.poll() is None:
                w.kill()
    assert all(w.returncode == 0 for w in workers), outputs
    assert all("joined evolution" in out for out in outputs)
    return evolution


@pytest.mark.slow
def test_two_cli_workers_share_one_population_on_a_journal_file(data_folder, tmp_path):
    storage = str(tmp_path / "shared" / "evolution.journal")
    evolution = run_with_cli_workers(tmp_path, data_folder, storage, "shared")
    assert len(check_shared(evolution, tmp_path, 2, 4)) == 2


@pytest.mark.slow
@pytest.mark.skipif(not os.environ.get("MONNTO_TEST_POSTGRES_URL"), reason="MONNTO_TEST_POSTGRES_URL not set")
def test_two_cli_workers_share_one_population_on_postgresql(data_folder, tmp_path):
    url = os.environ["MONNTO_TEST_POSTGRES_URL"]
    name = f"pg-{uuid.uuid4().hex[:10]}"
    try:
        evolution = run_with_cli_workers(tmp_path, data_folder, url, name)
        assert len(check_shared(evolution, tmp_path, 2, 4)) == 2
    finally:
        optuna.delete_study(study_name=name, storage=open_storage(url))


@pytest.mark.slow
@pytest.mark.skipif(importlib.util.find_spec("distributed") is None, reason="dask.distributed not installed")
def test_dask_cluster_evaluates_an_evolution(data_folder, tmp_path, write_script):
    from distributed import LocalCluster

    script = write_script(SLOW)
    with LocalCluster(n_workers=1, threads_per_worker=2, processes=False, protocol="tcp", host="127.0.0.1",
                      dashboard_address=None) as cluster:
        assert cluster.scheduler_address.startswith("tcp://127.0.0.1:")
        evolution = Evolution("dasked", script, individual_count=4, mutation=0.3, start_genomes=START,
                              devices={"processes": 0, "dask": cluster.scheduler_address, "workers": 2},
                              generations=2, seed=8, data_folder=data_folder, cwd=str(tmp_path), progress=False)
        assert evolution.start() is True
    assert len(check_shared(evolution, tmp_path, 2, 4)) == 2


def get_json(url):
    with urllib.request.urlopen(url, timeout=10) as response:
        assert response.status == 200
        return json.loads(response.read())


@pytest.mark.slow
def test_dashboard_serves_the_running_evolution_on_loopback(data_folder, tmp_path, write_script):
    script = write_script(SLOW)
    evolution = Evolution("watched", script, individual_count=3, mutation=0.3, start_genomes=START,
                          devices={"processes": 1}, generations=1, seed=2, data_folder=data_folder,
                          cwd=str(tmp_path), progress=False)
    runner = threading.Thread(target=evolution.start)
    runner.start()
    while not os.path.exists(evolution.storage_url):
        time.sleep(0.05)
    server = serve_dashboard(evolution.storage_url, host="127.0.0.1", port=0, block=False)
    try:
        assert server.url.startswith("http://127.0.0.1:")
        runner.join(timeout=120)
        assert not runner.is_alive()
        with urllib.request.urlopen(server.url, timeout=10) as response:
            page = response.read().decode()
        assert response.status == 200 and "<html" in page.lower()
        studies = get_json(server.url + "api/studies")["study_summaries"]
        study_id = next(s["study_id"] for s in studies if s["study_name"] == "watched")
        trials = get_json(server.url + f"api/studies/{study_id}")["trials"]
    finally:
        server.stop()
    stored = {t.number: t.value for t in evolution.trials()}
    assert len(trials) == 3 and all(t["state"] == "Complete" for t in trials)
    assert {t["number"]: t["values"][0] for t in trials} == stored
    assert all({p["name"] for p in t["params"]} == {"x", "y"} for t in trials)

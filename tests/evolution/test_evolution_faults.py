"""Faults: crashing, hanging and silent scripts, a killed worker, a killed master."""
import os
import signal
import subprocess
import sys
import textwrap
import time

import optuna
import pytest
from optuna.trial import TrialState

from monnto.evolution import Evolution
from monnto.evolution.study import open_storage


def read_lines(path):
    """Lines of a text file, or [] when it does not exist."""
    if not os.path.exists(path):
        return []
    with open(path) as handle:
        return [line.strip() for line in handle if line.strip()]


FAULTY = """
    import os, signal, time
    me = int(os.environ['MONNTO_EVOLUTION_ID'])
    with open('evals.txt', 'a') as log:
        log.write(f'start {me}\\n')
    x = get_gene('x', 1.0)
    if me == 1:
        raise ValueError('boom from individual 1')
    if me == 2:
        time.sleep(60)
    if me == 4:
        os.kill(os.getppid(), signal.SIGKILL)  # the worker dies in the middle of this evaluation
        time.sleep(60)
    if me != 3:
        set_score(x)
    with open('evals.txt', 'a') as log:
        log.write(f'done {me}\\n')
"""


@pytest.mark.slow
def test_failures_are_recorded_and_the_evolution_goes_on(data_folder, write_script, tmp_path):
    script = write_script(FAULTY)
    evolution = Evolution("faulty", script, individual_count=6, mutation=0.3, start_genomes=[{"x": 1.0}],
                          devices={"processes": 2}, generations=2, seed=1, timeout=20.0, data_folder=data_folder,
                          heartbeat_interval=0.3, heartbeat_grace=3.0, cwd=str(tmp_path), progress=False)
    assert evolution.start() is True
    trials = {t.number: t for t in evolution.trials()}
    failure = {n: t.user_attrs.get("failure") for n, t in trials.items() if t.state == TrialState.FAIL}
    assert failure == {1: "crash", 2: "timeout", 3: "no_score", 4: "lost"}
    assert "ValueError: boom from individual 1" in trials[1].user_attrs["error"]
    assert "individual 2 (generation 0) of evolution 'faulty' ran past timeout=20 s" in trials[2].user_attrs["error"]
    assert "without calling set_score" in trials[3].user_attrs["error"]
    # the killed worker ran on this host: its trial is lost as soon as its process is gone (or, on a
    # machine too busy for the master to look in time, after the heartbeat grace)
    assert trials[4].user_attrs["error"].startswith("worker lost: ")
    assert "has ended" in trials[4].user_attrs["error"] or "no heartbeat" in trials[4].user_attrs["error"]
    retry = [t for t in trials.values() if t.user_attrs["attempt"] == 1]
    assert len(retry) == 1 and retry[0].state == TrialState.COMPLETE
    assert retry[0].params == trials[4].params and retry[0].user_attrs["individual"] == 4
    # every other individual completed, and generation 1 was built from the completed ones only
    assert len(trials) == 6 + 1 + 6
    gen1 = [t for t in trials.values() if t.user_attrs["generation"] == 1]
    assert all(t.state == TrialState.COMPLETE for t in gen1)
    parents = {p for t in gen1 if t.user_attrs["origin"] == "survivor" for p in t.user_attrs["parents"]}
    assert parents == {0, 5, retry[0].number}
    done = read_lines(tmp_path / "evals.txt")
    completed = [n for n, t in trials.items() if t.state == TrialState.COMPLETE]
    assert sorted(int(line.split()[1]) for line in done if line.startswith("done")) == sorted(completed + [3])


MASTER = """
    import sys
    from monnto.evolution import Evolution
    Evolution('resume', {script!r}, individual_count=4, mutation=0.3, start_genomes=[{{'x': 1.0}}],
              devices={{'processes': 2}}, generations=3, seed=4, data_folder={data!r}, cwd={cwd!r},
              heartbeat_interval=0.3, heartbeat_grace=3.0, progress=False).start()
"""

SLOW = """
    import os, time
    me = os.environ['MONNTO_EVOLUTION_ID']
    time.sleep(0.4)
    set_score(get_gene('x', 1.0))
    with open('evals.txt', 'a') as log:
        log.write(f'{me}\\n')
"""


@pytest.mark.slow
def test_continue_after_killing_the_master_reruns_nothing_completed(data_folder, write_script, tmp_path):
    script = write_script(SLOW)
    master = tmp_path / "master.py"
    master.write_text(textwrap.dedent(MASTER.format(script=script, data=data_folder, cwd=str(tmp_path))))
    process = subprocess.Popen([sys.executable, str(master)], cwd=tmp_path)
    storage_path = os.path.join(data_folder, "StorageManager", "resume", "evolution.journal")
    deadline = time.monotonic() + 90
    completed: dict = {}
    try:
        while time.monotonic() < deadline and len(completed) < 5:
            time.sleep(0.2)
            if os.path.exists(storage_path):
                try:
                    study = optuna.load_study(study_name="resume", storage=open_storage(storage_path))
                except KeyError:
                    continue
                completed = {t.number: t for t in study.get_trials(states=(TrialState.COMPLETE,))}
        assert len(completed) >= 5, "the master did not get going"
    finally:
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
    time.sleep(0.5)  # its workers die with it (and their scripts with them)
    study = optuna.load_study(study_name="resume", storage=open_storage(storage_path))
    before = {t.number: (t.value, t.params) for t in study.get_trials(states=(TrialState.COMPLETE,))}
    evals_before = read_lines(tmp_path / "evals.txt")

    evolution = Evolution("resume", script, individual_count=4, mutation=0.3, start_genomes=[{"x": 1.0}],
                          devices={"processes": 2}, generations=3, seed=4, data_folder=data_folder,
                          cwd=str(tmp_path), heartbeat_interval=0.3, heartbeat_grace=3.0, progress=False)
    assert evolution.start() is False  # it exists: continue instead
    assert evolution.continue_evolution() is True
    trials = evolution.trials()
    after = {t.number: (t.value, t.params) for t in trials if t.state == TrialState.COMPLETE}
    assert all(after[n] == before[n] for n in before)  # no completed result lost or changed
    evals = read_lines(tmp_path / "evals.txt")
    assert evals[: len(evals_before)] == evals_before
    assert len(evals) == len(set(evals))  # no individual evaluated twice
    assert not set(evals[len(evals_before):]) & {str(n) for n in before}  # completed ones not re-run
    for generation in range(3):
        for slot in range(4):
            done = [t for t in trials if t.state == TrialState.COMPLETE
                    and (t.user_attrs["generation"], t.user_attrs["individual"]) == (generation, slot)]
            assert len(done) == 1, (generation, slot)
    lost = [t for t in trials if t.state == TrialState.FAIL]
    assert all(t.user_attrs["failure"] == "lost" for t in lost)

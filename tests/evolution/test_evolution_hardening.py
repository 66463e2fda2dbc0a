"""Issue 14 in the evolution: received data never runs code, every bad input gets a clear error.

Workers run only their own script; one master per study (a lease); stale locks
broken by their holder's host and PID or by age; a default timeout; bounded
constraint expressions; typed CLI options.
"""
import json
import logging
import math
import os
import re
import socket
import subprocess
import sys
import threading
import time

import optuna
import pytest
from optuna.trial import TrialState

from monnto.core.errors import ConfigurationError, LoadError, MonntoValueError, UnsafeLoadError
from monnto.evolution import Evolution
from monnto.evolution.cli import main as cli_main
from monnto.evolution.config import Constraints
from monnto.evolution.executor import DEFAULT_TIMEOUT_S, run_script
from monnto.evolution.expressions import ExpressionError
from monnto.evolution.launcher import WorkerPool
from monnto.evolution.lease import HOLDER_ATTR, LEASE_SUFFIX, HolderFileLock, MasterLease, this_process
from monnto.evolution.sampler import Individual
from monnto.evolution.study import (
    CONFIG_ATTR,
    STOP_ATTR,
    WORKER_ATTR,
    WORKER_PROCESS_ATTR,
    open_storage,
    pop_waiting,
    read_config,
)
from monnto.evolution.worker import Worker

HOST = socket.gethostname()


def dead_pid():
    """The id of a process of this host that has ended."""
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True,
                          check=True)
    return int(done.stdout)


def make_evolution(name, script, data_folder, **kw):
    args = dict(individual_count=2, start_genomes=[{"x": 1.0}], devices={"processes": 0}, generations=1, seed=3,
                data_folder=data_folder, progress=False)
    args.update(kw)
    return Evolution(name, script, **args)


def stored_evolution(evolution, **config_changes):
    """Create ``evolution``'s study as a master would (config, one waiting individual), with changed settings."""
    storage = open_storage(evolution.storage_url)
    study = optuna.create_study(storage=storage, study_name=evolution.name, direction="maximize")
    config = evolution.config()
    config.update(config_changes)
    study.set_user_attr(CONFIG_ATTR, config)
    evolution._enqueue(study, 0, 0, Individual({"x": 1.0}))
    return storage, study


# ---- 1. a worker runs only the script on its own command line ---------------------
MARKER_SCRIPT = """
    import os
    open({marker!r}, 'w').write('ran')
    set_score(get_gene('x', 1.0))
"""


def worker_cli(*args, cwd):
    return subprocess.run([sys.executable, "-m", "monnto.evolution", "worker", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=300)


def test_worker_refuses_a_script_named_by_the_storage_and_never_runs_it(data_folder, tmp_path, write_script):
    marker = tmp_path / "evil-ran"
    evil = write_script(MARKER_SCRIPT.format(marker=str(marker)), name="evil.py")
    good = write_script("set_score(get_gene('x', 1.0))\n", name="good.py")
    evolution = make_evolution("guarded", good, data_folder)
    storage, study = stored_evolution(evolution, script=evil)  # an attacker wrote the storage
    done = worker_cli("--storage", evolution.storage_url, "--name", "guarded", "--script", good, "--wait", "0",
                      "--max-evaluations", "1", cwd=tmp_path)
    assert done.returncode == 2
    assert "monnto evolve worker: error: Evolution worker for 'guarded': the evolution's storage names the " \
           f"script {evil!r}, but this worker was given --script {good!r}" in done.stderr
    assert "runs only its own script" in done.stderr
    assert not marker.exists()
    assert [t.state for t in study.get_trials()] == [TrialState.WAITING]  # nothing was claimed

    done = worker_cli("--storage", evolution.storage_url, "--name", "guarded", "--wait", "0", cwd=tmp_path)
    assert done.returncode == 2 and "the following arguments are required: --script" in done.stderr
    assert not marker.exists()


def test_worker_runs_its_script_when_it_is_the_stored_one(data_folder, tmp_path, write_script):
    marker = tmp_path / "ran"
    script = write_script(MARKER_SCRIPT.format(marker=str(marker)))
    evolution = make_evolution("matching", script, data_folder)
    storage, study = stored_evolution(evolution)
    done = worker_cli("--storage", evolution.storage_url, "--name", "matching", "--script", script, "--wait", "0",
                      "--max-evaluations", "1", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert marker.read_text() == "ran"  # the refusal above is not a worker that never runs anything
    assert [t.state for t in study.get_trials()] == [TrialState.COMPLETE]


def test_worker_without_a_script_is_refused_in_python_too(data_folder, tmp_path, write_script):
    evolution = make_evolution("noscript", write_script("set_score(1)\n"), data_folder)
    stored_evolution(evolution)
    with pytest.raises(MonntoValueError, match=r"Evolution worker for 'noscript': script must be the path of the "
                                               r"script this worker runs, got None\. a worker never runs"):
        Worker(evolution.storage_url, "noscript", wait_for_study=0)


def test_master_passes_its_script_to_its_workers(data_folder, write_script):
    script = write_script("set_score(1)\n")
    command = WorkerPool(make_evolution("launch", script, data_folder))._command(0)
    assert command[command.index("--script") + 1] == os.path.abspath(script)


def test_loaded_evolution_does_not_run_the_stored_script_unless_told(data_folder, write_script):
    script = write_script("set_score(1)\n")
    evolution = make_evolution("loaded", script, data_folder)
    stored_evolution(evolution)
    loaded = Evolution.load("loaded", data_folder=data_folder, devices={"processes": 1}, progress=False)
    assert loaded.status()["waiting"] == 1  # reading the storage is fine
    with pytest.raises(UnsafeLoadError, match=rf"Evolution 'loaded': slave_file '{script}' was read from the "
                                              r"storage .*pass slave_file=.*or trusted=True"):
        loaded.continue_evolution()
    assert not loaded.study().user_attrs.get("monnto_stop_requested")  # refused before changing anything


@pytest.mark.parametrize("key, value, message", [
    ("individual_count", -1, "stored setting individual_count must be an int >= 1, got -1"),
    ("gene_types", {"x": "os.system"}, "stored setting gene_types must be a dict of gene names to 'int' or 'float'"),
    ("algorithm", "evil", "stored setting algorithm must be one of ['paper', 'nsga2', 'cmaes', 'tpe', 'random'], "
                          "got 'evil'"),
    ("constraints", "x>0", "stored setting constraints must be a list of strings, got 'x>0'"),
    ("timeout", -5, "stored setting timeout must be a positive number of seconds or None, got -5"),
])
def test_worker_refuses_malformed_stored_settings_naming_them(data_folder, write_script, key, value, message):
    script = write_script("set_score(1)\n")
    evolution = make_evolution("malformed", script, data_folder)
    stored_evolution(evolution, **{key: value})
    with pytest.raises(LoadError, match=re.escape(f"Evolution 'malformed': {message}")):
        Worker(evolution.storage_url, "malformed", script=script, wait_for_study=0)


def test_storage_with_an_unknown_url_scheme_is_refused():
    with pytest.raises(MonntoValueError, match=r"Evolution: storage must be a journal file path or a database URL "
                                               r"\(postgresql://.*\), got 'host:6379/0'"):
        open_storage("redis://user:secret@host:6379/0")  # the password is not shown


# ---- 2. one master per study -------------------------------------------------------
def test_second_master_is_refused_naming_the_study_and_the_holder(data_folder, write_script):
    script = write_script("set_score(1)\n")
    evolution = make_evolution("leased", script, data_folder)
    storage, _ = stored_evolution(evolution)
    first = MasterLease(storage, "leased")
    first.acquire()
    with pytest.raises(ConfigurationError, match=rf"Evolution 'leased': study 'leased' in .*evolution.journal is "
                                                 rf"already run by the master pid {os.getpid()} on host "
                                                 rf"'{HOST}' since .* UTC \(lease renewed 0 s ago\)"):
        evolution.continue_evolution()
    first.check()  # the refused master took nothing
    first.release()
    assert LEASE_SUFFIX not in " ".join(s.study_name for s in storage.get_all_studies())


def test_master_that_lost_its_lease_stops_and_leaves_the_workers_to_the_new_one(data_folder, write_script):
    evolution = make_evolution("taken", write_script("set_score(1)\n"), data_folder, poll_interval=0.05)
    errors = []

    def run():
        try:
            evolution.start()
        except ConfigurationError as err:
            errors.append(err)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    storage = open_storage(evolution.storage_url)
    try:
        lease_id, deadline = None, time.monotonic() + 120
        while lease_id is None and time.monotonic() < deadline:  # until the master holds its lease
            try:
                candidate = storage.get_study_id_from_name("taken" + LEASE_SUFFIX)
                lease_id = candidate if HOLDER_ATTR in storage.get_study_user_attrs(candidate) else None
            except KeyError:
                pass
            time.sleep(0.05)
        storage.delete_study(lease_id)  # another master broke it and took the study
        MasterLease(storage, "taken", holder=dict(this_process(), host="elsewhere.invalid", pid=99)).acquire()
        thread.join(timeout=120)
        assert not thread.is_alive()
    finally:
        if thread.is_alive():
            evolution.stop()
    assert len(errors) == 1
    assert "Evolution 'taken': this master lost its lease on study 'taken'" in str(errors[0])
    assert "now held by pid 99 on host 'elsewhere.invalid'" in str(errors[0])
    assert not evolution.study().user_attrs.get(STOP_ATTR)  # the new master's workers go on


def test_lease_of_a_dead_master_on_this_host_is_broken_at_once(tmp_path, caplog):
    storage = open_storage(str(tmp_path / "s.journal"))
    holder = dict(this_process(), pid=dead_pid())
    MasterLease(storage, "evo", holder=holder, grace=3600).acquire()
    second = MasterLease(storage, "evo", grace=3600)
    with caplog.at_level(logging.WARNING, logger="monnto.evolution"):
        second.acquire()
    second.check()
    assert f"its process {holder['pid']} on this host ({HOST}) has ended" in caplog.text


def test_lease_of_a_master_on_another_host_is_broken_by_age_only(tmp_path):
    storage = open_storage(str(tmp_path / "s.journal"))
    now = [1000.0]
    holder = dict(this_process(), host="elsewhere.invalid", pid=4242)
    first = MasterLease(storage, "evo", holder=holder, grace=60, clock=lambda: now[0])
    first.acquire()
    now[0] += 59
    with pytest.raises(ConfigurationError, match=r"study 'evo' .* pid 4242 on host 'elsewhere.invalid' .*lease "
                                                 r"renewed 59 s ago.*expires 1 s from now"):
        MasterLease(storage, "evo", grace=60, clock=lambda: now[0]).acquire()
    now[0] += 2
    second = MasterLease(storage, "evo", grace=60, clock=lambda: now[0])
    second.acquire()
    with pytest.raises(ConfigurationError, match=rf"this master lost its lease on study 'evo' .* \(now held by pid "
                                                 rf"{os.getpid()} on host '{HOST}'"):
        first.renew()  # the first master stops instead of planning generations twice


def test_lost_lease_names_a_new_master_that_is_still_writing_its_holder(tmp_path):
    storage = open_storage(str(tmp_path / "s.journal"))
    first = MasterLease(storage, "evo")
    first.acquire()
    storage.delete_study(storage.get_study_id_from_name("evo" + LEASE_SUFFIX))
    taken = storage.create_new_study([optuna.study.StudyDirection.MINIMIZE], "evo" + LEASE_SUFFIX)
    looks = []

    def holder_arrives(seconds):  # the new master writes its holder while the first one looks
        looks.append(seconds)
        storage.set_study_user_attr(taken, HOLDER_ATTR, dict(this_process(), host="elsewhere.invalid", pid=99))

    first.sleep = holder_arrives
    with pytest.raises(ConfigurationError, match=r"lost its lease .*now held by pid 99 on host 'elsewhere.invalid'"):
        first.check()
    assert len(looks) == 1


def test_worker_waits_for_the_settings_of_a_study_its_master_is_creating(tmp_path):
    storage = open_storage(str(tmp_path / "s.journal"))
    study = optuna.create_study(storage=storage, study_name="young", direction="maximize")
    with pytest.raises(KeyError, match="'young' is not a monnto evolution"):
        read_config(study, wait=0.0)
    writer = threading.Timer(0.3, lambda: study.set_user_attr(CONFIG_ATTR, {"not": "checked yet"}))
    writer.start()
    try:
        with pytest.raises(LoadError):  # the settings arrived (and are checked): no 'not a monnto evolution'
            read_config(study, wait=10.0)
    finally:
        writer.join()


def test_renewed_lease_stays_valid(tmp_path):
    storage = open_storage(str(tmp_path / "s.journal"))
    now = [0.0]
    holder = dict(this_process(), host="elsewhere.invalid")
    first = MasterLease(storage, "evo", holder=holder, grace=60, clock=lambda: now[0])
    first.acquire()
    for _ in range(4):  # 4 x 20 s: older than the grace, but renewed
        now[0] += 20
        first.renew()
    with pytest.raises(ConfigurationError, match="already run by the master"):
        MasterLease(storage, "evo", grace=60, clock=lambda: now[0]).acquire()


# ---- 3. stale journal locks ---------------------------------------------------------
def never_sleep(seconds):
    raise AssertionError(f"the lock waited ({seconds} s) instead of breaking a stale lock at once")


def write_lock(path, holder, mtime=None):
    with open(path, "w") as handle:
        json.dump(holder, handle)
    if mtime is not None:
        os.utime(path, (mtime, mtime))


def test_lock_of_a_dead_process_on_this_host_is_broken_at_once(tmp_path, caplog):
    journal = str(tmp_path / "s.journal")
    pid = dead_pid()
    write_lock(journal + ".lock", dict(this_process(), pid=pid))
    lock = HolderFileLock(journal, grace=3600, sleep=never_sleep)
    with caplog.at_level(logging.WARNING, logger="monnto.evolution"):
        assert lock.acquire() is True
    assert f"its process {pid} on this host ({HOST}) has ended" in caplog.text
    assert json.loads(open(journal + ".lock").read())["pid"] == os.getpid()
    lock.release()
    assert not os.path.exists(journal + ".lock")


def test_old_lock_of_another_host_is_broken_by_its_age(tmp_path, caplog):
    journal = str(tmp_path / "s.journal")
    write_lock(journal + ".lock", dict(this_process(), host="elsewhere.invalid", pid=4242), mtime=5000.0)
    lock = HolderFileLock(journal, grace=10, clock=lambda: 5011.0, sleep=never_sleep)
    with caplog.at_level(logging.WARNING, logger="monnto.evolution"):
        lock.acquire()
    assert "it is 11.0 s old (more than 10 s), held by pid 4242 on host 'elsewhere.invalid'" in caplog.text
    lock.release()


def test_fresh_lock_of_another_host_is_waited_for_until_the_grace(tmp_path):
    journal = str(tmp_path / "s.journal")
    write_lock(journal + ".lock", dict(this_process(), host="elsewhere.invalid", pid=4242), mtime=5000.0)
    now = [5000.0]

    def sleep(seconds):
        now[0] += seconds

    lock = HolderFileLock(journal, grace=10, clock=lambda: now[0], sleep=sleep)
    lock.acquire()
    assert 10.0 < now[0] - 5000.0 < 10.2  # waited the grace period, not less, then broke it
    lock.release()


def test_release_leaves_a_lock_that_another_process_took(tmp_path, caplog):
    journal = str(tmp_path / "s.journal")
    first = HolderFileLock(journal, grace=10)
    first.acquire()
    os.utime(journal + ".lock", (1.0, 1.0))  # first looks stuck
    second = HolderFileLock(journal, grace=10, sleep=never_sleep)
    second.acquire()
    with caplog.at_level(logging.WARNING, logger="monnto.evolution"):
        first.release()
    assert "was broken while this process held it" in caplog.text
    assert os.path.exists(journal + ".lock")  # second's lock is still there
    second.release()
    assert not os.path.exists(journal + ".lock")


def test_journal_storage_writes_past_a_lock_left_by_a_killed_process(tmp_path, caplog):
    journal = str(tmp_path / "s.journal")
    open(journal, "w").close()
    write_lock(journal + ".lock", dict(this_process(), pid=dead_pid()))
    with caplog.at_level(logging.WARNING, logger="monnto.evolution"):
        optuna.create_study(storage=open_storage(journal), study_name="after-crash")
    assert "has ended" in caplog.text
    assert [s.study_name for s in open_storage(journal).get_all_studies()] == ["after-crash"]


def test_trial_of_a_dead_worker_on_this_host_is_lost_at_once_others_wait_for_the_grace(data_folder, write_script):
    evolution = make_evolution("reaped", write_script("set_score(1)\n"), data_folder, heartbeat_grace=3600)
    storage, study = stored_evolution(evolution)
    evolution._enqueue(study, 0, 1, Individual({"x": 2.0}))
    pid = dead_pid()
    workers = {0: dict(this_process(), pid=pid), 1: dict(this_process(), host="elsewhere.invalid", pid=pid)}
    for slot in (0, 1):
        trial_id = pop_waiting(study)
        storage.set_trial_system_attr(trial_id, WORKER_ATTR, f"worker-{slot}")
        storage.set_trial_system_attr(trial_id, WORKER_PROCESS_ATTR, workers[slot])
    assert evolution._reap_lost(study, study.get_trials()) is True
    trials = study.get_trials()
    assert [t.state for t in trials] == [TrialState.FAIL, TrialState.RUNNING]
    assert trials[0].user_attrs["error"] == (f"worker lost: worker-0 ended during the evaluation (its process {pid} "
                                             f"on this host ({HOST}) has ended)")
    assert trials[0].user_attrs["failure"] == "lost"


# ---- 4. a hanging objective has a default timeout -------------------------------------
def test_default_timeout_is_one_hour_and_stored(data_folder, write_script):
    evolution = make_evolution("timed", write_script("set_score(1)\n"), data_folder)
    assert evolution.timeout == DEFAULT_TIMEOUT_S == 3600.0
    assert evolution.config()["timeout"] == 3600.0


@pytest.mark.parametrize("timeout", [0, -1.0, "10", float("nan"), True])
def test_bad_timeout_is_refused_naming_it(data_folder, write_script, timeout):
    expected = rf"Evolution 'timed': timeout must be a positive number of seconds .*, got {re.escape(repr(timeout))}$"
    with pytest.raises(MonntoValueError, match=expected):
        make_evolution("timed", write_script("set_score(1)\n"), data_folder, timeout=timeout)


def test_hanging_script_fails_at_the_default_timeout_naming_it_and_the_individual(tmp_path):
    script = tmp_path / "hang.py"
    script.write_text("import os, time\nopen('started.tmp', 'w').close()\nos.replace('started.tmp', 'started')\n"
                      "time.sleep(120)\n")

    def clock():  # an hour passes once the script runs
        return 3601.0 if (tmp_path / "started").exists() else 0.0

    result = run_script(str(script), {}, str(tmp_path / "r"), name="hangs", individual_id=5, generation=1,
                        cwd=str(tmp_path), clock=clock)
    assert result.failure == "timeout"
    assert result.error.startswith("timeout: individual 5 (generation 1) of evolution 'hangs' ran past "
                                   "timeout=3600 s and was killed")


# ---- 5. bounded constraints ------------------------------------------------------------
TYPES = {"a": float, "b": float}


@pytest.mark.parametrize("text, reason", [
    ("9**9**9 > a", "raises 9 to the power 387420489; |exponent| must be at most 1000"),
    ("a < 10**10**8", "raises 10 to the power 100000000; |exponent| must be at most 1000"),
    ("2**999 * 2**999 * 2**999 * 2**999 * 2**999 > a", "multiplies integers of 3997 and 1000 bits; at most 4096 bits are allowed"),
    ("round(a, -10**8) > 0", "calls round(x, -100000000); ndigits must be an int with |ndigits| <= 30"),
    ("a ** b > 0", "raises 2.0 to the power 5000.0; |exponent| must be at most 1000"),
    ("exp(b) > a", "cannot be evaluated for the genome {'a': 2.0, 'b': 5000.0}: OverflowError"),
    ("sqrt(-a) > 0", "cannot be evaluated for the genome {'a': 2.0, 'b': 5000.0}: ValueError: math domain error"),
])
def test_constraint_refuses_unbounded_or_undefined_work(text, reason):
    constraints = Constraints([text], TYPES)
    with pytest.raises(ExpressionError) as err:
        constraints.violated({"a": 2.0, "b": 5000.0})
    assert isinstance(err.value, ValueError)
    assert str(err.value).startswith(f"Evolution: constraint {text!r} ")
    assert reason in str(err.value)


@pytest.mark.parametrize("text, reason", [
    ("'x' * 10**9 > a", "holds the constant 'x'; only numbers are allowed"),
    ("a" + " + a" * 150 + " > 0", "has 605 characters; at most 500 are allowed"),
    ("-" * 120 + "a > 0", "has 246 parts; at most 200 are allowed"),
    ("max(a, key=b) > 0", "calls a function that is not one of"),
    ("(lambda: 1) > a", "uses Lambda, which is not allowed"),
])
def test_constraint_text_is_refused_when_it_cannot_be_bounded(text, reason):
    with pytest.raises(ExpressionError, match="Evolution: constraint ") as err:
        Constraints([text], TYPES)
    assert reason in str(err.value)


def test_evolution_with_an_unbounded_constraint_fails_before_anything_starts(data_folder, write_script):
    with pytest.raises(ExpressionError, match=r"constraint 'x < 10\*\*10\*\*8' raises 10 to the power 100000000"):
        make_evolution("bounded", write_script("set_score(1)\n"), data_folder, constraints=["x < 10**10**8"])
    assert os.listdir(data_folder) == []


def test_bounded_evaluator_agrees_with_python_on_ordinary_constraints():
    texts = ["0 < a <= b", "a < b and not a > 3", "a > 1 or b > 1", "round(a, 1) == 0.5", "max(a, b, 2) >= 2",
             "a % 2 < 1", "2**10 == 1024", "abs(a - b) < 2", "-a < +b", "a // 1 == 0", "log(exp(a)) < b / 2 + 1"]
    constraints = Constraints(texts, TYPES)
    for genome in ({"a": 0.5, "b": 1.5}, {"a": 3.5, "b": 0.25}, {"a": -2.0, "b": -1.0}):
        scope = {"abs": abs, "max": max, "round": round, "log": math.log, "exp": math.exp, **genome}
        expected = [t for t in texts if not eval(t, {"__builtins__": {}}, scope)]  # noqa: S307 - test oracle
        assert constraints.violated(genome) == expected


# ---- 6. typed CLI options ------------------------------------------------------------------
@pytest.mark.parametrize("argv, message", [
    (["start", "s.py", "--name", "n", "--workers", "-1"],
     "monnto evolve start: --workers must be a non-negative int (0: outside workers only), got -1"),
    (["start", "s.py", "--name", "n", "--individuals", "0"], "monnto evolve start: --individuals must be a "
                                                             "positive int, got 0"),
    (["start", "s.py", "--name", "n", "--death-rate", "1"], "--death-rate must be a number in [0, 1), got 1"),
    (["start", "s.py", "--name", "n", "--mutation", "nan"], "--mutation must be a finite number >= 0, got nan"),
    (["start", "s.py", "--name", "n", "--gene", "a=inf"], "--gene must be NAME=VALUE with a gene name and a finite "
                                                          "number, like a=0.5, got a=inf"),
    (["start", "s.py", "--name", "n", "--gene", "1a=3"], "--gene must be NAME=VALUE"),
    (["start", "s.py", "--name", "n", "--genome", "[1]"], "--genome must be a JSON object of gene names and finite "
                                                          "numbers"),
    (["start", "s.py", "--name", "n", "--range", "a=3:1"], "--range must be NAME=LOW:HIGH with finite numbers "
                                                           "LOW < HIGH, got a=3:1"),
    (["start", "s.py", "--name", "n", "--timeout", "0"], "--timeout must be a positive number of seconds (inf: no "
                                                         "limit), got 0"),
    (["start", "s.py", "--name", "n", "--seed", "-5"], "--seed must be an int in [0, 2**32), got -5"),
    (["start", "s.py", "--name", "n", "--algorithm", "genetic"], "--algorithm must be one of paper, nsga2, cmaes, "
                                                                 "tpe, random, got genetic"),
    (["start", "s.py", "--name", "n", "--dask", "localhost"], "--dask must be a Dask scheduler address like "
                                                              "tcp://host:8786, got localhost"),
    (["start", "s.py", "--name", "n", "--constraint", "a" * 501], "--constraint must be an expression over genes "
                                                                  "like 'b>=a' of at most 500 characters, got 'aaa"),
    (["start", "s.py", "--name", "../up"], "monnto evolve start: --name must be letters"),
    (["worker", "--name", "n", "--script", "s.py", "--poll", "0"], "monnto evolve worker: --poll must be a "
                                                                   "positive number of seconds, got 0"),
    (["worker", "--name", "n", "--script", "s.py", "--index", "x"], "--index must be a non-negative int, got x"),
    (["continue", "--name", "n", "--generations", "2.5"], "monnto evolve continue: --generations must be a "
                                                          "positive int, got 2.5"),
    (["dashboard", "--name", "n", "--port", "70000"], "monnto evolve dashboard: --port must be an int in "
                                                      "[0, 65535] (0: any free port), got 70000"),
])
def test_cli_option_errors_name_the_command_option_and_value(argv, message, capsys, data_folder):
    with pytest.raises(SystemExit) as exit_:
        cli_main(argv)
    assert exit_.value.code == 2
    assert message in capsys.readouterr().err
    assert os.listdir(data_folder) == []


def test_cli_start_help_shows_defaults_and_an_example(capsys):
    with pytest.raises(SystemExit) as exit_:
        cli_main(["start", "--help"])
    assert exit_.value.code == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "individuals per generation (default: 10)" in text
    assert "fraction dying per generation (default: 0.5)" in text
    assert "(default: paper)" in text and "(default: 3600)" in text
    assert "examples: monnto evolve start slave.py --name toy --gene a=0.5" in text

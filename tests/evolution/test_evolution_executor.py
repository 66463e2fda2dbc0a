"""One evaluation in a fresh process: score, crash, missing score, timeout."""
import json
import os
import time

from monnto.evolution.executor import run_script


def plain(tmp_path, body, name="s.py"):
    path = tmp_path / name
    path.write_text(body)
    return str(path)


def test_script_gets_its_genome_and_reports_score(tmp_path, write_script):
    script = write_script("""
        import os
        set_score(get_gene('a', 1.0) * get_gene('n', 2), info={'cwd': os.getcwd(),
                  'run': os.environ['MONNTO_RUN_FOLDER'], 'id': os.environ['MONNTO_EVOLUTION_ID']})
    """)
    run = tmp_path / "run"
    result = run_script(script, {"a": 1.5, "n": 4}, str(run), timeout=60, individual_id=7, cwd=str(tmp_path))
    assert result.ok and result.score == 6.0 and result.failure is None
    assert result.info == {"cwd": str(tmp_path), "run": str(run), "id": "7"}
    assert json.loads((run / "score.json").read_text())["genome"] == {"a": 1.5, "n": 4}


def test_crash_is_a_failure_with_the_traceback(tmp_path):
    result = run_script(plain(tmp_path, "raise ValueError('boom 42')\n"), {}, str(tmp_path / "r"), timeout=60)
    assert not result.ok and result.failure == "crash"
    assert "exit code 1" in result.error and "ValueError: boom 42" in result.error
    assert "boom 42" in (tmp_path / "r" / "output.log").read_text()


def test_missing_score_is_a_failure(tmp_path):
    result = run_script(plain(tmp_path, "x = 1\n"), {}, str(tmp_path / "r"), timeout=60)
    assert result.failure == "no_score" and "without calling set_score" in result.error


def test_nan_score_is_a_failure(tmp_path):
    body = "import json, os\njson.dump({'score': 'nan'}, open(os.environ['MONNTO_SCORE_FILE'], 'w'))\n"
    result = run_script(plain(tmp_path, body), {}, str(tmp_path / "r"), timeout=60)
    assert result.failure == "bad_score" and "nan" in result.error


def test_timeout_kills_the_script_and_its_children(tmp_path):
    body = ("import os, subprocess, sys, time\n"
            "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(120)'])\n"
            "open('child.tmp', 'w').write(str(child.pid))\n"
            "os.replace('child.tmp', 'child.pid')\n"
            "time.sleep(120)\n")

    def clock():  # the timeout's clock starts once the child exists: no race with a busy machine
        return 100.0 if (tmp_path / "child.pid").exists() else 0.0

    start = time.monotonic()
    result = run_script(plain(tmp_path, body), {}, str(tmp_path / "r"), timeout=1.5, cwd=str(tmp_path),
                        individual_id=7, generation=2, name="slow", clock=clock)
    assert time.monotonic() - start < 100  # killed long before the script's own 120 s
    assert result.failure == "timeout"
    assert "individual 7 (generation 2) of evolution 'slow' ran past timeout=1.5 s" in result.error
    pid = int((tmp_path / "child.pid").read_text())
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.05)
    else:
        raise AssertionError(f"the script's child {pid} survived the timeout")


def test_missing_script_is_a_failure_not_an_exception(tmp_path):
    result = run_script(str(tmp_path / "nope.py"), {}, str(tmp_path / "r"))
    assert result.failure == "crash" and "does not exist" in result.error


def test_storage_managers_of_the_script_write_into_the_trial_run_folder(tmp_path, write_script):
    script = write_script("""
        from monnto.storage import StorageManager
        sm = StorageManager('sweep')
        sm.save_param('a', get_gene('a', 1.0))
        set_score(1.0, info={'path': str(sm.path)})
    """)
    (tmp_path / "Data").mkdir()  # a project Data folder above the script: not used by the trial
    run = tmp_path / "Data" / "evolution" / "trial_3"
    result = run_script(script, {"a": 2.5}, str(run), timeout=60, cwd=str(tmp_path))
    assert result.ok, result.error
    path = run / "StorageManager" / "sweep" / "sweep"
    assert result.info == {"path": str(path)}
    assert json.loads((path / "params.json").read_text())["a"] == 2.5
    assert not (tmp_path / "Data" / "StorageManager").exists()

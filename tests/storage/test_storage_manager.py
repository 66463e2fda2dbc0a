"""StorageManager: Data folder, run folders, parameters, arrays, frames, recorders."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

from monnto import UnsafeLoadError
from monnto.storage import CorruptRunError, StorageManager, get_data_folder, safe_name
from monnto.storage.storage_manager import INCOMPLETE_MARKER, PARAMS_FILE

SRC = str(Path(__file__).resolve().parents[2] / "src")


def test_get_data_folder_finds_the_nearest_data_folder_upward(project):
    assert get_data_folder() == project / "Data"
    nested = project / "code" / "Data"
    nested.mkdir()
    assert get_data_folder() == nested
    nested.rmdir()


def test_data_folder_is_created_in_cwd_on_first_write_only(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert get_data_folder() == tmp_path / "Data"
    assert not (tmp_path / "Data").exists()
    sm = StorageManager("first")
    assert (tmp_path / "Data").is_dir()
    assert sm.path == tmp_path / "Data" / "StorageManager" / "first" / "first"


def test_importing_the_storage_package_writes_nothing(tmp_path):
    env = {**os.environ, "PYTHONPATH": SRC}
    subprocess.run([sys.executable, "-c", "import monnto.storage"], cwd=tmp_path, env=env,
                   check=True)
    assert list(tmp_path.iterdir()) == []


def test_each_instance_gets_a_new_run_folder(project):
    names = [StorageManager("test").folder_name for _ in range(4)]
    assert names == ["test", "test_0", "test_1", "test_2"]
    sm = StorageManager("test")
    assert sm.absolute_path == str(project / "Data" / "StorageManager" / "test" / "test_3") + os.sep
    assert (project / "Data" / "StorageManager" / "test" / "test_3" / PARAMS_FILE).is_file()


def test_folder_names_from_dicts_numbers_and_dates(project):
    assert StorageManager({"k1": 1, "k2": 0.5}).folder_name == "k1=1_k2=0.5"
    assert StorageManager("grid", folder_name={"a": 3}).path.parent.name == "grid"
    assert StorageManager("grid", folder_name="x", random_nr=7).folder_name == "x_7"
    rnd = StorageManager("grid", folder_name="y", random_nr=True).folder_name
    assert rnd.startswith("y_") and 0 <= int(rnd[2:]) < 10000
    dated = StorageManager("grid", folder_name="z", add_date=True).folder_name
    assert len(dated) == len("z_20260101-120000") and dated[1] == "_"


@pytest.mark.parametrize("bad", ["../escape", "a/b", ".hidden", "", ".."])
def test_names_that_would_leave_the_data_folder_are_refused(project, bad):
    with pytest.raises(ValueError, match="not a valid file name"):
        StorageManager(bad)
    with pytest.raises(ValueError, match="not a valid file name"):
        StorageManager("ok", folder_name=bad)


def test_parallel_managers_never_share_a_folder(project):
    folders = []
    lock = threading.Lock()

    def make():
        sm = StorageManager("race")
        with lock:
            folders.append(sm.folder_name)

    threads = [threading.Thread(target=make) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(folders)) == 16


def test_parameters_round_trip_with_their_types(project):
    sm = StorageManager("params")
    values = {"i": 3, "f": 0.25, "b": True, "s": "text", "l": [1, 2.5, "x", False, None],
              "n": None, "big": 2**40, "nested": [[1, 2], [3]]}
    for k, v in values.items():
        sm.save_param(k, v)
    other = StorageManager.open(sm.path)
    for k, v in values.items():
        got = other.load_param(k)
        assert got == v and type(got) is type(v), k
    assert other.load_param("missing", default=42) == 42
    assert other.load_param_list(["i", "s", "nope"]) == [3, "text", None]


def test_numpy_values_and_tuples_become_plain_values(project):
    sm = StorageManager("params")
    sm.save_param_dict({"a": np.float32(0.5), "b": np.int64(7), "c": (1, 2),
                        "d": np.arange(3), "e": np.bool_(True)})
    assert sm.get_all_params() | {"time": 0} == {"a": 0.5, "b": 7, "c": [1, 2], "d": [0, 1, 2],
                                                 "e": True, "time": 0}
    assert type(sm.load_param("b")) is int and type(sm.load_param("e")) is bool


def test_parameter_file_is_readable_json_and_leaves_no_temporary_files(project):
    sm = StorageManager("params")
    for i in range(20):
        sm.save_param(f"p{i}", i)
    text = (sm.path / PARAMS_FILE).read_text()
    assert '\n  "p3": 3,\n' in text
    assert json.loads(text)["p19"] == 19
    assert sorted(p.name for p in sm.path.iterdir()) == [INCOMPLETE_MARKER, PARAMS_FILE]


def test_unsupported_parameter_types_raise_and_change_nothing(project):
    sm = StorageManager("params")
    sm.save_param("a", 1)
    before = (sm.path / PARAMS_FILE).read_bytes()
    with pytest.raises(TypeError, match=r"save_param\('obj'\).*save_obj"):
        sm.save_param("obj", object())
    with pytest.raises(TypeError, match="dict keys must be str"):
        sm.save_param("d", {1: 2})
    assert (sm.path / PARAMS_FILE).read_bytes() == before


def test_network_description_and_genome_params(project):
    sm = StorageManager("net")
    description = "Network\n  NeuronGroup my_neurons (100)\n    1: Basic_Behaviour"
    genome = {"leak": 0.9, "threshold": 0.5, "n": 100}
    sm.save_param("network_description", description)
    sm.save_param("genome", genome)
    again = StorageManager.open(sm.path)
    assert again.load_param("network_description") == description
    assert again.load_param("genome") == genome


def test_corrupt_parameter_file_gives_a_clear_error_and_is_not_overwritten(project):
    sm = StorageManager("corrupt")
    garbage = b'{"a": 1, "b": '
    (sm.path / PARAMS_FILE).write_bytes(garbage)
    with pytest.raises(CorruptRunError, match=r"corrupt/corrupt: parameter file .*params\.json"):
        sm.load_param("a")
    with pytest.raises(CorruptRunError):
        sm.save_param("c", 3)
    assert (sm.path / PARAMS_FILE).read_bytes() == garbage


def test_open_missing_run_folder_raises(project):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        StorageManager.open(project / "Data" / "StorageManager" / "nope" / "nope")


def test_arrays_objects_and_text_round_trip(project):
    sm = StorageManager("files")
    rng = np.random.default_rng(1)
    w = rng.random((7, 5)).astype(np.float32)
    sm.save_np("W", w)
    assert sm.has_np("W") and not sm.has_np("V")
    np.testing.assert_array_equal(sm.load_np("W"), w)
    assert sm.load_np("W").dtype == np.float32
    np.testing.assert_array_equal(sm.load_np("W", mmap_mode="r"), w)
    with pytest.raises(FileNotFoundError, match=r"no array 'V' .*saved: \['W'\]"):
        sm.load_np("V")
    with pytest.raises(TypeError, match="save_obj"):
        sm.save_np("objs", np.array([object()]))
    obj = {"a": [1, 2], "b": (3, "x"), "c": w}
    sm.save_obj("thing", obj)
    with pytest.raises(UnsafeLoadError, match=r"load_obj\('thing', trusted=True\)"):
        sm.load_obj("thing")
    with pytest.raises(UnsafeLoadError, match="unpickl"):
        sm.load("thing")
    got = sm.load_obj("thing", trusted=True)
    assert got["b"] == (3, "x") and np.array_equal(got["c"], w)
    assert sm.load("thing", trusted=True)["a"] == [1, 2]
    sm.save_str("notes", "hello\nworld")
    assert sm.load_str("notes") == "hello\nworld"
    assert sm.load("W").shape == (7, 5) and sm.load("time") == sm.load_param("time")
    with pytest.raises(ValueError, match="not a valid file name"):
        sm.save_np("../W", w)


def test_frames_are_png_files_with_the_same_pixels(project):
    from PIL import Image

    sm = StorageManager("frames")
    img = np.linspace(0, 1, 12).reshape(3, 4)
    rgb = np.arange(24, dtype=np.uint8).reshape(2, 4, 3)
    p0 = sm.save_frame(img)
    p1 = sm.save_frame(rgb)
    assert (p0.name, p1.name) == ("frame_000000.png", "frame_000001.png")
    np.testing.assert_array_equal(np.asarray(Image.open(p0)), np.round(img * 255).astype(np.uint8))
    np.testing.assert_array_equal(np.asarray(Image.open(p1)), rgb)
    assert StorageManager.open(sm.path).save_frame(img > 0.5).name == "frame_000002.png"
    with pytest.raises(ValueError, match="got shape"):
        sm.save_frame(np.zeros((2, 2, 2)))


def test_render_video_without_ffmpeg_says_how_to_install_it(project, monkeypatch):
    sm = StorageManager("video")
    sm.save_frame(np.zeros((4, 4)))
    monkeypatch.setenv("PATH", "")
    with pytest.raises(RuntimeError, match="apt-get install ffmpeg"):
        sm.render_video()


def test_render_video_calls_ffmpeg_on_the_frames(project, tmp_path, monkeypatch):
    bindir = tmp_path / "bin"
    bindir.mkdir()
    fake = bindir / "ffmpeg"
    log = tmp_path / "ffmpeg_args.txt"
    fake.write_text(f'#!/bin/sh\necho "$@" > {log}\nfor a; do last="$a"; done\n'
                    'echo video > "$last"\n')
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", str(bindir))
    sm = StorageManager("video")
    for i in range(3):
        sm.save_frame(np.full((5, 5), i / 2))
    out = sm.render_video("frame", fps=10, delete_frames=True)
    assert out == sm.path / "frame.mp4" and out.read_text() == "video\n"
    args = log.read_text().split()
    assert args[args.index("-framerate") + 1] == "10"
    assert args[args.index("-i") + 1].endswith("frame_%06d.png")
    assert "libx264" in args and not (sm.path / "frames" / "frame").exists()


def test_render_video_without_frames_raises(project, tmp_path, monkeypatch):
    sm = StorageManager("video")
    (tmp_path / "bin").mkdir()
    (tmp_path / "bin" / "ffmpeg").write_text("#!/bin/sh\n")
    (tmp_path / "bin" / "ffmpeg").chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    with pytest.raises(FileNotFoundError, match="no frames named 'clip'"):
        sm.render_video("clip")


def test_backup_executed_file_copies_the_script(project, tmp_path, monkeypatch):
    script = tmp_path / "my_script.py"
    script.write_text("print('hi')\n")
    monkeypatch.setattr(sys, "argv", [str(script)])
    sm = StorageManager("backup")
    copy = sm.backup_executed_file()
    assert copy == sm.path / "backup" / "my_script.py" and copy.read_text() == "print('hi')\n"
    monkeypatch.setattr(sys, "argv", ["-c"])
    with pytest.warns(UserWarning, match="not a script file"):
        assert sm.backup_executed_file() is None


class FakeRecorder:
    def __init__(self, variables):
        self.variables = variables


def test_save_recorder_writes_one_safe_npy_per_variable(project):
    sm = StorageManager("rec")
    v = [np.arange(4.0) + t for t in range(3)]
    rec = FakeRecorder({"n.voltage": v, "np.mean(n.voltage)": [x.mean() for x in v]})
    events = FakeRecorder({"n.spike": np.array([[1, 0], [1, 3], [2, 2]])})
    index = sm.save_recorder("my_recorder", rec)
    sm.save_recorder("my_event_recorder", events)
    assert index["n.voltage"] == "my_recorder_n.voltage"
    assert "/" not in index["np.mean(n.voltage)"] and "(" not in index["np.mean(n.voltage)"]
    loaded = StorageManager.open(sm.path).load_recorder("my_recorder")
    np.testing.assert_array_equal(loaded["n.voltage"], np.stack(v))
    np.testing.assert_array_equal(loaded["np.mean(n.voltage)"], [1.5, 2.5, 3.5])
    np.testing.assert_array_equal(sm.load_recorder("my_event_recorder")["n.spike"],
                                  events.variables["n.spike"])
    with pytest.raises(KeyError, match="no recorder saved as 'other'"):
        sm.load_recorder("other")
    with pytest.raises(TypeError, match="'variables' dict"):
        sm.save_recorder("x", object())


def test_safe_name_is_injective_for_different_expressions():
    names = {safe_name(e) for e in ["n.v", "n_v", "n/v", "n v", "np.mean(n.v)", "np.mean[n.v]"]}
    assert len(names) == 6
    assert all("/" not in n and not n.startswith(".") for n in names)


def test_run_is_incomplete_until_finished(project):
    sm = StorageManager("life", auto_finish=False)
    assert not sm.is_complete and (sm.path / INCOMPLETE_MARKER).exists()
    sm.finish()
    assert sm.is_complete
    with StorageManager("life") as sm2:
        assert not sm2.is_complete
    assert sm2.is_complete
    with pytest.raises(RuntimeError):
        with StorageManager("life") as sm3:
            raise RuntimeError("simulation blew up")
    assert not sm3.is_complete
    assert "simulation blew up" in (sm3.path / INCOMPLETE_MARKER).read_text()


@pytest.mark.parametrize("crash", [False, True])
def test_script_exit_finishes_the_run_unless_it_crashed(project, crash):
    code = ("import sys; from monnto.storage import StorageManager\n"
            "sm = StorageManager('script')\nsm.save_param('x', 1)\n"
            f"if {crash}: raise RuntimeError('boom')\n")
    env = {**os.environ, "PYTHONPATH": SRC}
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True)
    assert result.returncode == (1 if crash else 0)
    run = project / "Data" / "StorageManager" / "script" / "script"
    assert (run / INCOMPLETE_MARKER).exists() == crash
    assert StorageManager.open(run).load_param("x") == 1

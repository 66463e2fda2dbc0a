"""Streaming recordings: append blocks to zarr, read back, survive SIGKILL."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from monnto.storage import StorageManager, StorageManagerGroup
from monnto.storage.streams import default_chunk_steps

SRC = str(Path(__file__).resolve().parents[2] / "src")


def fake_recorder_loop(stream, data, chunk):
    """What a streaming Recorder does: buffer ``chunk`` samples, append, flush."""
    buffer = []
    for sample in data:
        buffer.append(sample)
        if len(buffer) == chunk:
            stream.append(np.stack(buffer))
            stream.flush()
            buffer = []
    if buffer:
        stream.append(np.stack(buffer))
        stream.flush()


def test_stream_round_trips_blocks_exactly(project):
    rng = np.random.default_rng(3)
    data = rng.random((237, 4, 3)).astype(np.float32)
    sm = StorageManager("streams")
    stream = sm.open_stream("n.voltage", (4, 3), np.float32)
    fake_recorder_loop(stream, data, chunk=50)
    assert len(stream) == 237 and stream.sample_shape == (4, 3)
    view = stream.read()
    assert view.shape == (237, 4, 3) and view.dtype == np.float32
    np.testing.assert_array_equal(np.asarray(view), data)
    np.testing.assert_array_equal(view[-10:], data[-10:])
    np.testing.assert_array_equal(view[5], data[5])
    np.testing.assert_array_equal(view[:, 1, 2], data[:, 1, 2])
    np.testing.assert_array_equal(view[::7], data[::7])
    again = StorageManager.open(sm.path).load_stream("n.voltage")
    np.testing.assert_array_equal(np.asarray(again), data)


def test_scalar_and_bool_streams(project):
    sm = StorageManager("streams")
    mean = sm.open_stream("np.mean(n.voltage)", (), np.float64)
    spikes = sm.open_stream("n.spike", (6,), bool)
    values = np.linspace(0, 1, 30)
    pattern = np.arange(30 * 6).reshape(30, 6) % 7 == 0
    fake_recorder_loop(mean, values, chunk=8)
    fake_recorder_loop(spikes, pattern, chunk=8)
    np.testing.assert_array_equal(np.asarray(sm.load_stream("np.mean(n.voltage)")), values)
    np.testing.assert_array_equal(np.asarray(sm.load_stream("n.spike")), pattern)
    assert sm.list_streams() == ["n.spike", "np.mean(n.voltage)"]


def test_stream_names_never_collide_or_overwrite(project):
    sm = StorageManager("streams")
    a = sm.open_stream("rec.n.v", (2,), "f8")
    a.append(np.ones((3, 2)))
    b = sm.open_stream("rec.n.v", (2,), "f8")
    b.append(np.zeros((1, 2)))
    assert (a.name, b.name) == ("rec.n.v", "rec.n.v#1")
    assert np.asarray(sm.load_stream("rec.n.v")).sum() == 6
    assert len(sm.load_stream("rec.n.v#1")) == 1


def test_stream_rejects_wrong_shapes_and_types(project):
    sm = StorageManager("streams")
    stream = sm.open_stream("x", (3,), np.int32)
    with pytest.raises(ValueError, match=r"stream 'x': append expected a block of shape \(k, 3\)"):
        stream.append(np.zeros((2, 4), dtype=np.int32))
    with pytest.raises(TypeError, match="cannot store float64 values in a int32 stream"):
        stream.append(np.zeros((2, 3)))
    stream.append(np.arange(3, dtype=np.int16))  # one sample, safely cast
    assert len(stream) == 1
    with pytest.raises(KeyError, match=r"no stream named 'y'; streams: \['x'\]"):
        sm.load_stream("y")
    with pytest.raises(TypeError, match="numeric or bool"):
        sm.open_stream("s", (1,), object)


def test_chunks_are_sized_to_a_few_megabytes_and_align_with_1000():
    assert default_chunk_steps((100_000,), np.float32) == 10
    assert default_chunk_steps((), np.float64) == 1000
    assert 1000 % default_chunk_steps((1000,), np.float64) == 0
    assert default_chunk_steps((10_000_000,), np.float32) == 1


KILL_SCRIPT = """
import sys, time
import numpy as np
from monnto.storage import StorageManager
sm = StorageManager('killed')
stream = sm.open_stream('n.voltage', (50,), np.float32)
chunk = 10
for step in range(10_000_000):
    sm.save_param(f'p{step}', step)
    block = np.arange(step * chunk, (step + 1) * chunk, dtype=np.float32)[:, None] + np.zeros(50, np.float32)
    stream.append(block)
    stream.flush()
    print(step, flush=True)
    time.sleep(0.01)
"""


def test_sigkill_keeps_saved_params_and_flushed_chunks_readable(project):
    with StorageManager("killed") as finished:
        finished.save_param("p0", 0)
    env = {**os.environ, "PYTHONPATH": SRC}
    proc = subprocess.Popen([sys.executable, "-c", KILL_SCRIPT], env=env, stdout=subprocess.PIPE,
                            text=True)
    reported = -1
    deadline = time.monotonic() + 60
    while reported < 15 and time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        reported = int(line)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL and reported >= 15
    run = StorageManager.open(project / "Data" / "StorageManager" / "killed" / "killed_0")
    assert not run.is_complete
    params = run.get_all_params()
    # every parameter saved before the last report is there, each with its value
    assert all(params[f"p{i}"] == i for i in range(reported + 1))
    data = np.asarray(run.load_stream("n.voltage"))
    assert data.shape[0] >= (reported + 1) * 10 and data.shape[0] % 10 == 0
    np.testing.assert_array_equal(data[:, 7], np.arange(data.shape[0], dtype=np.float32))
    group = StorageManagerGroup("killed")
    assert len(group) == 2 and [sm.folder_name for sm in group.incomplete] == ["killed_0"]
    assert group.broken_runs() == []
    assert json.loads((run.path / ".incomplete").read_text())["pid"] == proc.pid


def test_streams_are_compressed_with_zstd_unless_asked_not_to(project):
    sm = StorageManager("streams")
    packed = sm.open_stream("ones", (1000,), np.float32)
    raw = sm.open_stream("raw", (1000,), np.float32, compressors=None)
    for s in (packed, raw):
        s.append(np.ones((100, 1000), np.float32))
    sizes = {name: sum(f.stat().st_size for f in (sm.path / "streams.zarr" / name).rglob("*")
                       if f.is_file()) for name in ("ones", "raw")}
    assert sizes["ones"] < 10_000 < 400_000 <= sizes["raw"]
    np.testing.assert_array_equal(np.asarray(sm.load_stream("raw")), 1)


_RACE_SCRIPT = """
import sys, time
from pathlib import Path
from monnto.storage.streams import open_stream
folder, name, start = Path(sys.argv[1]), sys.argv[2], float(sys.argv[3])
while time.time() < start:
    pass
stream = open_stream(folder, name, (3,), "float64")
stream.append(__import__("numpy").full((2, 3), float(name[1:])))
"""


def test_processes_creating_the_stream_store_at_once_all_succeed(tmp_path):
    # MPI ranks sharing one run folder create its stream store at the same moment:
    # the process that loses the race must open the group, not fail.
    from monnto.storage.streams import load_stream

    for attempt in range(3):
        folder = tmp_path / f"run{attempt}"
        folder.mkdir()
        start = f"{time.time() + 1.5:.3f}"
        procs = [subprocess.Popen([sys.executable, "-c", _RACE_SCRIPT, str(folder), f"r{i}", start],
                                  stderr=subprocess.PIPE, text=True) for i in range(4)]
        errors = [p.communicate(timeout=60)[1] for p in procs]
        assert all(p.returncode == 0 for p in procs), errors
        for i in range(4):
            assert np.array_equal(load_stream(folder, f"r{i}")[:], np.full((2, 3), float(i)))

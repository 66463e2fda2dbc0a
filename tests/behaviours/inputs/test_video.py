"""VideoInput: frame mapping, timing, ON/OFF events (Lichtsteiner et al. 2008), files, saving, memory."""
import subprocess
import sys
import tracemalloc

import numpy as np
import pytest

from monnto.behaviours.inputs import VideoInput
from monnto.behaviours.inputs.frames import (
    ContrastState,
    area_matrix,
    frame_start_step,
    temporal_contrast_events,
    temporal_contrast_step,
)
from monnto.core import Network, NeuronDimension, NeuronGroup
from monnto.core.backend import to_numpy
from monnto.core.errors import LoadError, MonntoValueError


def moving_bar(frames: int, height: int, width: int, bar: int = 3) -> np.ndarray:
    video = np.zeros((frames, height, width), dtype=np.float32)
    for f in range(frames):
        video[f, :, f:f + bar] = 1.0
    return video


def build(source, width, height, depth=1, seed=1, **kwargs):
    net = Network(seed=seed)
    group = NeuronGroup(net, NeuronDimension(width=width, height=height, depth=depth),
                        behaviour={1: VideoInput(source=source, **kwargs)})
    net.initialize()
    return net, group


def run_spikes(net, group, steps):
    out = np.zeros((steps, group.size), dtype=bool)
    for k in range(steps):
        net.simulate_iteration()
        out[k] = to_numpy(group.spike)
    return out


def test_frame_maps_to_neurons_x_fastest_then_y_then_channel(rng):
    frame = rng.random((1, 4, 5, 3)).astype(np.float32)
    frame[..., 1] += 2.0      # channels differ in level
    frame[..., 2] += 5.0
    net, g = build(frame, 5, 4, depth=3, fps=10, dt=0.1)
    net.simulate_iteration()
    current = to_numpy(g.I_input)
    assert np.allclose(current, frame[0].transpose(2, 0, 1).ravel())
    # and through the group's own coordinates: neuron i sees frame[y, x, z]
    x = np.round(to_numpy(g.x) + 2).astype(int)
    y = np.round(to_numpy(g.y) + 1.5).astype(int)
    z = np.round(to_numpy(g.z) + 1).astype(int)
    assert np.allclose(current, frame[0][y, x, z])


def test_rgb_onto_one_layer_is_luminance():
    frame = np.zeros((1, 2, 2, 3), dtype=np.uint8)
    frame[0, 0, 0] = (255, 0, 0)
    frame[0, 1, 1] = (0, 0, 255)
    net, g = build(frame, 2, 2, fps=10, dt=0.1)
    net.simulate_iteration()
    assert np.allclose(to_numpy(g.I_input), [0.299, 0, 0, 0.114], atol=1e-6)


def test_frames_are_area_averaged_and_centre_cropped(rng):
    frame = rng.random((1, 8, 16)).astype(np.float32)
    net, g = build(frame, 4, 4, fps=10, dt=0.1)   # crop the centre 8x8, then 2x2 blocks
    net.simulate_iteration()
    centre = frame[0, :, 4:12]
    blocks = centre.reshape(4, 2, 4, 2).mean(axis=(1, 3))
    assert np.allclose(to_numpy(g.I_input), blocks.ravel(), atol=1e-6)
    w = area_matrix(2, 3)
    assert np.allclose(w.sum(axis=1), 1) and np.allclose(w, [[2 / 3, 1 / 3, 0], [0, 1 / 3, 2 / 3]])


def test_bright_bar_moving_right_gives_on_at_leading_and_off_at_trailing_edge():
    h, w, fps, dt = 6, 12, 100.0, 1e-3       # 10 steps per frame
    net, g = build(moving_bar(8, h, w), w, h, depth=2, fps=fps, dt=dt, encoding="events")
    spikes = run_spikes(net, g, 80)
    layer = h * w
    for step in range(80):
        on = np.flatnonzero(spikes[step, :layer])
        off = np.flatnonzero(spikes[step, layer:])
        if step % 10 or step == 0:
            assert len(on) == 0 and len(off) == 0, step
            continue
        f = step // 10                                   # frame f: bar on columns f..f+2
        assert set(on % w) == {f + 2} and len(on) == h   # leading edge
        assert set(off % w) == {f - 1} and len(off) == h  # trailing edge


def test_static_image_gives_no_events_after_the_first(rng):
    image = rng.random((1, 5, 5)).astype(np.float32) * (rng.random((1, 5, 5)) > 0.5)
    still = np.repeat(image, 20, axis=0)
    net, g = build(still, 5, 5, depth=2, fps=50, dt=1e-3, encoding="events", initial_reference=0.0)
    spikes = run_spikes(net, g, 400)
    bright = np.log(image[0].ravel() + 0.01) - np.log(0.01) >= 0.15
    assert np.array_equal(spikes[0, :25], bright) and not spikes[0, 25:].any()
    assert not spikes[1:].any()


def test_event_model_matches_the_step_by_step_reference(rng):
    n, frames, hold = 50, 30, 4
    log_frames = np.log(rng.random((frames, n)) + 0.01)
    starts = np.arange(frames) * hold
    state = ContrastState(log_frames[0].copy(), np.zeros(n, dtype=np.int64))
    events = temporal_contrast_events(log_frames, starts, starts + hold, state, 0.3, 0.4, 6)
    ref, left = log_frames[0].copy(), np.zeros(n, dtype=np.int64)
    expected = []
    for step in range(frames * hold):
        on, off, ref, left = temporal_contrast_step(log_frames[step // hold], ref, left, 0.3, 0.4, 6)
        expected += [(step, i, True) for i in np.flatnonzero(on)]
        expected += [(step, i, False) for i in np.flatnonzero(off)]
    got = list(zip(events.step.tolist(), events.index.tolist(), events.on.tolist()))
    assert sorted(got) == sorted(expected) and len(got) > 50
    assert np.allclose(state.ref, ref)


@pytest.mark.parametrize("fps,dt,frames,steps", [(30, 1e-3, 30, 1000), (24, 1e-3, 48, 2000),
                                                 (25, 0.0125, 10, 32), (1000, 2e-3, 100, 50)])
def test_resampling_keeps_the_duration_exact(fps, dt, frames, steps):
    video = np.arange(frames, dtype=np.float32)[:, None, None] * np.ones((1, 2, 2), np.float32) / frames
    net, g = build(video, 2, 2, fps=fps, dt=dt, chunk_frames=7)
    b = g.VideoInput
    shown = []
    for _ in range(steps):
        net.simulate_iteration()
        shown.append(b.frame_index)
    assert not b.finished or b.step == steps
    assert shown == [int(np.floor(k * dt * fps + 1e-9)) for k in range(steps)]
    net.simulate_iteration()
    assert b.finished and b.frame_index == -1
    assert frame_start_step(frames, dt, fps) == steps


def test_step_comes_from_the_clock():
    from monnto.behaviours.equations import Clock

    net = Network(seed=0, behaviour={0: Clock(step=2e-3)})
    g = NeuronGroup(net, NeuronDimension(width=2, height=2),
                    behaviour={1: VideoInput(source=np.zeros((5, 2, 2)), fps=100)})
    net.initialize()
    assert g.VideoInput.dt == 2e-3


def test_poisson_rate_follows_intensity():
    video = np.full((1, 8, 8), 0.5, dtype=np.float32)
    video[0, :, :4] = 0.0
    net, g = build(video, 8, 8, fps=1, dt=1e-3, encoding="poisson", max_rate=100)
    counts = run_spikes(net, g, 1000).sum(axis=0).reshape(8, 8)
    assert counts[:, :4].sum() == 0
    assert abs(counts[:, 4:].mean() - 50) < 4 * np.sqrt(50 / 32)


def test_on_and_off_split_between_two_groups():
    net = Network(seed=1)
    video = moving_bar(4, 3, 8)
    groups = [NeuronGroup(net, NeuronDimension(width=8, height=3), tag=p,
                          behaviour={1: VideoInput(source=video, fps=100, dt=1e-3, encoding="events",
                                                   polarity=p)}) for p in ("on", "off")]
    net.initialize()
    on = off = 0
    for _ in range(40):
        net.simulate_iteration()
        on += int(to_numpy(groups[0].spike).sum())
        off += int(to_numpy(groups[1].spike).sum())
    assert on == off == 3 * 3


def test_generator_and_image_folder_sources(tmp_path):
    from PIL import Image

    video = (moving_bar(5, 4, 6) * 255).astype(np.uint8)
    for i, frame in enumerate(video):
        Image.fromarray(frame).save(tmp_path / f"frame_{i:03d}.png")
    results = []
    for source in (tmp_path, (f for f in video), video):
        net, g = build(source, 6, 4, fps=100, dt=1e-3)
        currents = []
        for _ in range(50):
            g.I_input[:] = 0
            net.simulate_iteration()
            currents.append(to_numpy(g.I_input).copy())
        results.append(np.array(currents))
    assert np.allclose(results[0], results[2]) and np.allclose(results[1], results[2])


def write_video(path, frames, fps=30):
    av = pytest.importorskip("av")
    with av.open(str(path), "w") as container:
        stream = container.add_stream("ffv1", rate=fps)
        stream.height, stream.width = frames.shape[1:3]
        stream.pix_fmt = "gray"
        for frame in frames:
            for packet in stream.encode(av.VideoFrame.from_ndarray(frame, format="gray")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def test_video_file_is_decoded_with_its_frame_rate(tmp_path):
    frames = (moving_bar(12, 16, 16) * 255).astype(np.uint8)
    path = write_video(tmp_path / "bar.mkv", frames, fps=30)
    net, g = build(path, 16, 16, dt=1e-3, chunk_frames=5)
    b = g.VideoInput
    assert b.fps == 30
    shown = []
    for _ in range(401):
        g.I_input[:] = 0
        net.simulate_iteration()
        shown.append(b.frame_index)
        if b.frame_index >= 0:   # lossless codec: the frames come back exactly
            assert np.allclose(to_numpy(g.I_input), frames[b.frame_index].ravel() / 255, atol=1e-6)
    assert shown[399] == 11 and shown[400] == -1 and b.finished
    assert frame_start_step(12, 1e-3, 30) == 400


def _continue_after_save(tmp_path, make, steps=60, split=25, data_folders=None):
    from monnto.storage import load_network, save_network

    reference, g = make()
    whole = run_spikes(reference, g, steps)
    net, g = make()
    first = run_spikes(net, g, split)
    copy = load_network(save_network(net, tmp_path / "net"), data_folders=data_folders)
    rest = run_spikes(copy, copy.NeuronGroups[0], steps - split)
    assert np.array_equal(np.vstack([first, rest]), whole)


def test_save_and_load_continue_exactly_from_array_and_file_sources(tmp_path, rng):
    video = (rng.random((40, 6, 6)) * 255).astype(np.uint8)
    np.save(tmp_path / "video.npy", video)
    for source in (video, tmp_path / "video.npy"):
        _continue_after_save(tmp_path / type(source).__name__, lambda s=source: build(
            s, 6, 6, depth=2, fps=100, dt=1e-3, encoding="events", chunk_frames=3, refractory=2e-3),
            steps=300, split=137, data_folders=[tmp_path])
    _continue_after_save(tmp_path / "poisson", lambda: build(video, 6, 6, fps=100, dt=1e-3,
                                                             encoding="poisson"), steps=90, split=41)


def test_save_and_load_continue_from_a_video_file(tmp_path):
    path = write_video(tmp_path / "bar.mkv", (moving_bar(20, 8, 8) * 255).astype(np.uint8), fps=100)
    _continue_after_save(tmp_path, lambda: build(path, 8, 8, depth=2, dt=1e-3, encoding="events",
                                                 chunk_frames=4), steps=190, split=73, data_folders=tmp_path)


def test_a_saved_file_source_is_read_only_where_the_user_allows(tmp_path, rng):
    from monnto import UnsafeLoadError
    from monnto.storage import load_network, save_network

    video = (rng.random((30, 6, 6)) * 255).astype(np.uint8)
    (tmp_path / "media").mkdir()
    np.save(tmp_path / "media" / "video.npy", video)
    net, g = build(tmp_path / "media" / "video.npy", 6, 6, depth=2, fps=100, dt=1e-3, encoding="events")
    run_spikes(net, g, 20)
    folder = save_network(net, tmp_path / "net")
    with pytest.raises(UnsafeLoadError, match=r"reads the file '.*video.npy', which is outside the save.*"
                                              r"data_folders=\['<that folder>'\]"):
        load_network(folder)
    # the receiver keeps the file elsewhere: a file of the same name in a passed folder is used
    (tmp_path / "mine").mkdir()
    (tmp_path / "media" / "video.npy").rename(tmp_path / "mine" / "video.npy")
    copy = load_network(folder, data_folders=[tmp_path / "mine"])
    assert copy.NeuronGroups[0].VideoInput.source_path == str((tmp_path / "mine" / "video.npy").resolve())
    run_spikes(copy, copy.NeuronGroups[0], 5)


def test_generator_source_refuses_to_be_saved_and_leaves_no_folder(tmp_path):
    from monnto.storage import save_network

    net, g = build((f for f in moving_bar(5, 3, 3)), 3, 3, fps=100, dt=1e-3)
    net.simulate_iterations(3, progress=False)
    with pytest.raises(TypeError, match=r"VideoInput on NeuronGroup .*source must be an array or a file "
                                        r"path to be saved, got a generator"):
        save_network(net, tmp_path / "net")
    assert list(tmp_path.iterdir()) == []          # no save folder, no partial leftover
    # not yet initialized: the generator is still the keyword argument, refused the same way
    fresh = Network(seed=1)
    NeuronGroup(fresh, NeuronDimension(width=3, height=3),
                behaviour={1: VideoInput(source=(f for f in moving_bar(5, 3, 3)), fps=100, dt=1e-3)})
    with pytest.raises(TypeError, match=r"VideoInput.*got a generator <generator>"):
        save_network(fresh, tmp_path / "fresh")
    assert list(tmp_path.iterdir()) == []
    # an array source of the same network type saves (the refusal is about the generator only)
    net, g = build(moving_bar(5, 3, 3), 3, 3, fps=100, dt=1e-3)
    assert (save_network(net, tmp_path / "array") / "manifest.json").is_file()


def test_bad_inputs_give_clear_errors(tmp_path, monkeypatch):
    frames = np.zeros((3, 4, 4), dtype=np.float32)
    with pytest.raises(MonntoValueError, match=r"at least as large as the group's 8x8 grid.*got 'frames of 4x4 pixels"):
        build(frames, 8, 8, fps=10)
    with pytest.raises(MonntoValueError, match="3 layer"):
        build(frames, 4, 4, depth=3, fps=10)
    with pytest.raises(MonntoValueError, match="even depth"):
        build(frames, 4, 4, depth=3, fps=10, encoding="events")
    with pytest.raises(MonntoValueError, match="fps"):
        build(iter(frames), 4, 4)
    with pytest.raises(LoadError, match="no such file"):
        build(tmp_path / "missing.mp4", 4, 4)
    (tmp_path / "junk.mp4").write_bytes(b"not a video at all" * 20)
    with pytest.raises(LoadError, match="readable video file"):
        build(tmp_path / "junk.mp4", 4, 4)
    av = pytest.importorskip("av")
    path = write_video(tmp_path / "ok.mkv", np.zeros((3, 4, 4), np.uint8))
    monkeypatch.setattr(av, "codecs_available", set())
    with pytest.raises(LoadError, match="codec 'ffv1' is not installed"):
        build(path, 4, 4)
    monkeypatch.setitem(sys.modules, "av", None)
    with pytest.raises(ImportError, match=r"monnto\[sensory\]"):
        build(path, 4, 4)


def test_group_without_a_grid_is_refused():
    net = Network(seed=0)
    NeuronGroup(net, 16, behaviour={1: VideoInput(source=np.zeros((2, 4, 4)), fps=10)})
    with pytest.raises(MonntoValueError, match="NeuronDimension"):
        net.initialize()


@pytest.mark.numpy_only
def test_importing_monnto_loads_no_media_library():
    code = ("import sys, monnto; from monnto import *; "
            "print([m for m in ('av', 'soundfile', 'PIL.Image', 'scipy.signal') if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def _peak_memory(path, steps):
    net, g = build(path, 32, 32, depth=2, dt=1 / 120, encoding="events", chunk_frames=8)
    tracemalloc.start()
    for _ in range(steps):
        net.simulate_iteration()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert g.VideoInput.finished
    return peak


@pytest.mark.numpy_only
def test_peak_memory_stays_bounded_when_the_video_gets_ten_times_longer(tmp_path):
    pytest.importorskip("av")
    sizes = {}
    for frames in (40, 400):
        video = (np.tile(moving_bar(58, 64, 64, bar=6), (frames // 58 + 1, 1, 1))[:frames] * 255)
        video = video.astype(np.uint8)      # a bar crossing the frame again and again
        path = write_video(tmp_path / f"v{frames}.mkv", video, fps=30)
        sizes[frames] = _peak_memory(path, frames * 4 + 2)
    assert sizes[400] <= 1.2 * sizes[40], sizes


@pytest.mark.slow
@pytest.mark.numpy_only
def test_direction_selectivity_example_learns_above_before_and_shuffled(tmp_path):
    import importlib.util
    from pathlib import Path

    path = Path(__file__).parents[3] / "examples" / "sensory_direction_selectivity.py"
    spec = importlib.util.spec_from_file_location("sensory_direction_selectivity", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    result = module.main(["--out", str(tmp_path)])
    assert result["after"] > result["before"] and result["after"] > result["shuffled"]
    assert (tmp_path / "sensory_direction_selectivity.png").is_file()


@pytest.mark.gui
@pytest.mark.numpy_only
def test_sensory_tab_shows_the_frame_and_the_cochleagram(qtbot):
    pytest.importorskip("PySide6")
    pytest.importorskip("pyqtgraph")
    from monnto.behaviours.inputs import AudioInput
    from monnto.ui import Network_UI
    from monnto.ui.tabs.sensory import SensoryInputTab, input_image

    video = moving_bar(6, 4, 8)
    sound = np.sin(2 * np.pi * 1000 * np.arange(1600) / 16000)

    def make():
        net = Network(seed=1)
        NeuronGroup(net, NeuronDimension(width=8, height=4, depth=2), tag="retina",
                    behaviour={1: VideoInput(source=video, fps=100, dt=1e-3, encoding="events")})
        # currents only: this group never has a 'spike' (the retina's VideoInput sets the retina's)
        NeuronGroup(net, 16, tag="ear", behaviour={1: AudioInput(source=sound, samplerate=16000, dt=1e-3)})
        net.initialize()
        return net, net.retina, net.ear

    net, retina, ear = make()
    tab = SensoryInputTab(history=50)
    ui = Network_UI(net, modules=[tab])
    qtbot.addWidget(ui.main_window)
    ui.main_window.show()
    for _ in range(20):
        ui.step()
    views = {v["group"].tag: v for v in tab.views}
    frame = views["retina"]["last_image"]
    assert frame.shape == (4, 8)           # the intensity the event camera sees (frame 1 at step 19)
    assert np.allclose(frame, video[1]) and np.allclose(input_image(retina.VideoInput, retina), video[1])
    cochleagram = views["ear"]["last_image"]
    assert cochleagram.shape == (16, 50)
    nearest = int(np.argmin(np.abs(ear.AudioInput.frequencies - 1000)))
    assert int(np.argmax(cochleagram[:, -1])) == 15 - nearest     # high frequencies on top
    assert views["retina"]["curve"].getData()[1][-10:].sum() > 0
    ui.timer.stop()
    # the default module set shows the tab for such a network, and runs with a group without spikes
    fresh, _, ear = make()
    default = Network_UI(fresh)
    qtbot.addWidget(default.main_window)
    titles = [default.tabs.tabText(i) for i in range(default.tabs.count())]
    assert "Sensory input" in titles
    default.raise_errors = True
    for i in range(default.tabs.count()):
        default.tabs.setCurrentIndex(i)
        default.step(2)
    assert not hasattr(ear, "spike") and fresh.iteration == 2 * default.tabs.count()
    shown = next(m for m in default.modules if isinstance(m, SensoryInputTab))
    assert {v["group"].tag for v in shown.views} == {"retina", "ear"}
    default.timer.stop()
    with pytest.raises(ValueError, match="history must be a positive int"):
        SensoryInputTab(history=0)

"""EventStreamInput: event-camera recordings (x, y, t in µs, p) as spikes at their step."""
import numpy as np
import pytest

from monnto.behaviours.inputs import EventStreamInput
from monnto.core import Network, NeuronDimension, NeuronGroup
from monnto.core.backend import to_numpy
from monnto.core.errors import LoadError, MonntoValueError

DTYPE = [("x", "<u2"), ("y", "<u2"), ("t", "<i8"), ("p", "i1")]


def events(rows):
    return np.array([tuple(r) for r in rows], dtype=DTYPE)


def random_events(rng, count, width, height, duration_us):
    ev = np.zeros(count, dtype=DTYPE)
    ev["x"] = rng.integers(width, size=count)
    ev["y"] = rng.integers(height, size=count)
    ev["t"] = np.sort(rng.integers(duration_us, size=count))
    ev["p"] = rng.integers(2, size=count)
    return ev


def build(source, width, height, depth=2, **kwargs):
    kwargs.setdefault("dt", 1e-3)
    net = Network(seed=1)
    g = NeuronGroup(net, NeuronDimension(width=width, height=height, depth=depth),
                    behaviour={1: EventStreamInput(source=source, **kwargs)})
    net.initialize()
    return net, g


def run(net, g, steps):
    out = np.zeros((steps, g.size), dtype=bool)
    for k in range(steps):
        net.simulate_iteration()
        out[k] = to_numpy(g.spike)
    return out


def test_events_arrive_at_their_step_and_layer():
    ev = events([(0, 0, 0, 1), (1, 1, 1500, 0), (2, 1, 1999, 1), (3, 2, 2000, 1), (4, 3, 9000, 0)])
    net, g = build(ev, 5, 4, chunk_steps=3)
    spikes = run(net, g, 12)
    got = [(k, int(i)) for k, i in zip(*np.nonzero(spikes))]
    # neuron = z*w*h + y*w + x, OFF (p=0) in layer z=1
    assert got == [(0, 0), (1, 1 * 5 + 2), (1, 1 * 5 + 1 + 20), (2, 2 * 5 + 3), (9, 3 * 5 + 4 + 20)]
    assert g.EventStreamInput.finished


def test_downsampling_polarity_and_t_start():
    ev = events([(5, 3, 100, 1), (4, 2, 120, 1), (7, 7, 2100, 0), (1, 1, 50, 1)][:3])
    net, g = build(ev, 4, 4, depth=1, downsample=2, polarity="merge")
    spikes = run(net, g, 4)
    assert np.flatnonzero(spikes[0]).tolist() == [1 * 4 + 2] and np.flatnonzero(spikes[2]).tolist() == [15]
    net, g = build(ev, 4, 4, depth=1, downsample=2, polarity="off", t_start=1100.0)
    spikes = run(net, g, 3)
    assert np.flatnonzero(spikes[1]).tolist() == [15] and spikes.sum() == 1


def test_long_recording_from_an_npy_file_matches_the_array_and_survives_saving(tmp_path, rng):
    from monnto.storage import load_network, save_network

    ev = random_events(rng, 5000, 16, 12, 300_000)
    np.save(tmp_path / "events.npy", ev)
    net, g = build(ev, 8, 6, downsample=2, chunk_steps=37)
    whole = run(net, g, 310)
    counts = np.zeros(g.size, dtype=int)
    for e in ev:
        counts[(e["y"] // 2) * 8 + e["x"] // 2 + (0 if e["p"] else 48)] += 1
    assert whole.sum() <= len(ev) and whole.sum() > 0.8 * len(ev)
    assert np.all(whole.sum(axis=0) <= counts)
    for name, source in (("file", tmp_path / "events.npy"), ("array", ev)):
        net, g = build(source, 8, 6, downsample=2, chunk_steps=37)
        first = run(net, g, 123)
        copy = load_network(save_network(net, tmp_path / name), data_folders=tmp_path)
        rest = run(copy, copy.NeuronGroups[0], 187)
        assert np.array_equal(np.vstack([first, rest]), whole), name


def test_bad_event_inputs_give_clear_errors(tmp_path):
    with pytest.raises(MonntoValueError, match=r"4x4 grid.*pixel \(x=9, y=0\)"):
        net, g = build(events([(9, 0, 10, 1)]), 4, 4)
        run(net, g, 1)
    with pytest.raises(MonntoValueError, match="sorted by t"):
        net, g = build(events([(0, 0, 5000, 1), (0, 0, 10, 1)]), 4, 4)
        run(net, g, 1)
    with pytest.raises(MonntoValueError, match="fields x, y, t"):
        build(np.zeros(3, dtype=[("x", "i4"), ("t", "i8")]), 4, 4)
    with pytest.raises(MonntoValueError, match="depth 2"):
        build(events([(0, 0, 0, 1)]), 4, 4, depth=1)
    with pytest.raises(LoadError, match="no such file"):
        build(tmp_path / "none.npy", 4, 4)


def test_save_and_load_continue_exactly_from_array_and_npy_sources(tmp_path, rng):
    from monnto.storage import load_network, save_network

    ev = random_events(rng, 3000, 6, 5, 120_000)
    np.save(tmp_path / "events.npy", ev)
    for name, source in (("array", ev), ("file", tmp_path / "events.npy")):
        net, g = build(source, 6, 5, chunk_steps=7)
        whole = run(net, g, 110)
        net, g = build(source, 6, 5, chunk_steps=7)
        first = run(net, g, 47)
        copy = load_network(save_network(net, tmp_path / name), data_folders=tmp_path)
        rest = run(copy, copy.NeuronGroups[0], 63)
        assert whole.sum() > 1000 and np.array_equal(np.vstack([first, rest]), whole), name


"""A Recorder streaming into a StorageManager (end to end through a Network)."""
from __future__ import annotations

import numpy as np
import pytest

from monnto.storage import StorageManager

monnto = pytest.importorskip("monnto")
Network, NeuronGroup, Recorder, Behaviour = (monnto.Network, monnto.NeuronGroup, monnto.Recorder,
                                            monnto.Behaviour)


class Drift(Behaviour):
    def set_variables(self, n):
        n.voltage = n.get_neuron_vec()

    def new_iteration(self, n):
        n.voltage += n.get_neuron_vec("uniform", density=0.5)


def build(sm=None, chunk=64):
    net = Network(seed=11)
    NeuronGroup(net=net, tag="g", size=30, behaviour={
        1: Drift(),
        9: Recorder(["n.voltage", "np.mean(n.voltage)"], tag="rec", storage_manager=sm, chunk=chunk),
    })
    net.initialize()
    return net


def test_streamed_recording_equals_the_in_memory_one(project):
    sm = StorageManager("stream_rec")
    streamed = build(sm, chunk=64)
    plain = build()
    streamed.simulate_iterations(300)
    plain.simulate_iterations(300)
    expected = plain["n.voltage", 0]
    assert expected.shape == (300, 30)
    np.testing.assert_array_equal(np.asarray(streamed["n.voltage", 0]), expected)
    np.testing.assert_array_equal(np.asarray(streamed["np.mean(n.voltage)", 0]),
                                  plain["np.mean(n.voltage)", 0])
    # the end of simulate_iterations flushes the last partial chunk: everything is on disk
    names = sm.list_streams()
    assert len(names) == 2 and all(name.startswith("g.rec.") for name in names)
    on_disk = np.asarray(sm.load_stream("g.rec.n.voltage"))
    assert on_disk.shape == (300, 30)
    np.testing.assert_array_equal(on_disk, expected)
    # during a run only whole chunks reach the disk
    streamed.simulate_iteration()
    assert np.asarray(sm.load_stream("g.rec.n.voltage")).shape == (300, 30)
    streamed["rec", 0].flush()
    expected = np.concatenate((expected, streamed.g.voltage[None]))
    np.testing.assert_array_equal(np.asarray(StorageManager.open(sm.path).load_stream("g.rec.n.voltage")),
                                  expected)
    index = sm.save_recorder("rec", streamed["rec", 0])
    assert index == {"n.voltage": "rec_n.voltage", "np.mean(n.voltage)": index["np.mean(n.voltage)"]}

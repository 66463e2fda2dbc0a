"""NestEmbedding: the embedded neuron matches NEST run natively (paper code block 10)."""
from __future__ import annotations

import os

import numpy as np
import pytest

os.environ.setdefault("PYNEST_QUIET", "1")
nest = pytest.importorskip("nest")

from monnto import Behaviour, Network, NeuronGroup, Recorder  # noqa: E402
from monnto.behaviours.embedding import NestEmbedding  # noqa: E402
from monnto.behaviours.embedding.nest import NEST_TO_SI  # noqa: E402

STEPS = 150
I_E = [400.0, 500.0, 600.0]   # pA; rheobase of iaf_psc_alpha's defaults is 375 pA
JUMP = 20.0                   # pA lost per spike in the adaptation test


def native_trace(steps, i_e=I_E, jump=None):
    """iaf_psc_alpha run natively in NEST; V_m (mV) after every 1 ms step and spike counts.

    With ``jump``, I_e is lowered by ``jump`` pA after every step in which the
    neuron fired (the same feedback loop, driven from plain NEST calls).
    """
    nest.ResetKernel()
    nest.verbosity = nest.VerbosityLevel.ERROR
    nodes = nest.Create("iaf_psc_alpha", len(i_e), params={"I_e": list(i_e)})
    recorder = nest.Create("spike_recorder")
    nest.Connect(nodes, recorder)
    if jump is None:
        meter = nest.Create("multimeter", params={"record_from": ["V_m"], "interval": 1.0})
        nest.Connect(meter, nodes)
        nest.Simulate(steps + 1.0)
        events = meter.get("events")
        order = np.lexsort((events["senders"], events["times"]))
        v = events["V_m"][order].reshape(-1, len(i_e))[:steps]
    else:
        current = np.array(i_e, dtype=float)
        first = nodes.tolist()[0]
        v, seen = [], 0
        for _ in range(steps):
            nodes.set({"I_e": current.tolist()})
            nest.Simulate(1.0)
            v.append(nodes.get("V_m"))
            senders = np.asarray(recorder.get("events", "senders"), dtype=np.int64)
            np.subtract.at(current, senders[seen:] - first, jump)
            seen = len(senders)
        v = np.array(v)
    senders = np.asarray(recorder.get("events", "senders"), dtype=np.int64) - nodes.tolist()[0]
    return np.asarray(v), np.bincount(senders, minlength=len(i_e))


def embedded(behaviours, steps=STEPS):
    net = Network(seed=5)
    NeuronGroup(net=net, size=3, tag="emb", behaviour={**behaviours, 9: Recorder(["n.v", "n.spike"])})
    net.initialize()
    net.simulate_iterations(steps)
    return net


def test_nest_embedding_matches_native_nest():
    behaviour = NestEmbedding("iaf_psc_alpha", params={"I_e": I_E})
    net = embedded({2: behaviour})
    behaviour.close()
    v_native, counts = native_trace(STEPS)
    np.testing.assert_allclose(net["n.v", 0], v_native * 1e-3, rtol=1e-12, atol=0)
    np.testing.assert_array_equal(net["n.spike", 0].sum(0), counts)
    assert np.all(counts > 0)


class SpikeTriggeredAdaptation(Behaviour):
    """A tiny monnto plasticity rule: every spike lowers the neuron's drive by ``jump`` (A)."""

    def set_variables(self, n):
        self.jump = self.get_init_attr("jump", 1e-11, n)
        n.I_drive = n.get_neuron_vec() + np.array(I_E) * 1e-12
        n.I_input = n.get_neuron_vec()
        n.spike = n.get_neuron_vec(bool)

    def new_iteration(self, n):
        n.I_drive -= self.jump * n.spike
        n.I_input += n.I_drive


def test_monnto_plasticity_acts_on_embedded_nest_neuron():
    behaviour = NestEmbedding("iaf_psc_alpha", inputs={"I_input": "I_e"})
    net = embedded({1: SpikeTriggeredAdaptation(jump=JUMP * 1e-12), 2: behaviour})
    behaviour.close()
    group = net["emb", 0]
    counts = net["n.spike", 0].sum(0)
    v_native, native_counts = native_trace(STEPS, jump=JUMP)
    np.testing.assert_allclose(net["n.v", 0], v_native * 1e-3, rtol=1e-12, atol=0)
    np.testing.assert_array_equal(counts, native_counts)
    # one jump per spike, the last step's spikes not yet applied
    np.testing.assert_allclose(group.I_drive, (np.array(I_E) - JUMP * (counts - group.spike)) * 1e-12,
                               rtol=1e-12)
    _, fixed_counts = native_trace(STEPS)
    assert np.all(counts < fixed_counts)


def test_nest_embedding_model_callable_and_resolution():
    def model(size):
        return nest.Create("iaf_psc_alpha", size, params={"I_e": I_E[:size]})

    behaviour = NestEmbedding(model, resolution=0.25, dt="1*ms")
    net = embedded({2: behaviour}, steps=20)
    behaviour.close()
    assert behaviour.substeps == 4
    assert net["n.v", 0].shape == (20, 3)
    assert np.all(net["n.v", 0] > -0.071) and np.all(net["n.v", 0] < -0.05)


def test_nest_si_scales_for_known_names():
    assert NEST_TO_SI["V_m"] == 1e-3 and NEST_TO_SI["I_e"] == 1e-12 and NEST_TO_SI["g_ex"] == 1e-9


@pytest.mark.parametrize(("kwargs", "error", "message"), [
    ({"variables": {"x": "not_a_state"}}, ValueError, "SI scale of NEST name"),
    ({"variables": {"x": ("not_a_state", 1.0)}}, ValueError, "no state or parameter 'not_a_state'"),
    ({"dt": 0.25e-3, "resolution": 0.1}, ValueError, "whole multiple"),
])
def test_nest_embedding_rejects_bad_arguments(kwargs, error, message):
    net = Network(seed=0)
    NeuronGroup(net=net, size=2, behaviour={1: NestEmbedding("iaf_psc_alpha", **kwargs)})
    with pytest.raises(error, match=message):
        net.initialize()


def test_nest_embedding_rejects_unknown_model():
    net = Network(seed=0)
    NeuronGroup(net=net, size=2, behaviour={1: NestEmbedding("no_such_neuron")})
    with pytest.raises(ValueError, match="is not a NEST model"):
        net.initialize()

"""Embeddings fail early and clearly: missing simulator, bad arguments, a closed NEST kernel."""
from __future__ import annotations

import os
import sys

import pytest

from monnto import Network, NeuronGroup
from monnto.behaviours.embedding import Brian2Embedding, NestEmbedding
from monnto.behaviours.embedding._common import name_mapping, parse_seconds


@pytest.mark.parametrize(("behaviour", "module", "extra"), [
    (lambda: Brian2Embedding(lambda size, dt: None), "brian2", "brian2"),
    (lambda: NestEmbedding("iaf_psc_alpha"), "nest", "nest"),
])
def test_missing_simulator_names_the_extra(monkeypatch, behaviour, module, extra):
    monkeypatch.setitem(sys.modules, module, None)        # import fails as if not installed
    net = Network(seed=0)
    NeuronGroup(net=net, size=2, behaviour={1: behaviour()})
    with pytest.raises(ImportError, match=rf"pip install monnto\[{extra}\]"):
        net.initialize()


def test_embedding_without_a_model_is_rejected():
    net = Network(seed=0)
    NeuronGroup(net=net, size=2, behaviour={1: NestEmbedding()})
    pytest.importorskip("nest")
    with pytest.raises(TypeError, match="pass the NEST model"):
        net.initialize()


@pytest.mark.parametrize(("text", "seconds"), [("1*ms", 1e-3), ("0.25 ms", 0.25e-3), ("2e-3", 2e-3),
                                              (0.5e-3, 0.5e-3), ("10*us", 1e-5), ("1*s", 1.0)])
def test_parse_seconds(text, seconds):
    assert parse_seconds(text, "owner", "dt") == pytest.approx(seconds, rel=1e-15)


@pytest.mark.parametrize("bad", ["1*mV", "fast", -1e-3, 0, True, None])
def test_parse_seconds_rejects(bad):
    with pytest.raises(ValueError, match="owner: argument dt="):
        parse_seconds(bad, "owner", "dt")


def test_name_mapping_forms():
    assert name_mapping("v", "o", "variables") == {"v": "v"}
    assert name_mapping(["v", "w"], "o", "variables") == {"v": "v", "w": "w"}
    assert name_mapping({"v": "V_m"}, "o", "variables") == {"v": "V_m"}
    with pytest.raises(ValueError, match="not a valid identifier"):
        name_mapping({"n.v": "V_m"}, "o", "variables")
    with pytest.raises(TypeError, match="expected a dict"):
        name_mapping(3, "o", "variables")


def test_nest_embedding_after_close_or_external_reset_raises():
    os.environ.setdefault("PYNEST_QUIET", "1")
    nest = pytest.importorskip("nest")
    net = Network(seed=0)
    NeuronGroup(net=net, size=2, behaviour={1: NestEmbedding("iaf_psc_alpha")})
    net.initialize()
    net.simulate_iterations(3)
    behaviour = net["NestEmbedding", 0]
    nest.ResetKernel()                                   # someone else resets NEST
    with pytest.raises(RuntimeError, match="was the kernel reset"):
        net.simulate_iterations(1)
    behaviour.close()                                    # safe on a reset kernel
    with pytest.raises(RuntimeError, match="run context was closed"):
        net.simulate_iterations(1)

"""get_init_attr / parameter and evolution genes (semantics.md)."""
import numpy as np
import pytest

from monnto import Behaviour, Network, NeuronGroup, SynapseGroup, get_gene, get_genome, set_genome


class Params(Behaviour):
    def set_variables(self, parent):
        self.values = {key: self.get_init_attr(key, default, parent)
                       for key, default in self.get_init_attr("defaults", {}).items()}


def make(parent_kind="ng", **kwargs):
    net = Network(seed=2)
    ng = NeuronGroup(net=net, size=50, tag="src", behaviour={} if parent_kind == "sg" else {1: Params(**kwargs)})
    ng.marker = 42.0
    if parent_kind == "sg":
        SynapseGroup(net=net, src=ng, dst=ng, tag="S", behaviour={1: Params(**kwargs)})
    net.initialize()
    return net["Params", 0]


@pytest.fixture(autouse=True)
def no_genome():
    set_genome(None)
    yield
    set_genome(None)


def test_distribution_becomes_one_value_per_neuron_or_synapse():
    b = make(leak="normal(0.9, 0.1)", defaults={"leak": 0.5})
    assert b.values["leak"].shape == (50,)
    s = make("sg", w="uniform(0,1)", defaults={"w": 0.0})
    assert s.values["w"].shape == (50, 50)


def test_same_copies_another_objects_attribute():
    b = make(m="same(src, marker)", defaults={"m": 0.0})
    assert b.values["m"] == 42.0
    with pytest.raises(ValueError, match="no object is tagged 'nothing'"):
        make(m="same(nothing, marker)", defaults={"m": 0.0})


def test_numeric_strings_are_cast_to_the_defaults_type_and_percent():
    b = make(a="7", b="7.5", c="20%", d="True", e="text", defaults={"a": 1, "b": 1, "c": 0.5, "d": False,
                                                                   "e": "x"})
    assert b.values["a"] == 7 and type(b.values["a"]) is int
    assert b.values["b"] == 7.5
    assert b.values["c"] == pytest.approx(0.2)
    assert b.values["d"] is True
    assert b.values["e"] == "text"
    with pytest.raises(ValueError, match="argument a='seven'"):
        make(a="seven", defaults={"a": 1})


def test_gene_placeholders_use_defaults_then_the_genome():
    b = make(i="[2#I]", m="normal([0.9#mean], 0)", defaults={"i": 1, "m": 0.0})
    assert b.values["i"] == 2 and type(b.values["i"]) is int
    np.testing.assert_allclose(b.values["m"], 0.9)
    set_genome({"I": 1, "mean": 0.25})
    b = make(i="[2#I]", m="normal([0.9#mean], 0)", defaults={"i": 1, "m": 0.0})
    assert b.values["i"] == 1
    np.testing.assert_allclose(b.values["m"], 0.25)
    assert get_gene("I", 5) == 1 and get_gene("other", 5) == 5
    assert get_genome() == {"I": 1, "mean": 0.25}


def test_genome_from_environment(monkeypatch):
    import monnto.core.genome as genome

    monkeypatch.setattr(genome, "_genome", None)
    monkeypatch.setenv("MONNTO_GENOME", '{"leak": 0.5}')
    assert get_gene("leak", 0.9) == 0.5
    assert genome.is_evolution_mode()
    monkeypatch.setattr(genome, "_evolution_mode", False)


def test_unused_keyword_argument_warns_with_its_name():
    with pytest.warns(UserWarning, match="'leek_factor'"):
        make(leek_factor=0.5, defaults={"leak_factor": 0.9})


def test_required_parameter():
    class Needs(Behaviour):
        def set_variables(self, n):
            self.get_init_attr("tau", required=True)

    net = Network()
    NeuronGroup(net=net, size=1, behaviour={1: Needs()})
    with pytest.raises(KeyError, match="'tau' is required"):
        net.initialize()

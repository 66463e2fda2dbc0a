"""Issue 14 (core and recorders): every bad input gets a clear error; no silent wrong results.

Each test checks that the message names the object, the argument and the
value, and that nothing half-built is left behind.
"""
from __future__ import annotations

import errno
import math
import pathlib
import re
import warnings

import numpy as np
import pytest

from monnto import Behaviour, EventRecorder, Network, NeuronGroup, Recorder, SynapseGroup
from monnto.behaviours import recording_blocks
from monnto.core.errors import (
    ConfigurationError,
    DiskFullError,
    MonntoError,
    MonntoTypeError,
    MonntoValueError,
    NotEnoughMemoryError,
)
from monnto.core.init_strings import MAX_INIT_STRING_LENGTH, InitStringError


def to_np(x):
    return np.asarray(x.cpu() if hasattr(x, "cpu") else x)


# -- 1. a recorded expression that changes dtype or shape -----------------------------------------
class Changing(Behaviour):
    """``x`` is a Python int, then a float; ``b`` a bool vector, then floats; ``k`` ints, then floats."""

    def set_variables(self, n):
        n.x = 0
        n.b = n.get_neuron_vec(bool)
        n.k = n.get_neuron_vec(int)

    def new_iteration(self, n):
        it = n.iteration
        n.x = it if it < 3 else it + 0.5
        if it >= 4:
            n.b = n.get_neuron_vec("ones") * 0.25
        if it >= 5:
            n.k = n.k + 0.5


@pytest.mark.parametrize("max_length", [None, 100])
def test_recording_widens_its_dtype_instead_of_truncating(max_length):
    net = Network(seed=1)
    NeuronGroup(net, 3, tag="g", behaviour={
        1: Changing(), 9: Recorder(["n.x", "n.b", "n.k", "n.iteration"], tag="rec", max_length=max_length)})
    net.initialize()
    net.simulate_iterations(40)  # past the first buffer growth (16 samples)
    x = to_np(net["n.x", 0])
    np.testing.assert_array_equal(x, [1, 2] + [k + 0.5 for k in range(3, 41)])
    assert x.dtype.kind == "f"
    b = to_np(net["n.b", 0])
    np.testing.assert_array_equal(b[:, 0], [0, 0, 0] + [0.25] * 37)
    k = to_np(net["n.k", 0])
    np.testing.assert_array_equal(k[:, 1], [0, 0, 0, 0] + [0.5 * j for j in range(1, 37)])
    np.testing.assert_array_equal(to_np(net["n.iteration", 0]), np.arange(1, 41))


def test_widened_recording_goes_back_to_the_generated_step():
    net = Network(seed=1)
    g = NeuronGroup(net, 3, tag="g", behaviour={1: Changing(), 9: Recorder(["n.x", "n.b"], tag="rec")})
    net.initialize()
    net.simulate_iterations(10)
    rec = g["rec", 0]
    assert rec.step_function() is rec._fast
    assert sum(rec._guard_rebuilds.values()) <= 2  # one regeneration per change of kind


class ScalarThenVector(Behaviour):
    def set_variables(self, n):
        n.q = 1.0

    def new_iteration(self, n):
        if n.iteration == 3:
            n.q = n.get_neuron_vec("ones")


class VectorThenScalar(Behaviour):
    def set_variables(self, n):
        n.q = n.get_neuron_vec()

    def new_iteration(self, n):
        n.q = n.q + 1 if n.iteration < 3 else 2.0


@pytest.mark.parametrize("behaviour, before, after", [
    (ScalarThenVector, "()", "(3,)"), (VectorThenScalar, "(3,)", "()")])
@pytest.mark.parametrize("max_length", [None, 10])
def test_recording_refuses_a_changed_shape(behaviour, before, after, max_length):
    net = Network(seed=1)
    NeuronGroup(net, 3, tag="g", behaviour={1: behaviour(), 9: Recorder(["n.q"], tag="rec",
                                                                     max_length=max_length)})
    net.initialize()
    with pytest.raises(ConfigurationError) as info:
        net.simulate_iterations(6)
    message = str(info.value)
    assert "Recorder 'rec'" in message and "NeuronGroup 'g'" in message and "'n.q'" in message
    assert f"shape {after}" in message and f"shape {before}" in message and "iteration 3" in message
    assert len(net["n.q", 0]) == 2  # the samples before stay intact


class Dimensions(Behaviour):
    def set_variables(self, n):
        n.spike = np.zeros(3, dtype=bool)

    def new_iteration(self, n):
        n.spike = np.ones((2, 2), dtype=bool) if n.iteration == 2 else np.ones(3, dtype=bool)


def test_event_recorder_refuses_a_changed_number_of_dimensions():
    net = Network(seed=1)
    NeuronGroup(net, 3, tag="g", behaviour={1: Dimensions(), 9: EventRecorder(["n.spike"], tag="ev")})
    net.initialize()
    with pytest.raises(ConfigurationError, match=r"EventRecorder 'ev' on <NeuronGroup 'g'>: expression "
                                                 r"'n.spike' gave an array with 2 dimension"):
        net.simulate_iterations(3)


# -- 2. resources: memory and disk ------------------------------------------------------------------
class Voltage(Behaviour):
    def set_variables(self, n):
        n.v = n.get_neuron_vec()

    def new_iteration(self, n):
        n.v = n.v + 1


def test_available_memory_is_known_on_this_machine():
    free = recording_blocks.available_memory()
    assert free is None or free > 0


def test_recorder_buffer_larger_than_memory_is_refused_before_allocating(monkeypatch):
    monkeypatch.setattr(recording_blocks, "available_memory", lambda: 2**30)  # a 1 GiB machine
    net = Network(seed=1)
    NeuronGroup(net, 1000, tag="g", behaviour={1: Voltage(), 9: Recorder(["n.v"], tag="rec")})
    net.initialize()
    with pytest.raises(NotEnoughMemoryError) as info:
        net.simulate_iterations(10**6)  # 8 GB of samples announced by the run
    message = str(info.value)
    for word in ("Recorder 'rec'", "NeuronGroup 'g'", "'n.v'", "max_length", "gapwidth", "storage_manager"):
        assert word in message
    assert isinstance(info.value, MemoryError)
    assert net.iteration == 0  # refused before the first step
    net.simulate_iterations(5)  # a run that fits still works
    assert len(net["n.v", 0]) == 5


def test_ring_buffer_larger_than_memory_is_refused_at_initialize(monkeypatch):
    monkeypatch.setattr(recording_blocks, "available_memory", lambda: 2**30)
    net = Network(seed=1)
    NeuronGroup(net, 1000, tag="g", behaviour={1: Voltage(), 9: Recorder(["n.v"], tag="rec",
                                                                         max_length=10**6)})
    with pytest.raises(NotEnoughMemoryError, match=r"Recorder 'rec'.*'n.v'.*1e\+06 samples|"
                                                   r"Recorder 'rec'.*'n.v'.*1000000 samples"):
        net.initialize()


class _FullDiskStream:
    name = "g.rec.n.v"
    path = pathlib.Path("/data/run_1/streams.zarr")

    def __len__(self):
        return 0

    def append(self, block):
        raise OSError(errno.ENOSPC, "No space left on device")

    def flush(self):
        pass


class _StorageManager:
    def open_stream(self, name, shape, dtype):
        return _FullDiskStream()


@pytest.mark.numpy_only
def test_full_disk_while_streaming_names_the_recorder_and_the_path():
    net = Network(seed=1)
    NeuronGroup(net, 4, tag="g", behaviour={
        1: Voltage(), 9: Recorder(["n.v"], tag="rec", storage_manager=_StorageManager(), chunk=8)})
    net.initialize()
    with pytest.raises(DiskFullError) as info:
        net.simulate_iterations(20)
    message = str(info.value)
    assert "Recorder 'rec'" in message and "'n.v'" in message and "/data/run_1/streams.zarr" in message
    assert info.value.errno == errno.ENOSPC and isinstance(info.value, OSError)


@pytest.mark.numpy_only
def test_full_disk_in_a_real_stream(tmp_path, monkeypatch):
    pytest.importorskip("zarr")
    from monnto.storage import StorageManager, streams

    (tmp_path / "Data").mkdir()
    monkeypatch.chdir(tmp_path)

    def full(self, block):
        raise OSError(errno.ENOSPC, "No space left on device")

    sm = StorageManager("full_disk")
    net = Network(seed=1)
    NeuronGroup(net, 4, tag="g", behaviour={1: Voltage(), 9: Recorder(["n.v"], tag="rec",
                                                                      storage_manager=sm, chunk=4)})
    net.initialize()
    monkeypatch.setattr(streams.ZarrStream, "append", full)
    with pytest.raises(DiskFullError, match=r"Recorder 'rec'.*'n.v'.*disk is full.*streams.zarr"):
        net.simulate_iterations(10)


# -- 3. NaN and inf in parameters -----------------------------------------------------------------
class Leaky(Behaviour):
    def set_variables(self, n):
        self.leak_factor = self.get_init_attr("leak_factor", 0.9, n)
        self.threshold = self.get_init_attr("threshold", 0.5, n)


@pytest.mark.parametrize("value", [float("nan"), np.float32("nan"), "nan", "normal(0, 1)*inf*0",
                                   np.array([0.9, np.nan, 0.9])])
def test_nan_parameter_is_refused(value):
    net = Network(seed=1)
    NeuronGroup(net, 3, tag="g", behaviour={1: Leaky(leak_factor=value)})
    with pytest.raises(MonntoValueError) as info:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # inf*0 in numpy
            net.initialize()
    message = str(info.value)
    assert "Leaky" in message and "NeuronGroup 'g'" in message and "leak_factor" in message
    assert "NaN" in message
    assert not net.initialized


def test_nan_refused_also_when_read_without_a_group():
    leaky = Leaky(leak_factor=float("nan"))
    with pytest.raises(MonntoValueError, match="leak_factor must be a number, not NaN, got nan"):
        leaky.get_init_attr("leak_factor", 0.9, do_not_diversify=True)


def test_infinite_threshold_keeps_its_meaning():
    net = Network(seed=1)
    g = NeuronGroup(net, 3, tag="g", behaviour={1: Leaky(threshold=math.inf)})
    net.initialize()
    assert g["Leaky", 0].threshold == math.inf


@pytest.mark.parametrize("kwargs, argument", [
    ({"scale": float("nan")}, "scale"), ({"scale": math.inf}, "scale"),
    ({"scale": np.array([1.0, np.nan, 1.0])}, "scale"),
    ({"density": float("nan")}, "density"), ({"density": math.inf}, "density"),
    ({"density": np.array([0.5, np.nan, 0.5])}, "density")])
def test_nan_or_inf_scale_and_density_are_refused(kwargs, argument):
    net = Network(seed=1)
    g = NeuronGroup(net, 3, tag="g")
    with pytest.raises(MonntoValueError) as info:
        g.get_neuron_vec("ones", **kwargs)
    assert "NeuronGroup 'g'" in str(info.value) and argument in str(info.value)


# -- 4. group tags that collide with Network attributes ------------------------------------------
@pytest.mark.parametrize("tag, bad", [("simulate_iteration", "simulate_iteration"), ("rng", "rng"),
                                      ("iteration", "iteration"), ("NeuronGroups", "NeuronGroups"),
                                      ("_hidden", "_hidden"), ("exc,_x", "_x")])
def test_group_tag_colliding_with_the_network_is_refused(tag, bad):
    net = Network(seed=1)
    behaviour = Voltage()
    with pytest.raises(MonntoValueError) as info:
        NeuronGroup(net, 3, tag=tag, behaviour={1: behaviour})
    message = str(info.value)
    assert message.startswith(f"NeuronGroup {tag!r}: tag must be") and f"got {bad!r}" in message
    assert net.NeuronGroups == [] and "exc" not in net.__dict__
    assert behaviour.parent is None  # usable for another group
    NeuronGroup(net, 3, tag="fine", behaviour={1: behaviour})


def test_synapse_group_tag_colliding_with_the_network_leaves_nothing_behind():
    net = Network(seed=1)
    g = NeuronGroup(net, 3, tag="g")
    with pytest.raises(MonntoValueError, match=r"SynapseGroup 'initialize': tag must be"):
        SynapseGroup(net, g, g, tag="initialize")
    assert net.SynapseGroups == [] and g.afferent_synapses["All"] == []
    assert callable(net.initialize)


# -- 5. a callable parameter read per neuron -----------------------------------------------------
def test_callable_parameter_gives_one_value_per_neuron():
    def draw(shape, rng):
        return rng.uniform(0.5, 1.0, size=shape)

    values = []
    for _ in range(2):  # seeded: the same values twice
        net = Network(seed=3)
        g = NeuronGroup(net, 5, tag="g", behaviour={1: Leaky(leak_factor=draw)})
        net.initialize()
        values.append(to_np(g["Leaky", 0].leak_factor))
    assert values[0].shape == (5,) and np.all((values[0] >= 0.5) & (values[0] < 1.0))
    np.testing.assert_array_equal(values[0], values[1])


def test_callable_parameter_of_a_synapse_group_gives_a_matrix():
    class Weights(Behaviour):
        def set_variables(self, s):
            s.W = self.get_init_attr("w", 0.0, s)

    net = Network(seed=1)
    a, b = NeuronGroup(net, 7, tag="a"), NeuronGroup(net, 5, tag="b")
    s = SynapseGroup(net, a, b, tag="s", behaviour={1: Weights(w=lambda shape, rng: np.ones(shape))})
    net.initialize()
    assert tuple(s.W.shape) == (5, 7)


def test_callable_kept_when_read_as_a_raw_attribute():
    def model(v):  # a function of one argument: not an init callable
        return v

    def pair(shape, rng):
        return np.zeros(shape)

    b = Leaky(model=model, pair=pair, kind=float)
    assert b.get_init_attr("model", None) is model
    assert b.get_init_attr("pair", None) is pair  # no group given: kept
    net = Network(seed=1)
    g = NeuronGroup(net, 3, tag="g")
    assert b.get_init_attr("model", None, g) is model
    assert b.get_init_attr("kind", None, g) is float  # a class is never called
    assert b.get_init_attr("pair", None, g, do_not_diversify=True) is pair


def test_callable_returning_the_wrong_shape_names_the_parameter():
    net = Network(seed=1)
    NeuronGroup(net, 4, tag="g", behaviour={1: Leaky(leak_factor=lambda shape, rng: np.ones(3))})
    with pytest.raises(MonntoValueError, match=r"returned shape \(3,\), expected \(4,\)") as info:
        net.initialize()
    assert any("leak_factor" in note for note in info.value.__notes__)


# -- 6. late errors name their cause --------------------------------------------------------------
@pytest.mark.parametrize("name, hook", [("set_variable", "set_variables"), ("setVariables", "set_variables"),
                                        ("new_iterations", "new_iteration"), ("initialise", "initialize"),
                                        ("newIteration", "new_iteration")])
def test_misspelt_hook_gives_a_warning_naming_class_method_and_hook(name, hook):
    with pytest.warns(UserWarning) as record:
        type("Typo", (Behaviour,), {name: lambda self, n: None})
    messages = [str(w.message) for w in record]
    assert any(f"Typo: method {name!r}" in m and f"hook {hook!r}" in m for m in messages)


def test_helpers_next_to_the_hooks_give_no_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")

        class Fine(Behaviour):
            def set_variables(self, n):
                pass

            def set_variable_bounds(self, n):
                pass

            def iterate(self, n):
                pass

            def new_iteration(self, n):
                pass

        assert Fine


def test_group_created_after_initialize_is_initialized_and_recorded():
    net = Network(seed=1)
    NeuronGroup(net, 3, tag="early", behaviour={1: Voltage()})
    net.initialize()
    net.simulate_iterations(2)
    late = NeuronGroup(net, 4, tag="late", behaviour={1: Voltage(), 9: Recorder(["n.v"], tag="rec")})
    net.simulate_iterations(3)
    np.testing.assert_array_equal(to_np(late["rec", 0]["n.v"])[:, 0], [1, 2, 3])
    assert net.late is late


def test_group_whose_late_initialize_fails_is_taken_out_again():
    class Broken(Behaviour):
        def set_variables(self, n):
            raise RuntimeError("boom")

    net = Network(seed=1)
    NeuronGroup(net, 3, tag="early", behaviour={1: Voltage()})
    net.initialize()
    with pytest.raises(RuntimeError, match="boom") as info:
        NeuronGroup(net, 4, tag="late", behaviour={1: Broken()})
    assert any("created after" in note and "'late'" in note for note in info.value.__notes__)
    assert [g.tag for g in net.NeuronGroups] == ["early"] and "late" not in net.__dict__
    net.simulate_iterations(2)


class WrongShapeAtInit(Behaviour):
    def set_variables(self, n):
        for s in n.afferent_synapses["All"]:
            s.W = np.ones((3, 4))


class WrongShapeInStep(Behaviour):
    def set_variables(self, n):
        n.v = np.zeros(n.size)
        for s in n.afferent_synapses["All"]:
            s.W = np.ones((n.size, s.src.size))

    def new_iteration(self, n):
        for s in n.afferent_synapses["All"]:
            s.W = np.ones((3, 4))
            n.v = s.W.dot(np.ones(s.src.size))


@pytest.mark.numpy_only
def test_synapse_matrix_of_the_wrong_shape_is_named_at_initialize():
    net = Network(seed=1)
    a, b = NeuronGroup(net, 7, tag="a"), NeuronGroup(net, 5, tag="b", behaviour={1: WrongShapeAtInit()})
    SynapseGroup(net, a, b, tag="s")
    with pytest.raises(ConfigurationError) as info:
        net.initialize()
    assert str(info.value).startswith("SynapseGroup 's': W.shape must be (dst.size, src.size) = (5, 7)")
    assert str(info.value).count("got (3, 4)") == 1
    assert not net.initialized


@pytest.mark.numpy_only
def test_synapse_matrix_of_the_wrong_shape_is_named_when_a_step_fails():
    net = Network(seed=1)
    a, b = NeuronGroup(net, 7, tag="a"), NeuronGroup(net, 5, tag="b", behaviour={1: WrongShapeInStep()})
    SynapseGroup(net, a, b, tag="s")
    net.initialize()
    with pytest.raises(ConfigurationError, match=r"SynapseGroup 's': W.shape .* \(5, 7\).*got \(3, 4\)") as info:
        net.simulate_iterations(3)
    assert isinstance(info.value.__cause__, ValueError)  # numpy's own error, kept as the cause
    with pytest.raises(ConfigurationError, match="SynapseGroup 's'"):
        net.simulate_iteration()


# -- 7. EventRecorder times in seconds ------------------------------------------------------------
class Spiking(Behaviour):
    def set_variables(self, n):
        n.spike = n.get_neuron_vec(bool)

    def new_iteration(self, n):
        n.spike = n.get_neuron_vec("ones") * (n.iteration % 2 == 0) > 0


def test_event_times_in_seconds_are_iteration_times_dt():
    net = Network(seed=1)
    NeuronGroup(net, 2, tag="g", behaviour={1: Spiking(), 9: EventRecorder(["n.spike"], tag="ev", dt=1e-4)})
    net.initialize()
    net.simulate_iterations(6)
    t = to_np(net["n.spike.t", 0])
    np.testing.assert_array_equal(t, [2, 2, 4, 4, 6, 6])  # iterations, unchanged
    np.testing.assert_allclose(to_np(net["n.spike.t_s", 0]), t * 1e-4, rtol=0, atol=1e-15)
    np.testing.assert_allclose(net["ev", 0].times_in_seconds("n.spike"), t * 1e-4, rtol=0, atol=1e-15)


def test_event_times_in_seconds_use_the_clock():
    from monnto.behaviours.equations.modules import Clock

    net = Network(seed=1, behaviour={0: Clock(step=5e-4)})
    NeuronGroup(net, 2, tag="g", behaviour={1: Spiking(), 9: EventRecorder(["n.spike"], tag="ev")})
    net.initialize()
    net.simulate_iterations(4)
    np.testing.assert_allclose(to_np(net["n.spike.t_s", 0]), [1e-3, 1e-3, 2e-3, 2e-3])


def test_event_times_in_seconds_without_dt_name_what_is_missing():
    net = Network(seed=1)
    NeuronGroup(net, 2, tag="g", behaviour={1: Spiking(), 9: EventRecorder(["n.spike"], tag="ev")})
    net.initialize()
    net.simulate_iterations(2)
    with pytest.raises(ConfigurationError, match=r"EventRecorder 'ev' on <NeuronGroup 'g'>: .*Clock.*dt="):
        net["n.spike.t_s", 0]


# -- 8. bounded init strings ----------------------------------------------------------------------
@pytest.mark.parametrize("mode, why", [
    ("9**9**9", "too large"), ("ones()*10**10**8", "too large"), ("2.0**5000", "too large"),
    ("uniform(0, 1, size=10**12)", "size="), ("normal(0, 10**400)", "too large"),
    ("1/0", "divides by zero"), ("ones()/(1-1)", "divides by zero"), ("inf-inf", "NaN"),
    ("(-8)**(1/3)", "complex")])
def test_unbounded_init_string_is_refused_at_once(mode, why):
    net = Network(seed=1)
    g = NeuronGroup(net, 3, tag="g")
    with pytest.raises(InitStringError) as info:
        g.get_neuron_vec(mode)
    assert "NeuronGroup 'g'" in str(info.value) and repr(mode) in str(info.value) and why in str(info.value)


def test_overlong_init_string_is_refused():
    net = Network(seed=1)
    g = NeuronGroup(net, 3, tag="g")
    mode = "+".join(["1"] * MAX_INIT_STRING_LENGTH)
    with pytest.raises(InitStringError, match=rf"NeuronGroup 'g': the init string of {len(mode)} characters"):
        g.get_neuron_vec(mode)


def test_bounded_arithmetic_still_works():
    net = Network(seed=1)
    g = NeuronGroup(net, 3, tag="g")
    np.testing.assert_array_equal(to_np(g.get_neuron_vec("2**10")), [1024.0] * 3)
    np.testing.assert_array_equal(to_np(g.get_neuron_vec("ones()*10**3")), [1000.0] * 3)
    np.testing.assert_array_equal(to_np(g.get_neuron_vec("-" * 50 + "1")), [1.0] * 3)
    assert np.all(np.isinf(to_np(g.get_neuron_vec("inf"))))


# -- 9. core raises monnto errors -----------------------------------------------------------------
def test_core_raises_no_bare_value_or_type_errors():
    core = pathlib.Path(__file__).resolve().parents[2] / "src" / "monnto" / "core"
    bare = [f"{path.name}:{i}" for path in sorted(core.glob("*.py"))
            for i, line in enumerate(path.read_text().splitlines(), 1)
            if re.search(r"raise (ValueError|TypeError)\(", line)]
    assert bare == []


def test_core_errors_are_monnto_errors_and_builtin_errors():
    net = Network(seed=1)
    with pytest.raises(MonntoValueError) as value_error:
        NeuronGroup(net, -3)
    with pytest.raises(MonntoTypeError) as type_error:
        NeuronGroup(None, 3, tag="x")
    assert isinstance(value_error.value, ValueError) and isinstance(value_error.value, MonntoError)
    assert isinstance(type_error.value, TypeError) and "NeuronGroup 'x'" in str(type_error.value)


@pytest.mark.parametrize("dt", [float("nan"), math.inf, 0.0, -1e-3, "1ms"])
def test_event_recorder_refuses_a_meaningless_dt(dt):
    net = Network(seed=1)
    NeuronGroup(net, 2, tag="g", behaviour={1: Spiking(), 9: EventRecorder(["n.spike"], tag="ev", dt=dt)})
    with pytest.raises(MonntoValueError, match=r"EventRecorder 'ev' on NeuronGroup 'g'.*dt") as info:
        net.initialize()
    assert repr(dt) in str(info.value) or "nan" in str(info.value)


@pytest.mark.parametrize("kwargs, argument", [
    ({"gapwidth": -1}, "gapwidth"), ({"gapwidth": math.inf}, "gapwidth"), ({"max_length": 0}, "max_length"),
    ({"max_length": math.nan}, "max_length"), ({"chunk": 0}, "chunk")])
def test_recorder_arguments_name_recorder_argument_and_value(kwargs, argument):
    with pytest.raises(MonntoValueError) as info:
        Recorder(["n.v"], tag="rec", **kwargs)
    value = next(iter(kwargs.values()))
    assert str(info.value).startswith(f"Recorder 'rec': {argument} must be") and repr(value) in str(info.value)


def test_a_group_larger_than_memory_is_refused_before_allocating():
    from monnto import Network, NeuronGroup
    from monnto.core.errors import NotEnoughMemoryError

    net = Network(seed=1)
    with pytest.raises(NotEnoughMemoryError, match=r"NeuronGroup 'huge': size 10000000000000 needs at least .* GiB"):
        NeuronGroup(net=net, tag="huge", size=10**13)
    assert net.NeuronGroups == [] and net["huge", 0] is None


@pytest.mark.parametrize(("mask", "error", "message"), [
    ([50], "MonntoValueError", r"neuron indices must be in 0\.\.9, got \[50\]"),
    ([-11], "MonntoValueError", r"neuron indices must be in 0\.\.9, got \[-11\]"),
    ([1.5], "MonntoTypeError", r"a bool mask of shape \(10,\) or neuron indices, got float64 values"),
    (["a"], "MonntoTypeError", r"or neuron indices, got <U1 values"),
])
def test_subgroup_indices_are_checked(mask, error, message):
    from monnto import Network, NeuronGroup
    from monnto.core import errors

    group = NeuronGroup(net=Network(), size=10, tag="g")
    with pytest.raises(getattr(errors, error), match=rf"NeuronSubGroup of <NeuronGroup 'g'>: .*{message}"):
        group.subGroup(mask)
    assert group.subGroup([1, 2]).size == 2 and group.subGroup([-1]).id.tolist() == [9]


@pytest.mark.parametrize("path", [123, "", None])
def test_save_and_load_name_a_bad_path(path):
    from monnto import Network, NeuronGroup
    from monnto.core.errors import MonntoTypeError
    from monnto.storage.network_io import load_network

    net = Network()
    NeuronGroup(net=net, size=3, tag="g")
    with pytest.raises(MonntoTypeError, match=rf"save_network: path must be a folder path .*got {path!r}"):
        net.save(path)
    with pytest.raises(MonntoTypeError, match=rf"load_network: path must be a folder path .*got {path!r}"):
        load_network(path)


def test_a_behaviour_with_an_array_argument_names_it_briefly():
    import numpy as np

    from monnto import Behaviour

    class Holder(Behaviour):
        pass

    text = repr(Holder(images=np.ones((30, 50, 50)), label="a long label " * 10))
    assert len(text) < 250 and "images=array([[[1., 1., 1.," in text and "..." in text
    assert "a long label " * 10 in text  # strings stay whole (equations are strings)


def test_more_first_hour_mistakes_get_clear_errors():
    from monnto import MonntoError, Network, NeuronDimension, NeuronGroup, Recorder
    from monnto.models.basic_network import Basic_Behaviour

    with pytest.raises(MonntoError, match=r"NeuronDimension: unknown argument 'widht'; did you mean 'width'\?"):
        NeuronDimension(widht=3)

    def run(behaviours):
        net = Network(seed=1)
        NeuronGroup(net=net, tag="g", size=3, behaviour=behaviours)
        net.initialize()
        net.simulate_iterations(2)

    with pytest.raises(MonntoError, match=r"Basic_Behaviour on NeuronGroup 'g': argument leak_factor must be a "
                                          r"number, a distribution string, or a function f\(shape, rng\)"):
        run({1: Basic_Behaviour(leak_factor=lambda: 0.5)})
    with pytest.raises(MonntoError, match=r"the init callable .* returned 'x'; expected numbers of shape \(3,\)"):
        run({1: Basic_Behaviour(leak_factor=lambda shape, rng: "x")})
    with pytest.raises(MonntoError, match=r"Recorder 'recorder' on <NeuronGroup 'g'>: expression 'str\(n.voltage\)' "
                                          r"gave .*a recorded value must be a number"):
        run({1: Basic_Behaviour(), 9: Recorder(["str(n.voltage)"])})

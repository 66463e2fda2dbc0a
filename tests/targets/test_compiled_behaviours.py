"""Issue 19: the user's own behaviours, compiled into the numba target's loop.

The paper's code blocks 2-3 (unchanged apart from ``@compiled``) and two
behaviours of the examples run on ``Network(target='numba')`` and on the
numpy target with the same seed; spikes, voltages and the generator's state
must agree.
"""
import hashlib
import importlib.util
import math
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

from monnto import (
    Behaviour,
    EventRecorder,
    Network,
    NeuronGroup,
    Recorder,
    SynapseGroup,
    compiled,
    get_squared_dim,
)
from monnto.targets import python_steps
from monnto.targets.behaviour_compiler import CompiledBehaviourWarning, CompileSubsetError

numba = pytest.importorskip("numba")
ROOT = Path(__file__).resolve().parents[2]


# -- the paper's code blocks 2-3, with the opt-in ------------------------------------
@compiled
class Basic_Behaviour(Behaviour):  # noqa: N801 - the paper's name
    def set_variables(self, neurons):
        neurons.voltage = neurons.get_neuron_vec()
        self.threshold = 0.5
        self.leak_factor = self.get_init_attr('leak_factor', 0.9, neurons)

    def new_iteration(self, neurons):
        neurons.spike = neurons.voltage > self.threshold            # spikes
        neurons.voltage[neurons.spike] = 0.0                         # reset
        neurons.voltage *= self.leak_factor                          # voltage decay
        neurons.voltage += neurons.get_neuron_vec('uniform', density=0.01)  # 1% noise


@compiled
class Input_Behaviour(Behaviour):  # noqa: N801 - the paper's name
    def set_variables(self, neurons):
        for synapse in neurons.afferent_synapses['GLUTAMATE']:
            synapse.W = synapse.get_synapse_mat('uniform(0,10)', density=0.1)  # 10% connectivity
            synapse.enabled = synapse.W > 0

    def new_iteration(self, neurons):
        for synapse in neurons.afferent_synapses['GLUTAMATE']:
            neurons.voltage += synapse.W.dot(synapse.src.spike) / synapse.src.size


class CSRInput(Input_Behaviour):
    """Block 3 with scipy's plain CSR weights (no event-driven index)."""

    def set_variables(self, neurons):
        for synapse in neurons.afferent_synapses['GLUTAMATE']:
            synapse.W = sp.csr_array(np.asarray(synapse.get_synapse_mat('uniform(0,10)', density=0.1)))


def paper_network(target, size=100, seed=3, sparse=False, input_cls=Input_Behaviour, leak_factor=0.9,
                  record_voltage=True):
    net = Network(seed=seed, target=target)
    behaviour = {1: Basic_Behaviour(leak_factor=leak_factor), 2: input_cls(),
                 10: EventRecorder(tag='my_event_recorder', variables=['n.spike'])}
    if record_voltage:
        behaviour[9] = Recorder(tag='my_recorder', variables=['n.voltage', 'np.mean(n.voltage)'])
    neurons = NeuronGroup(net=net, tag='my_neurons', size=get_squared_dim(size), behaviour=behaviour)
    SynapseGroup(net=net, src=neurons, dst=neurons, tag='GLUTAMATE', sparse=sparse)
    net.initialize()
    return net


def _compare(a, b, steps):
    a.simulate_iterations(steps, progress=False)
    b.simulate_iterations(steps, progress=False)
    spikes_a, spikes_b = a['my_event_recorder', 0]['n.spike'], b['my_event_recorder', 0]['n.spike']
    assert len(spikes_a) > 20  # the network is active
    np.testing.assert_array_equal(spikes_a, spikes_b)
    va, vb = a['my_neurons', 0].voltage, b['my_neurons', 0].voltage
    np.testing.assert_allclose(vb, va, rtol=1e-12, atol=1e-12)
    assert a.rng.random() == b.rng.random()  # the generator advanced by the same draws


def test_paper_blocks_compiled_give_the_python_spikes_and_voltages():
    a, b = paper_network('numpy'), paper_network('numba')
    assert [type(x).__name__ for x in python_steps(b)] == ['Recorder']  # np.mean(...) stays Python
    _compare(a, b, 300)
    np.testing.assert_allclose(b['n.voltage', 0], a['n.voltage', 0], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(b['np.mean(n.voltage)', 0], a['np.mean(n.voltage)', 0], rtol=1e-12)


def test_paper_blocks_without_python_steps_run_as_one_compiled_loop():
    a = paper_network('numpy', size=400, record_voltage=False)
    b = paper_network('numba', size=400, record_voltage=False)
    assert python_steps(b) == []
    _compare(a, b, 400)


@pytest.mark.parametrize('sparse', [True, False], ids=['event-csr', 'scipy-csr'])
def test_paper_blocks_with_sparse_weights(sparse):
    cls = Input_Behaviour if sparse else CSRInput
    a = paper_network('numpy', size=400, sparse=sparse, input_cls=cls, record_voltage=False)
    b = paper_network('numba', size=400, sparse=sparse, input_cls=cls, record_voltage=False)
    assert python_steps(b) == []
    for net in (a, b):
        net.simulate_iterations(50, progress=False)  # the second run reads column-ordered weights
    _compare(a, b, 250)
    if sparse:
        assert b['GLUTAMATE', 0].W._csc_data is not None


@pytest.mark.slow
def test_diversified_leak_factor_is_a_per_neuron_parameter():
    a = paper_network('numpy', leak_factor='normal(0.9,0.05)', record_voltage=False)
    b = paper_network('numba', leak_factor='normal(0.9,0.05)', record_voltage=False)
    assert np.ndim(b['Basic_Behaviour', 0].leak_factor) == 1
    _compare(a, b, 300)


def test_python_and_compiled_steps_alternate_on_one_generator():
    class PythonNoise(Behaviour):
        def new_iteration(self, neurons):
            neurons.voltage += 0.01 * neurons.get_neuron_vec('normal(0, 1)')

    def build(target):
        net = paper_network(target, record_voltage=False)
        net['my_neurons', 0].add_behaviour(3, PythonNoise())
        net.initialize()
        return net

    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        a, b = build('numpy'), build('numba')
    assert [type(x).__name__ for x in python_steps(b)] == ['PythonNoise']
    _compare(a, b, 200)


def test_changed_parameters_between_runs_are_read_again():
    a, b = paper_network('numpy', record_voltage=False), paper_network('numba', record_voltage=False)
    for net in (a, b):
        net.simulate_iterations(50, progress=False)
        net['Basic_Behaviour', 0].threshold = 0.3
    _compare(a, b, 100)


# -- the init helpers inside a step ---------------------------------------------------
@compiled(strict=True)
class Draws(Behaviour):
    def set_variables(self, n):
        n.a = n.get_neuron_vec()
        n.flag = n.get_neuron_vec(bool)
        self.p = 0.3

    def new_iteration(self, n):
        n.a = n.get_neuron_vec('normal(1, 0.1)') + n.get_neuron_vec('uniform(-2, 3)', density=self.p)
        n.a += n.get_neuron_vec('exponential(2.0)', scale=0.5) + n.get_neuron_vec('random')
        n.a *= n.get_neuron_vec('ones', density=0.5) + n.get_neuron_vec(2.5) + n.get_neuron_vec('zeros')
        n.flag = n.a > n.get_neuron_vec('rand') * 3


def test_init_helpers_draw_the_numbers_numpy_draws():
    nets = {}
    for target in ('numpy', 'numba'):
        net = Network(seed=11, target=target)
        NeuronGroup(net=net, tag='g', size=50, behaviour={1: Draws()})
        net.initialize()
        net.simulate_iterations(20, progress=False)
        nets[target] = net
    np.testing.assert_array_equal(nets['numba'].g.a, nets['numpy'].g.a)
    np.testing.assert_array_equal(nets['numba'].g.flag, nets['numpy'].g.flag)
    assert nets['numba'].g.flag.dtype == np.bool_


# -- two behaviours of the examples ---------------------------------------------------
def _example(name):
    spec = importlib.util.spec_from_file_location(f'issue19_{name}', ROOT / 'examples' / f'{name}.py')
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_example_local_input_compiles_and_threshold_unit_stays_python_with_one_warning():
    ex = _example('synapses_partition')
    LocalInput = compiled(type('Local_Input', (ex.Local_Input,), {}))
    ThresholdUnit = compiled(type('Threshold_Unit', (ex.Threshold_Unit,), {}))

    def build(target):
        net = Network(seed=5, target=target)
        grid = NeuronGroup(net=net, tag='grid', size=ex.NeuronDimension(width=12, height=12),
                           behaviour={1: ThresholdUnit(), 2: LocalInput(),
                                      9: EventRecorder(tag='ev', variables=['n.spike'])})
        SynapseGroup(net=net, src=grid, dst=grid, tag='GLUTAMATE',
                     behaviour={1: ex.Circle_Receptive_Fields(radius=3)})
        net.initialize()
        return net

    a = build('numpy')
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        b = build('numba')
    mine = [w for w in caught if issubclass(w.category, CompiledBehaviourWarning)]
    assert len(mine) == 1
    text = str(mine[0].message)
    assert 'Threshold_Unit' in text and 'self.spikes.append' in text and 'synapses_partition.py' in text
    line = ex.Threshold_Unit.new_iteration.__code__.co_firstlineno + 5
    assert f'line {line}' in text
    assert [type(x).__name__ for x in python_steps(b)] == ['Threshold_Unit']
    a.simulate_iterations(150, progress=False)
    b.simulate_iterations(150, progress=False)
    assert len(a['ev', 0]['n.spike']) > 20
    np.testing.assert_array_equal(b['ev', 0]['n.spike'], a['ev', 0]['n.spike'])
    np.testing.assert_allclose(b.grid.voltage, a.grid.voltage, rtol=1e-12, atol=1e-12)


def test_example_threshold_unit_in_strict_mode_names_line_and_construct():
    ex = _example('synapses_partition')
    strict = compiled(type('Threshold_Unit', (ex.Threshold_Unit,), {}), strict=True)
    net = Network(seed=5, target='numba')
    NeuronGroup(net=net, tag='grid', size=16, behaviour={1: strict()})
    with pytest.raises(CompileSubsetError, match=r'Threshold_Unit.*line \d+.*`self\.spikes\.append\(') as info:
        net.initialize()
    assert info.value.construct.startswith('self.spikes.append')


@pytest.mark.slow
def test_example_adaptation_current_compiles_with_a_clock():
    from monnto import Clock

    ex = _example('embed_nest')
    Adaptation = compiled(type('AdaptationCurrent', (ex.AdaptationCurrent,), {}), strict=True)

    def build(target):
        net = Network(seed=2, target=target)
        NeuronGroup(net=net, tag='g', size=30, behaviour={
            0: Clock(step='1*ms'), 1: Basic_Behaviour(), 2: Adaptation(tau=0.05, jump=0.2),
            9: EventRecorder(tag='ev', variables=['n.spike'])})
        net.initialize()
        return net

    a, b = build('numpy'), build('numba')
    assert python_steps(b) == []
    for net in (a, b):
        net.g.voltage += 0.45  # some spikes early
        net.simulate_iterations(300, progress=False)
    assert len(a['ev', 0]['n.spike']) > 5
    np.testing.assert_array_equal(b['ev', 0]['n.spike'], a['ev', 0]['n.spike'])
    np.testing.assert_allclose(b.g.I_adapt, a.g.I_adapt, rtol=1e-12)
    np.testing.assert_allclose(b.g.I_input, a.g.I_input, rtol=1e-12)
    assert b.g.t == pytest.approx(a.g.t)


# -- outside the subset -------------------------------------------------------------------
def _strict(folder, body, setup="        n.v = n.get_neuron_vec()\n        self.k = 1.0\n"):
    source = (f"class Bad(Behaviour):\n    compile = 'strict'\n    def set_variables(self, n):\n{setup}"
              f"    def new_iteration(self, n):\n{body}")
    file = folder / f'bad_{hashlib.sha256(source.encode()).hexdigest()[:12]}.py'
    file.write_text("from monnto import Behaviour\nimport numpy as np\n\n" + source)
    spec = importlib.util.spec_from_file_location(file.stem, file)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    net = Network(seed=1, target='numba')
    NeuronGroup(net=net, tag='g', size=8, behaviour={1: module.Bad()})
    with pytest.raises(CompileSubsetError) as info:
        net.initialize()
    return info.value, file


@pytest.mark.parametrize('body, construct, why', [
    ("        print(n.v)\n", "print(n.v)", "calls of functions"),
    ("        n.v += [x for x in range(8)][0]\n", "[x for x in range(8)]", "`ListComp`"),
    ("        n.v += np.array(n.v)\n", "np.array(n.v)", "np.array is not in the compiled subset"),
    ("        self.k = 2.0\n", "self.k", "number attribute cannot be reassigned"),
    ("        n.v = np.fft.fft(n.v)\n", "np.fft.fft(n.v)", "this call"),
    ("        n.v += n.get_neuron_vec('lognormal(0, 1)')\n", "n.get_neuron_vec('lognormal(0, 1)')",
     "'lognormal(0, 1)'"),
    ("        for x in [1, 2]:\n            n.v += x\n", "[1, 2]", "a for loop runs over"),
    ("        n.v += n.missing\n", "n.missing", "has no attribute 'missing'"),
    ("        try:\n            n.v += 1\n        except Exception:\n            pass\n", "try:", "`Try`"),
])
def test_outside_the_subset_raises_naming_behaviour_line_and_construct(tmp_path, body, construct, why):
    err, file = _strict(tmp_path, body)
    text = str(err)
    assert 'Bad' in text and str(file) in text and f'line {err.line}' in text
    assert err.line == 10  # the first line of the step's body in the written file
    assert construct in err.construct or construct in text
    assert why in text


def test_a_numba_typing_error_is_reported_at_initialize_with_the_line(tmp_path):
    err, _ = _strict(tmp_path, "        n.v += 1.0\n        n.v += np.sum(n.v, 1, 2, 3)\n")
    assert "numba cannot compile" in str(err) and err.line == 11


def test_compiled_refuses_non_behaviours_and_bad_modes():
    with pytest.raises(TypeError, match='a Behaviour subclass'):
        compiled(int)

    class Wrong(Behaviour):
        compile = 'yes'

        def new_iteration(self, n):
            pass

    net = Network(target='numba')
    NeuronGroup(net=net, size=3, behaviour={1: Wrong()})
    with pytest.raises(ValueError, match=r"compile must be True, False or 'strict', got 'yes'"):
        net.initialize()


def test_generated_code_lives_in_the_private_cache_and_names_its_origin(private_cache):
    net = paper_network('numba', record_voltage=False)
    assert python_steps(net) == []
    files = [p for p in (private_cache / 'monnto' / 'numba').glob('m_*.py')
             if 'Basic_Behaviour.new_iteration' in p.read_text()]
    assert files
    text = files[0].read_text()
    assert 'from tests' in text or 'test_compiled_behaviours' in text
    assert 'sample(1, 0.0, 1.0, key, step, np.uint64(_first + i))' in text and 'if g0__spike[_i]:' in text  # the reset, fused


def test_numpy_target_runs_the_marked_behaviour_as_python():
    net = paper_network('numpy', record_voltage=False)
    assert [type(b).__name__ for b in python_steps(net)] == ['Basic_Behaviour', 'Input_Behaviour', 'EventRecorder']


def test_importing_monnto_and_compiled_does_not_import_numba():
    code = "import sys; from monnto import *; compiled; assert 'numba' not in sys.modules, 'numba imported'"
    subprocess.run([sys.executable, '-c', code], check=True, cwd=ROOT)


# -- a behaviour of a synapse group: plasticity on the dense weights ------------------------
@compiled(strict=True)
class Hebb(Behaviour):
    def set_variables(self, synapse):
        self.eta = self.get_init_attr('eta', 0.01)
        self.trace = np.zeros(synapse.src.size)

    def new_iteration(self, synapse):
        self.trace *= 0.8
        self.trace += synapse.src.spike
        if synapse.iteration % 2 == 0:
            synapse.W += self.eta * np.outer(synapse.dst.spike * 1.0, self.trace)
        np.clip(synapse.W, 0.0, 10.0, synapse.W)


def test_a_compiled_plasticity_rule_on_a_synapse_group_changes_the_weights_as_python_does():
    def build(target):
        net = paper_network(target, record_voltage=False)
        net['GLUTAMATE', 0].add_behaviour(3, Hebb(eta=0.5))
        net.initialize()
        return net

    a, b = build('numpy'), build('numba')
    assert python_steps(b) == []
    _compare(a, b, 200)
    Wa, Wb = np.asarray(a['GLUTAMATE', 0].W), np.asarray(b['GLUTAMATE', 0].W)
    assert not np.array_equal(Wa, np.clip(Wa, 0, 9.99))  # clipped at 10 somewhere: the rule acted
    np.testing.assert_allclose(Wb, Wa, rtol=1e-12)
    np.testing.assert_allclose(b['Hebb', 0].trace, a['Hebb', 0].trace, rtol=1e-12)


def test_a_source_file_changed_after_import_is_not_translated(tmp_path):
    file = tmp_path / 'changing_model.py'
    body = ("from monnto import Behaviour\n\n\nclass Leak(Behaviour):\n    compile = 'strict'\n\n"
            "    def set_variables(self, n):\n        n.v = n.get_neuron_vec()\n        self.k = 0.5\n\n"
            "    def new_iteration(self, n):\n        n.v *= self.k\n")
    file.write_text(body)
    spec = importlib.util.spec_from_file_location('changing_model', file)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    file.write_text("import numpy as np\nimport math\n" + body)  # two lines shift every def
    net = Network(seed=1, target='numba')
    NeuronGroup(net=net, tag='g', size=4, behaviour={1: module.Leak()})
    with pytest.raises(CompileSubsetError, match='is not the code Python runs'):
        net.initialize()


# -- element-wise statements run as fused loops ----------------------------------------------
@compiled(strict=True)
class Mixed(Behaviour):
    def set_variables(self, n):
        n.v = n.get_neuron_vec('uniform(0, 1)')
        n.w = n.get_neuron_vec()
        n.flag = n.get_neuron_vec(bool)
        self.gain = n.get_neuron_vec('normal(1, 0.1)')  # one value per neuron
        self.th = 0.6

    def new_iteration(self, n):
        n.flag = (n.v > self.th) & ~(n.w > 2.0)
        n.w[n.flag] += 0.5
        n.w = np.exp(-n.w * 0.1) * self.gain + np.maximum(n.v, 0.2)
        n.v[n.v > 0.9] = 0.0
        n.v += 0.05 * n.get_neuron_vec('uniform') - 0.01 * (n.w > 1.0)
        n.v = np.clip(n.v, 0.0, 1.0)  # stays an array expression


def test_fused_statements_compute_what_numpy_computes():
    nets = {}
    for target in ('numpy', 'numba'):
        net = Network(seed=4, target=target)
        NeuronGroup(net=net, tag='g', size=64, behaviour={1: Mixed()})
        net.initialize()
        net.simulate_iterations(100, progress=False)
        nets[target] = net
    a, b = nets['numpy'].g, nets['numba'].g
    assert 0 < a.flag.sum() < 64
    np.testing.assert_array_equal(b.flag, a.flag)
    np.testing.assert_allclose(b.w, a.w, rtol=1e-12)
    np.testing.assert_allclose(b.v, a.v, rtol=1e-12, atol=1e-15)
    nets['numba']['Mixed', 0].gain = 1.0  # a number where the fused loop reads one value per neuron
    with pytest.raises(TypeError, match=r'self.gain must be a numpy array .*, got 1.0'):
        nets['numba'].simulate_iterations(1, progress=False)


def test_a_saved_network_holds_no_generated_code_and_continues_compiled(tmp_path):
    from monnto import load_network, save_network

    whole = paper_network('numba', record_voltage=False)
    whole.simulate_iterations(200, progress=False)
    first = paper_network('numba', record_voltage=False)
    first.simulate_iterations(100, progress=False)
    folder = save_network(first, tmp_path / 'saved')
    for file in Path(folder).rglob('*'):
        if file.is_file():
            data = file.read_bytes()
            assert b'njit' not in data and b'ub_Basic' not in data and b'_mt_dot' not in data, file
    loaded = load_network(folder, classes=(Basic_Behaviour, Input_Behaviour))
    assert loaded.target == 'numba' and python_steps(loaded) == []
    loaded.simulate_iterations(100, progress=False)
    np.testing.assert_array_equal(loaded['my_event_recorder', 0]['n.spike'], whole['my_event_recorder', 0]['n.spike'])
    np.testing.assert_array_equal(loaded['my_neurons', 0].voltage, whole['my_neurons', 0].voltage)


# -- the rest of the documented subset ------------------------------------------------------------
STEPS_PER_SWEEP = 3  # a module constant, read at initialize


@compiled(strict=True)
class Subset(Behaviour):
    def set_variables(self, n):
        self.tag_name = 'GLUTAMATE'
        self.count = np.zeros(1)
        self.trace = np.zeros(n.size)
        n.v = n.get_neuron_vec('uniform(0, 0.3)')
        n.out = n.get_neuron_vec()
        n.spike = n.get_neuron_vec(bool)

    def new_iteration(self, n):
        """A docstring is skipped."""
        drive = n.get_neuron_vec('normal(0.05, 0.02)')
        for s in n.afferent_synapses[self.tag_name]:
            drive = drive + (s.W @ s.src.spike) * 0.01 + np.dot(s.W, s.src.spike) * 0.0
        for s in n.efferent_synapses['GLUTAMATE']:
            self.trace += s.W.T.dot(s.dst.spike * 1.0) * 0.001
        n.v += np.where(n.v > 0.8, -0.1, drive)
        n.spike = n.v > 0.75
        n.v[n.spike] = 0.0
        total = 0.0
        for i in range(n.size):
            if n.spike[i]:
                total += 1.0
            else:
                total += 0.0
        k = 0
        while k < STEPS_PER_SWEEP:
            k += 1
        self.count[0] += total * k / STEPS_PER_SWEEP
        if n.iteration % 10 == 0:
            n.out = n.v.copy()
            return
        n.out += abs(n.v.sum() - n.v.mean() * n.size) + math.exp(0.0) - 1.0


def test_the_documented_subset_compiles_and_matches_numpy():
    nets = {}
    for target in ('numpy', 'numba'):
        net = Network(seed=8, target=target)
        g = NeuronGroup(net=net, tag='g', size=40, behaviour={1: Subset()})
        SynapseGroup(net=net, src=g, dst=g, tag='GLUTAMATE').W = np.random.default_rng(1).uniform(0, 1, (40, 40))
        net.initialize()
        net.simulate_iterations(55, progress=False)
        nets[target] = net
    a, b = nets['numpy'], nets['numba']
    assert python_steps(b) == []
    assert a['Subset', 0].count[0] > 0
    np.testing.assert_allclose(b.g.v, a.g.v, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(b.g.out, a.g.out, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(b['Subset', 0].trace, a['Subset', 0].trace, rtol=1e-12)
    assert b['Subset', 0].count[0] == a['Subset', 0].count[0]


def test_an_internal_translation_failure_leaves_a_non_strict_behaviour_in_python(monkeypatch):
    import monnto.targets.behaviour_compiler as bc

    def broken(*args):
        raise RuntimeError('translator bug')

    monkeypatch.setattr(bc, 'translate', broken)
    with pytest.warns(CompiledBehaviourWarning, match=r'could not be made \(RuntimeError: translator bug\)'):
        net = paper_network('numba', record_voltage=False)
    assert {type(b).__name__ for b in python_steps(net)} >= {'Basic_Behaviour', 'Input_Behaviour'}
    net.simulate_iterations(10, progress=False)


@pytest.mark.slow
def test_the_benchmark_script_runs_small():
    result = subprocess.run([sys.executable, str(ROOT / 'benchmarks' / 'user_behaviours.py'), '--sizes', '100',
                             '--steps', '50', '--repeat', '1', '--skip-brian2'],
                            capture_output=True, text=True, check=True, cwd=ROOT, timeout=600)
    rows = [line.split() for line in result.stdout.splitlines() if line.strip().startswith('100 monnto')]
    assert len(rows) == 3
    assert rows[0][-2] == rows[1][-2]  # python and compiled: the same spikes per neuron and step

"""SORN: self-organizing recurrent network (Lazar, Pipa & Triesch 2009).

Binary threshold units, N_E excitatory (x) and N_I = 0.2 N_E inhibitory (y),
updated synchronously (Front Comput Neurosci 3:23, eqs. 1-2):

    x_i(t+1) = Theta( sum_j W^EE_ij x_j(t) - sum_k W^EI_ik y_k(t) + u_i(t) - T^E_i(t) )
    y_i(t+1) = Theta( sum_j W^IE_ij x_j(t) - T^I_i )

W^EE is sparse (``lambda_ee`` inputs per neuron), W^EI and W^IE dense, all
drawn U(0,1) and normalized to unit afferent sum. Input u: each symbol of the
sequence drives its own random set of excitatory units. Three plasticity
rules act on the excitatory population:

* STDP (eq. 4): dW^EE_ij = eta_stdp (x_i(t+1) x_j(t) - x_i(t) x_j(t+1)),
  only on existing synapses, weights kept in [0, 1];
* synaptic normalization (eq. 5): sum_j W^EE_ij = 1 and sum_k W^EI_ik = 1;
* intrinsic plasticity (eq. 6): T^E_i += eta_ip (x_i(t+1) - h_ip).

Paper values: N_E = 200, N_I = 40, lambda_ee = 10, eta_stdp = 0.001,
eta_ip = 0.001, h_ip = 0.1 (= 2 N_U / N_E), T^E ~ U(0, 0.5),
T^I ~ U(0, 1). Task: the counting task (words ``a b^n c`` and ``d e^n f``),
with a linear readout of x(t) predicting the symbol of step t+1.

Backends: :func:`sorn_network` uses the network's default backend unless
``backend`` / ``device`` are given; the weights are drawn and normalized
with the network's numpy generator on the host and moved to the device.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from monnto.behaviours.inputs.patterns import SymbolSequenceInput
from monnto.behaviours.plasticity.intrinsic import IntrinsicPlasticity
from monnto.behaviours.plasticity.normalization import Normalization
from monnto.behaviours.plasticity.stdp import DiscreteSTDP
from monnto.behaviours.recorder import Recorder
from monnto.core import Behaviour, Network, NeuronGroup, SynapseGroup
from monnto.core.backend import to_numpy
from monnto.models._backend import synapse_weights

from ._checks import checked_builder

__all__ = ["SORNCommit", "SORNUnits", "readout_accuracy", "sorn_network", "sorn_step"]


def sorn_step(exc_drive: Any, inh_drive: Any, external: Any, threshold: Any, xp: Any = np) -> Any:
    """Threshold unit update ``Theta(exc - inh + external - T)`` (bool array)."""
    return (exc_drive - inh_drive + external - threshold) > 0


class SORNUnits(Behaviour):
    """Binary threshold units computing their next state into ``n.spike_next``.

    Reads the afferent synapse groups tagged ``exc_tag`` (added) and
    ``inh_tag`` (subtracted) with the sources' current ``spike``, adds and
    clears ``n.I_input`` (external input), compares with ``n.T``. Keyword
    arguments: ``T_max`` (thresholds drawn U(0, T_max), default 0.5),
    ``exc_tag`` ('GLUTAMATE'), ``inh_tag`` ('GABA'), ``init_rate`` (initial
    fraction of active units, default 0.1).
    """

    def set_variables(self, n: Any) -> None:
        t_max = float(self.get_init_attr("T_max", 0.5))
        self.exc_tag = self.get_init_attr("exc_tag", "GLUTAMATE")
        self.inh_tag = self.get_init_attr("inh_tag", "GABA")
        init_rate = float(self.get_init_attr("init_rate", 0.1))
        n.T = n.get_neuron_vec(f"uniform(0, {t_max})")
        n.spike = n.get_neuron_vec("uniform(0,1)") < init_rate
        n.spike_next = n.xp.asarray(n.spike, copy=True)
        if n.__dict__.get("I_input") is None:
            n.I_input = n.get_neuron_vec()

    def _drive(self, n: Any, tag: str) -> Any:
        total = 0.0
        for s in n.afferent_synapses[tag]:
            total = total + s.W.dot(s.src.spike)
        return total

    def new_iteration(self, n: Any) -> None:
        n.spike_next = sorn_step(self._drive(n, self.exc_tag), self._drive(n, self.inh_tag),
                                 n.I_input, n.T, n.xp)
        n.I_input[...] = 0.0


class SORNCommit(Behaviour):
    """Make the synchronous update visible: ``n.spike = n.spike_next`` (after all units computed)."""

    def new_iteration(self, n: Any) -> None:
        n.spike = n.spike_next


class _InitWeights(Behaviour):
    """U(0,1) weights at a density (1.0: dense), normalized to unit afferent sum; sets ``enabled``."""

    def set_variables(self, s: Any) -> None:
        density = float(self.get_init_attr("density", 1.0))
        W = np.asarray(to_numpy(s.get_synapse_mat("uniform(0,1)", density=density)))
        if s.src is s.dst:
            np.fill_diagonal(W, 0.0)
        sums = W.sum(1, keepdims=True)
        W = np.divide(W, sums, out=np.zeros_like(W), where=sums > 0)
        s.W = synapse_weights(s, W)
        s.enabled = s.W > 0


@checked_builder(positive=("n_exc", "counting_n", "lambda_ee"), nonnegative=("eta_stdp", "eta_ip"))
def sorn_network(n_exc: int = 200, counting_n: int = 4, n_per_symbol: int | None = None,
                 lambda_ee: int = 10, eta_stdp: float = 0.001, eta_ip: float = 0.001,
                 h_ip: float = 0.1, te_max: float = 0.5, ti_max: float = 1.0,
                 input_strength: float = 1.0, seed: int | None = 0, record: bool = True,
                 backend: str | None = None, device: str = "cpu",
                 target: str | None = None, threads: int = 1) -> Network:
    """Build and initialize SORN on the counting task.

    Parameters
    ----------
    n_exc : int
        Excitatory units (N_I = 0.2 N_E).
    counting_n : int
        Repetitions in the counting-task words ``a b^n c`` / ``d e^n f``.
    n_per_symbol : int, optional
        Excitatory units driven by each symbol (default ``h_ip * n_exc / 2``,
        i.e. N_U with h_ip = 2 N_U / N_E as in the paper).
    lambda_ee : int
        Mean number of E->E inputs per unit (density lambda_ee / N_E).
    eta_stdp, eta_ip, h_ip : float
        Plasticity rates and the IP target (spikes per step).
    te_max, ti_max : float
        Thresholds drawn U(0, max).
    input_strength : float
        Input added to the driven units.
    seed : int, optional
    record : bool
        Record ``n.spike`` and ``n.input_index`` of the excitatory group
        (Recorder tag 'sorn_rec').
    backend, device : str, optional
        Array backend and device of the network (default: the network
        default, numpy on the CPU).

    target : {'numpy', 'numba'}, optional
        Where the step loop runs (default: the network default, numpy; see
        :class:`~monnto.core.network.Network`).
    threads : int
        Threads of the compiled loops (numba target).

    Returns
    -------
    Network
        Groups 'exc' and 'inh'; plasticity behaviours carry the tag
        'plasticity' (``net.deactivate_behaviours('plasticity')`` freezes the
        network for readout training). ``net['SymbolSequenceInput', 0]``
        gives the alphabet.
    """
    n_exc = int(n_exc)
    n_inh = max(1, int(round(0.2 * n_exc)))
    if n_per_symbol is None:
        n_per_symbol = max(1, int(round(h_ip * n_exc / 2)))
    net = Network(seed=seed, tag="sorn", backend=backend, device=device, target=target,
                  threads=threads)
    exc_b: dict[Any, Behaviour] = {
        1: SymbolSequenceInput(counting_n=counting_n, n_per_symbol=n_per_symbol,
                               amplitude=input_strength),
        2: SORNUnits(T_max=te_max),
        3: SORNCommit(),
        4: DiscreteSTDP(syn_type="GLUTAMATE", stdp_factor=eta_stdp, w_min=0.0, w_max=1.0,
                        simultaneous=False, tag="plasticity"),
        5: Normalization(syn_type="GLUTAMATE", norm_factor=1.0, tag="plasticity"),
        6: Normalization(syn_type="GABA", norm_factor=1.0, tag="plasticity"),
        7: IntrinsicPlasticity(attr="T", target=h_ip, eta=eta_ip, tag="plasticity"),
    }
    if record:
        exc_b[9] = Recorder(variables=["n.spike", "n.input_index"], tag="sorn_rec")
    exc = NeuronGroup(net=net, size=n_exc, tag="exc", behaviour=exc_b)
    inh = NeuronGroup(net=net, size=n_inh, tag="inh",
                      behaviour={2: SORNUnits(T_max=ti_max, init_rate=0.0), 3: SORNCommit()})
    SynapseGroup(net=net, src=exc, dst=exc, tag="GLUTAMATE,EE",
                 behaviour={0: _InitWeights(density=min(1.0, lambda_ee / n_exc))})
    SynapseGroup(net=net, src=exc, dst=inh, tag="GLUTAMATE,IE", behaviour={0: _InitWeights()})
    SynapseGroup(net=net, src=inh, dst=exc, tag="GABA,EI", behaviour={0: _InitWeights()})
    net.initialize()
    return net


def readout_accuracy(states: np.ndarray, symbols: np.ndarray, n_symbols: int,
                     train_fraction: float = 0.5, ridge: float = 1e-3) -> float:
    """Accuracy of a linear readout predicting the next symbol from the state.

    ``states[t]`` (T, N) is the network state after step t and ``symbols[t]``
    the symbol index shown in step t; the readout maps ``states[t]`` to
    ``symbols[t+1]`` (one-hot targets, ridge least squares, arg max),
    trained on the first ``train_fraction`` and tested on the rest.
    """
    X = np.asarray(states, dtype=float)[:-1]
    y = np.asarray(symbols, dtype=int)[1:]
    X = np.hstack([X, np.ones((X.shape[0], 1))])
    split = int(train_fraction * X.shape[0])
    Y = np.eye(n_symbols)[y[:split]]
    A = X[:split]
    coef = np.linalg.solve(A.T @ A + ridge * np.eye(A.shape[1]), A.T @ Y)
    pred = np.argmax(X[split:] @ coef, axis=1)
    return float(np.mean(pred == y[split:]))

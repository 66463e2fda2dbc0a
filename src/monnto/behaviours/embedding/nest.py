"""Embed NEST nodes in a NeuronGroup (paper, code block 10).

A :class:`NestEmbedding` resets the NEST kernel, creates the nodes, calls
``nest.Prepare()`` once and then, every monnto step,

1. writes the group's input vectors into NEST node parameters (``inputs``),
2. advances NEST by the monnto step with ``nest.Run(dt)`` (NEST takes its own
   steps of ``resolution`` inside; ``dt`` must be a whole multiple of it),
3. copies the mirrored node states into the group (``variables``) and sets
   ``n.spike`` from a ``spike_recorder`` attached to the nodes.

``Prepare``/``Run`` avoids the set-up and tear-down that ``nest.Simulate``
does on every call (the paper's ``nest.Simulate(1.0)``), with identical
results; :meth:`NestEmbedding.close` calls ``nest.Cleanup()``. Inside the
run context NEST forbids creating nodes, connecting and changing recorder
settings, so a model callable must build everything it needs.

Units: values cross the boundary in SI base units (V, A, S, F, s), as monnto
stores unit-carrying models. NEST works in mV, pA, nS, pF and ms; the scale
of the common NEST state and parameter names is known (:data:`NEST_TO_SI`),
any other name needs an explicit ``(nest_name, scale)`` pair with
``monnto_value = nest_value * scale``.

NEST keeps one global kernel per process: one NestEmbedding is active at a
time, and initializing a new one closes the previous one and resets the
kernel. Requires ``pip install monnto[nest]``.
"""
from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import numpy as np

from ...core.behaviour import Behaviour
from ...core.errors import MonntoTypeError, MonntoValueError
from ._common import clear_input, name_mapping, read_input, resolve_dt, step_ratio, store

__all__ = ["NEST_TO_SI", "NestEmbedding", "import_nest"]

_MV, _PA, _NS, _PF, _MS = 1e-3, 1e-12, 1e-9, 1e-12, 1e-3

#: SI value of one NEST unit for common state and parameter names.
NEST_TO_SI: dict[str, float] = {
    **dict.fromkeys(("V_m", "V_th", "V_reset", "V_T", "V_peak", "E_L", "E_ex", "E_in",
                     "E_Na", "E_K", "V_min", "Delta_T"), _MV),
    **dict.fromkeys(("I_e", "w", "I_syn", "I_syn_ex", "I_syn_in", "I_ex", "I_in"), _PA),
    **dict.fromkeys(("g_ex", "g_in", "g_L", "g_Na", "g_K", "g"), _NS),
    **dict.fromkeys(("C_m",), _PF),
    **dict.fromkeys(("t_ref", "tau_m", "tau_syn_ex", "tau_syn_in", "tau_w", "t_spike"), _MS),
    **dict.fromkeys(("Act_m", "Inact_h", "Act_n"), 1.0),
}

#: The embedding whose nodes live in the NEST kernel now.
_ACTIVE: list = []


def import_nest(quiet: bool = True):
    """Import NEST or raise ImportError naming the extra to install.

    With ``quiet`` the start-up banner is suppressed (``PYNEST_QUIET``,
    set only if NEST is not imported yet and the variable is unset).
    """
    if quiet:
        os.environ.setdefault("PYNEST_QUIET", "1")
    try:
        import nest
    except ImportError as err:
        raise ImportError("NestEmbedding needs NEST: pip install monnto[nest] "
                          f"(import failed: {err})") from err
    return nest


def _scaled(mapping: dict[str, Any], owner: str, key: str) -> dict[str, tuple[str, float]]:
    out = {}
    for m_name, spec in mapping.items():
        if isinstance(spec, (tuple, list)) and len(spec) == 2:
            nest_name, scale = spec
            scale = float(scale)
        elif isinstance(spec, str):
            nest_name = spec
            if nest_name not in NEST_TO_SI:
                raise MonntoValueError(f"{owner}: argument {key}: the SI scale of NEST name {nest_name!r} is "
                                 f"not known; write {{{m_name!r}: ({nest_name!r}, scale)}} with "
                                 f"monnto value = NEST value * scale (1.0 keeps NEST's unit)")
            scale = NEST_TO_SI[nest_name]
        else:
            raise MonntoValueError(f"{owner}: argument {key}: {m_name!r}: {spec!r}; expected a NEST name "
                             f"or a (nest_name, scale) pair")
        out[m_name] = (str(nest_name), scale)
    return out


class NestEmbedding(Behaviour):
    """Run NEST nodes inside a monnto NeuronGroup, one step per iteration.

    Parameters
    ----------
    model : str or callable
        The external model (first positional argument or ``model=``): a NEST
        model name (``'iaf_psc_alpha'``), created with ``nest.Create(model,
        size, params=params)``, or a callable ``model(size)`` run after the
        kernel reset that creates (and connects) whatever it needs and
        returns the NodeCollection to mirror, or a sequence starting with
        it. The mirrored collection must hold ``size`` nodes.
    params : dict
        Node parameters for ``nest.Create`` when ``model`` is a name (NEST
        units).
    variables : dict or list
        ``{monnto_name: nest_name or (nest_name, scale)}`` copied after
        every step (default ``{'v': 'V_m'}``, V_m in V).
    inputs : dict or list
        ``{monnto_name: nest_name or (nest_name, scale)}`` written before
        every step, e.g. ``{'I_input': 'I_e'}`` (n.I_input in A, I_e in pA).
        A monnto vector that does not exist yet is created from the node
        parameter's value.
    clear_inputs : bool
        Set the input vectors to zero after copying them (default True),
        monnto's neuron-model input convention.
    dt : float or str
        Step in seconds (or ``'1*ms'``) when the group has no Clock; default
        1 ms.
    resolution : float, optional
        NEST's own step in **ms** (``nest.resolution``); default NEST's
        (0.1 ms). ``dt`` must be a whole multiple of it.
    kernel : dict, optional
        Further kernel settings (``nest.SetKernelStatus``), e.g.
        ``{'rng_seed': 1}``. When absent, ``rng_seed`` is drawn from the
        network's seeded generator, so runs repeat.
    quiet : bool
        Suppress NEST's banner and messages below errors (default True).

    Attributes
    ----------
    nodes : nest.NodeCollection
        The mirrored nodes; ``spike_recorder`` records them.

    Notes
    -----
    After every step ``n.spike`` (bool) marks the neurons that fired during
    the step and ``n.spike_count`` counts their spikes.
    """

    def set_variables(self, n) -> None:
        owner = repr(self)
        quiet = bool(self.get_init_attr("quiet", True, None))
        nest = import_nest(quiet)
        model = self.get_init_attr("model", self.init_kwargs.get("arg_0"), None, do_not_diversify=True)
        if model is None or not (isinstance(model, str) or callable(model)):
            raise MonntoTypeError(f"{owner}: pass the NEST model as the first argument or model=: a model "
                            f"name such as 'iaf_psc_alpha' or a callable model(size); got {model!r}")
        params = self.get_init_attr("params", None, None, do_not_diversify=True)
        self.variables = _scaled(name_mapping(self.get_init_attr(
            "variables", {"v": "V_m"}, None, do_not_diversify=True), owner, "variables"), owner, "variables")
        self.inputs = _scaled(name_mapping(self.get_init_attr(
            "inputs", {}, None, do_not_diversify=True), owner, "inputs"), owner, "inputs")
        self.clear_inputs = bool(self.get_init_attr("clear_inputs", True, None))
        resolution = self.get_init_attr("resolution", None, None)
        kernel = dict(self.get_init_attr("kernel", None, None, do_not_diversify=True) or {})
        self.dt = resolve_dt(self, n)

        for other in list(_ACTIVE):
            other.close()
        nest.ResetKernel()
        if quiet:
            nest.verbosity = nest.VerbosityLevel.ERROR
        if resolution is not None:
            kernel["resolution"] = float(resolution)
        kernel.setdefault("rng_seed", int(n.network.rng.integers(1, 2**31 - 1)))
        nest.SetKernelStatus(kernel)
        self.substeps = step_ratio(self.dt, nest.resolution * 1e-3, owner, "the NEST resolution")

        if isinstance(model, str):
            if model not in nest.node_models:
                raise MonntoValueError(f"{owner}: {model!r} is not a NEST model; e.g. 'iaf_psc_alpha', "
                                 f"'iaf_cond_exp', 'aeif_cond_exp', 'hh_psc_alpha'")
            built = nest.Create(model, n.size, params=params)
        else:
            if params is not None:
                raise MonntoValueError(f"{owner}: params= applies to a model name only; set the parameters "
                                 f"inside the model callable")
            built = model(n.size)
        nodes = built[0] if isinstance(built, Sequence) and not isinstance(built, nest.NodeCollection) \
            else built
        if not isinstance(nodes, nest.NodeCollection):
            raise MonntoTypeError(f"{owner}: the model must give a nest.NodeCollection (or a sequence that "
                            f"starts with one), got {built!r}")
        if len(nodes) != n.size:
            raise MonntoValueError(f"{owner}: the NEST model gives {len(nodes)} nodes; the monnto group "
                             f"{n.tag!r} has {n.size}")
        self.nodes = nodes
        known = set(nodes[0].get().keys())
        for nest_name, _ in (*self.variables.values(), *self.inputs.values()):
            if nest_name not in known:
                raise MonntoValueError(f"{owner}: the NEST nodes ({nodes[0].get('model')}) have no state or "
                                 f"parameter {nest_name!r}")
        self.spike_recorder = nest.Create("spike_recorder")
        nest.Connect(nodes, self.spike_recorder)
        ids = np.asarray(nodes.tolist(), dtype=np.int64)
        self._order = np.argsort(ids)
        self._sorted_ids = ids[self._order]
        self._seen_events = 0
        self._nest = nest
        self._nest_errors = nest.NESTError

        for m_name, (nest_name, scale) in self.inputs.items():
            if m_name not in n.__dict__:
                store(n, m_name, self._get(nest_name) * scale)
        self._copy_out(n)
        n.spike = n.xp.asarray(np.zeros(n.size, dtype=bool))
        n.spike_count = n.xp.asarray(np.zeros(n.size, dtype=np.int64))
        nest.Prepare()
        self.prepared = True
        _ACTIVE.append(self)

    def _get(self, nest_name: str) -> np.ndarray:
        return np.atleast_1d(np.asarray(self.nodes.get(nest_name), dtype=float))

    def _copy_out(self, n) -> None:
        for m_name, (nest_name, scale) in self.variables.items():
            store(n, m_name, self._get(nest_name) * scale)

    def new_iteration(self, n) -> None:
        if not getattr(self, "prepared", False):
            raise RuntimeError(f"{self!r}: the NEST run context was closed (close(), or another "
                               f"NestEmbedding was initialized); NEST has one kernel per process, so "
                               f"one NestEmbedding can run at a time")
        try:
            self._step(n)
        except self._nest_errors as err:
            raise RuntimeError(f"{self!r}: NEST failed at monnto iteration {n.iteration} ({err!r}); was "
                               f"the kernel reset (nest.ResetKernel) or changed outside the embedding "
                               f"while it runs?") from err

    def _step(self, n) -> None:
        for m_name, (nest_name, scale) in self.inputs.items():
            values = read_input(n, m_name, repr(self)) / scale
            self.nodes.set({nest_name: values.tolist()})
            if self.clear_inputs:
                clear_input(n, m_name)
        self._nest.Run(self.dt * 1e3)
        self._copy_out(n)
        total = int(self.spike_recorder.n_events)
        fired = np.zeros(n.size, dtype=np.int64)
        if total > self._seen_events:
            senders = np.asarray(self.spike_recorder.get("events", "senders"), dtype=np.int64)
            new = senders[self._seen_events:total]
            np.add.at(fired, self._order[np.searchsorted(self._sorted_ids, new)], 1)
            self._seen_events = total
        n.spike = n.xp.asarray(fired > 0)
        n.spike_count = n.xp.asarray(fired)

    def close(self) -> None:
        """End NEST's run context (``nest.Cleanup()``); the embedding cannot step after this."""
        if getattr(self, "prepared", False):
            self.prepared = False
            if self._nest.GetKernelStatus("prepared"):     # not if the kernel was reset meanwhile
                self._nest.Cleanup()
        if self in _ACTIVE:
            _ACTIVE.remove(self)

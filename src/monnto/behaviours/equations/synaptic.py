"""Synaptic event statements on SynapseGroups: ``OnPre`` and ``OnPost`` (Brian2's on_pre/on_post).

A SynapseGroup ``syn`` (``src`` -> ``dst``, weights ``syn.W`` of shape
``(dst.size, src.size)``) runs statements when neurons of one side spiked
this step (``src.spike`` for OnPre, ``dst.spike`` for OnPost)::

    OnPre('ge += w')                                  # CUBA/COBA input
    OnPre('ge += w; w = clip(w + apost, 0, wmax)')    # pair STDP, with
    OnPost('w = clip(w + apre_pre, 0, wmax)')         # traces on the neurons

Names, as in Brian2: ``w`` is ``syn.W``; another bare name is a synaptic
variable when ``syn`` has a ``(dst.size, src.size)`` matrix of that name
(``Variable`` on the SynapseGroup makes them), else a variable of the
postsynaptic group; ``x_post`` / ``x_pre`` name variables of ``dst`` /
``src``; units, ``t`` and ``dt`` as in equations. Statements run in order,
each seeing the values the previous ones wrote.

What a statement may assign (``j``: the spiking sources of OnPre, ``i``:
the spiking targets of OnPost):

* a synaptic variable (``w = ...``, ``w += ...``, also ``-=``, ``*=``,
  ``/=``): the synapses of the spiking neurons (columns ``W[:, j]`` or rows
  ``W[i, :]``) of existing connections only (see below);
* a variable of the other side with ``+=`` / ``-=`` (OnPre: ``ge += w``):
  the sum over the spiking neurons' existing synapses; ``ge += c*w`` with
  ``c`` free of synaptic and presynaptic variables is summed with one
  product (and works with scipy.sparse ``W``);
* a variable of the spiking side (OnPre: ``x_pre += 1``; OnPost:
  ``apost += dApost``): the spiking neurons' values; the expression may
  not use synaptic variables or the other side's.

Connections: a synapse exists where ``syn.connected`` (bool, D x S) is
True. Without it the connections are the nonzero weights when a statement
first needs them (at initialize), so plasticity never creates a synapse
that was not there; ``w='...'`` with ``p`` draws ``connected`` with the
weights.

Synaptic variables may also follow differential equations: an ``Equation``
on the SynapseGroup integrates every synapse (``du/dt = -u/tau_u``).

Delays (Brian2's ``Synapses(..., delay=...)``): ``OnPre('ge += w',
delay='1.5*ms')`` runs the statements for the sources that spiked
``delay`` ago instead of now. A delay is rounded to whole steps of ``dt``
as Brian2 rounds it (to the nearest step, halves up: 1.25 ms at
``dt = 0.5 ms`` is 3 steps), so a spike of step ``k`` is delivered in step
``k + round(delay/dt)``, at the same key in the step. ``delay`` may be one
duration (a ring buffer of the last spike vectors,
:class:`~monnto.behaviours.synapses.delays.DelayLine`) or one per synapse:
a ``(dst.size, src.size)`` array in seconds, or the name of a synaptic
variable holding durations (``Variable(eq='d = uniform(1, 3)*ms')`` on the
SynapseGroup, then ``delay='d'``). With per-synapse delays each statement
acts on the synapses whose spike arrives in this step; they need dense
weights and statements that do not assign variables of the spiking side.
``OnPost`` takes ``delay`` too (the postsynaptic spike reaches the
synapse later).

Plasticity traces are neuron variables (Brian2's ``(event-driven)``
per-synapse traces of pair-based STDP are the same for all synapses of a
neuron): an Equation ``dapre/dt = -apre/taupre`` and a
``Reset('apre += Apre')`` on the presynaptic group, and the same for
``apost`` on the postsynaptic group.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from monnto.core import Behaviour

from .base import CompiledStep, EquationError, check_number, context_of, string_arg, value_text
from .runtime import compile_function

# statements are compiled by .synaptic_compiler (sympy), imported at initialize

__all__ = ["OnPost", "OnPre"]

def _column_sum(W: np.ndarray, j: np.ndarray) -> np.ndarray:
    """``W[:, j].sum(axis=1)`` for a dense numpy ``W`` (an EventMatrix is read as a plain array).

    Weights from ``get_synapse_mat`` are Fortran-ordered, so the columns are
    gathered as contiguous rows of ``W.T``.
    """
    if type(W) is not np.ndarray:
        W = W.view(np.ndarray)
    if W.flags.f_contiguous:
        return W.T[j].sum(axis=0)
    return W[:, j].sum(axis=1)


class _SynapticEvent(CompiledStep, Behaviour):
    """Statements run on the synapses of the neurons of one side that spiked."""

    #: 'pre' (OnPre: spikes of syn.src) or 'post' (OnPost: spikes of syn.dst)
    side = "pre"
    _step_globals = {"_issparse": sp.issparse, "_column_sum": _column_sum}
    #: a ring buffer element count above which a delay is refused (the buffer holds
    #: ``(delay steps + 1) x spiking group size`` booleans)
    max_buffer = 2**28

    def __init__(self, *args, **kwargs):
        alias = f"on_{self.side}"
        if alias in kwargs:
            kwargs.setdefault("statement", kwargs.pop(alias))
        if args:
            kwargs.setdefault("statement", args[0])
            args = args[1:]
        super().__init__(*args, **kwargs)
        self.code = None
        self._step = None
        self.delay_line = None   # DelayLine of the spiking side, when there is a delay
        self.delay_steps = None  # int (uniform) or (D, S) int array (per synapse), in steps

    # -- setup ----------------------------------------------------------------
    def set_variables(self, syn) -> None:
        text = string_arg(self, "statement")
        name = type(self).__name__
        context = context_of(name, "statement", text)
        if not hasattr(syn, "src") or not hasattr(syn, "dst"):
            raise EquationError(f"{context}: attach it to a SynapseGroup, not to {syn!r}")
        from .eqcache import names_in, object_signature
        from .synaptic_program import connection_mask

        self._prepare_weights(syn, context)
        W = getattr(syn, "W", None)
        if W is None or not hasattr(W, "shape"):
            raise EquationError(
                f"{context}: {syn!r} has no weight matrix W; set syn.W (D x S) or pass w='1*mV' (and p=...)"
            )
        if tuple(W.shape) != (syn.dst.size, syn.src.size):
            raise EquationError(f"{context}: {syn!r}.W has shape {W.shape}, expected {(syn.dst.size, syn.src.size)}")
        _check_backend(syn, W, context)
        steps = self._delay_steps(syn, context)
        per_synapse = steps is not None and not isinstance(steps, int)
        if per_synapse and sp.issparse(W):
            raise EquationError(f"{context}: per-synapse delays need dense weights; {syn!r}.W is scipy.sparse "
                                "(use sparse=False, or one delay for all synapses)")
        delay = "per_synapse" if per_synapse else ("none" if not steps else "uniform")
        namespace = self.get_init_attr("namespace", None, do_not_diversify=True)
        names = names_in(text, namespace)
        key = {"statement": text, "side": self.side, "delay": delay, "namespace": namespace,
               "backend": _backend_name(syn), "syn": object_signature(syn, names),
               "src": object_signature(syn.src, names), "dst": object_signature(syn.dst, names)}

        def build() -> dict:
            from .compiler import namespace_constants
            from .parser import parse_statements
            from .synaptic_compiler import StatementCompiler

            consts = namespace_constants(self, context)
            records = [StatementCompiler(self.side, syn, stmt, context, consts,
                                         arrival_mask="_act" if per_synapse else None).record()
                       for stmt in parse_statements(text, context)]
            return {"kind": "synaptic", "side": self.side, "delay": delay, "all_connected": True,
                    "statements": records}

        def apply(program: dict) -> None:
            from .base import registered_dims
            from .dims import dim_from_data

            dims = registered_dims(syn)
            for rec in program["statements"]:
                if rec["type"] == "other_w" and "W" not in dims:
                    dims["W"] = dim_from_data(rec["w_dim"])
            # whether every synapse exists is read now, not cached (the mask is made when a statement needs it)
            masked = per_synapse or any(rec["type"] in ("syn", "other_sum") for rec in program["statements"])
            program["all_connected"] = bool(connection_mask(syn).all()) if masked else True

        self._install_program(syn.dst, "synaptic", key, build, context, apply=apply)

    def _extra_globals(self, parent) -> dict:
        out = {}
        if self.delay_line is not None:
            out["_delay_line"] = self.delay_line
        if self.delay_steps is not None and not isinstance(self.delay_steps, int):
            out["_delay_steps"] = self.delay_steps
        return out

    def _delay_steps(self, syn, context):
        """Read ``delay``: None, a number of steps (int) or one per synapse ((D, S) int array).

        Makes ``self.delay_line`` (the ring buffer of the spiking side's spikes)
        and sets ``self.delay_steps``.
        """
        self.delay_line, self.delay_steps = None, None
        delay = self.get_init_attr("delay", None, do_not_diversify=True)
        if delay is None:
            return None
        dt = getattr(syn, "dt", None)
        if not isinstance(dt, float):
            dt = getattr(syn.dst, "dt", None)
        if not isinstance(dt, float):
            raise EquationError(f"{context}: delay={value_text(delay)} needs the time step dt; add "
                                "Clock(step='0.1*ms') to the network (before the SynapseGroup's behaviours)")
        seconds = self._delay_seconds(syn, delay, context)
        # Brian2 rounds a delay to the nearest whole step, halves up
        steps = np.floor(seconds / dt + 0.5).astype(np.int64)
        spiking = syn.src if self.side == "pre" else syn.dst
        longest = int(steps.max()) if steps.size else 0
        if (longest + 1) * spiking.size > self.max_buffer:
            raise EquationError(f"{context}: delay={value_text(delay)} is {longest} steps of dt={dt!r} s; its "
                                f"buffer would hold {(longest + 1) * spiking.size} spikes, more than "
                                f"{self.max_buffer} (use a shorter delay or a larger dt)")
        if steps.ndim == 0 or (steps.size and np.all(steps == steps.flat[0])):
            steps = int(steps.flat[0]) if steps.size else 0
        if isinstance(steps, int) and steps == 0:
            self.delay_steps = 0
            return 0
        from ..synapses.delays import DelayLine

        net = getattr(syn, "network", None)
        xp = getattr(net, "xp", None)
        device = getattr(getattr(net, "array_backend", None), "device", None)
        if isinstance(steps, int):
            self.delay_line = DelayLine(spiking.size, steps, owner=context, xp=xp, device=device)
        else:
            self.delay_line = DelayLine(spiking.size, 0, max_delay=longest, owner=context, xp=xp, device=device)
            if xp is not None and xp is not np:
                steps = xp.asarray(steps, device=device)
        self.delay_steps = steps
        return steps

    def _delay_seconds(self, syn, delay, context) -> np.ndarray:
        """``delay`` in seconds: a 0-d array (one delay) or a (D, S) array (one per synapse)."""
        from ...core.backend import to_numpy

        shape = (syn.dst.size, syn.src.size)
        if isinstance(delay, (bool, np.bool_)):
            raise EquationError(f"{context}: delay must be a duration ('1.5*ms', or seconds), one per synapse "
                                f"or the name of a synaptic variable, got {delay!r}")
        if isinstance(delay, str) and delay.strip().isidentifier() \
                and tuple(getattr(getattr(syn, delay.strip(), None), "shape", ())) == shape:
            from .base import registered_dims
            from .dims import TIME

            name = delay.strip()
            dim = registered_dims(syn).get(name)
            if dim is not None and dim != TIME:
                raise EquationError(f"{context}: delay={delay!r} names the synaptic variable {name}, which is "
                                    f"{dim}, not a duration (second)")
            seconds = np.asarray(to_numpy(getattr(syn, name)), dtype=float)
        elif isinstance(delay, str):
            from .eqcache import duration as parse_duration

            try:
                seconds = np.asarray(parse_duration(delay, f"{context}, delay={delay!r}"))
            except EquationError as exc:
                if delay.strip().isidentifier():
                    raise EquationError(f"{exc} (or name a synaptic variable of {syn!r}: a "
                                        f"{shape} matrix of durations)") from None
                raise
        elif isinstance(delay, (int, float, np.integer, np.floating)):
            seconds = np.asarray(check_number(context, "delay", delay, low=0.0))
        elif hasattr(delay, "shape"):
            seconds = np.asarray(to_numpy(delay), dtype=float)
            if seconds.ndim and seconds.shape != shape:
                raise EquationError(f"{context}: per-synapse delays have shape {seconds.shape}, expected "
                                    f"{shape} (dst.size, src.size)")
        else:
            raise EquationError(f"{context}: delay must be a duration ('1.5*ms', or seconds), one per synapse "
                                f"((D, S) array) or the name of a synaptic variable, got {value_text(delay)}")
        if np.isnan(seconds).any():
            raise EquationError(f"{context}: delay must be a finite duration >= 0 s, got NaN "
                                f"({value_text(delay)})")
        if not np.isfinite(seconds).all() or (seconds < 0).any():
            worst = float(seconds[~np.isfinite(seconds) | (seconds < 0)].flat[0])
            raise EquationError(f"{context}: delay must be a finite duration >= 0 s, got {worst!r} s "
                                f"({value_text(delay)})")
        return seconds

    def _prepare_weights(self, syn, context) -> None:
        """OnPost takes the weights as they are; OnPre may create them."""


class OnPre(_SynapticEvent):
    """Statements run when presynaptic neurons spike (Brian2's ``on_pre``).

    Attach to a SynapseGroup: ``OnPre('ge += w')`` adds, for every source
    neuron that spiked this step, its weight column ``W[:, j]`` to
    ``dst.ge``. See :mod:`.synaptic` for the statements a SynapseGroup
    accepts (plasticity on ``w``, sums into postsynaptic variables,
    presynaptic updates).

    Parameters
    ----------
    statement : str
        One or more statements (``;`` or new lines), e.g. ``'ge += w'``,
        ``'g_ampa += 0.5*w'``, ``'ge += w; w = clip(w + apost, 0, wmax)'``.
        Alias ``on_pre``.
    w : str or float, optional
        If given, the weight of every synapse, with units (``'1.62*mV'``,
        ``'normal(1, 0.1)*nS'``), stored in SI units; it also fixes the unit
        of ``w``. Without it ``W`` must already exist, and ``w`` has the
        unit the first ``x += c*w`` statement needs.
    p : float, optional
        Connection probability used with ``w`` (default 1: all to all),
        drawn with the network's RNG; sets ``syn.connected``.
    sparse : bool
        Store a created ``W`` as scipy.sparse CSR (default False: dense).
        CSR weights take ``x += c*w`` statements only.
    delay : str, float, array or str, optional
        Transmission delay (Brian2's ``Synapses(delay=...)``): a duration
        (``'1.5*ms'``, or seconds) for every synapse, a ``(dst.size,
        src.size)`` array of seconds, or the name of a synaptic variable
        holding durations. Rounded to whole steps of ``dt`` (nearest, halves
        up, as in Brian2): a spike of step ``k`` is delivered in step
        ``k + round(delay/dt)``. Default: no delay. See :mod:`.synaptic`.

    Notes
    -----
    ``syn.enabled`` is not consulted. An increment of a postsynaptic
    variable acts from the next integration step on (the destination's
    Equation has already run in this step), as in Brian2.
    """

    side = "pre"

    def _prepare_weights(self, syn, context) -> None:
        weight = self.get_init_attr("w", None, do_not_diversify=True)
        p = check_number(context, "p", self.get_init_attr("p", 1.0), low=0.0, high=1.0)
        sparse = bool(self.get_init_attr("sparse", False))
        if isinstance(weight, (bool, np.bool_)) or (weight is not None and not isinstance(weight, str)
                                                    and not isinstance(weight, (int, float, np.integer,
                                                                                np.floating))):
            raise EquationError(f"{context}: w must be a number or a string with units such as '1.62*mV', "
                                f"got {value_text(weight)}")
        if isinstance(weight, (int, float, np.integer, np.floating)):
            check_number(context, "w", weight)
        if weight is not None:
            make_weights(self, syn, weight, p, sparse, context)


class OnPost(_SynapticEvent):
    """Statements run when postsynaptic neurons spike (Brian2's ``on_post``).

    Attach to a SynapseGroup, e.g. ``OnPost('w = clip(w + apre_pre, 0, wmax)')``
    (the potentiation half of pair STDP). See :mod:`.synaptic` for names and
    what may be assigned.

    Parameters
    ----------
    statement : str
        One or more statements (``;`` or new lines). Alias ``on_post``.
    delay : str, float, array or str, optional
        Delay of the postsynaptic spike's arrival at the synapse, as for
        :class:`OnPre`.
    """

    side = "post"


# ----------------------------------------------------------------------


def make_weights(behaviour, syn, weight, p, sparse, context) -> None:
    """``syn.W`` (and ``syn.connected``) from OnPre's ``w`` and ``p`` (a string ``w`` through the
    equation cache)."""
    from .base import registered_dims
    from .dims import dim_from_data

    backend = _backend_name(syn)
    if sparse and backend != "numpy":
        raise EquationError(f"{context}: sparse=True (scipy.sparse CSR weights) needs the numpy backend, "
                            f"{syn!r} is on backend {backend!r}; use sparse=False (dense weights)")
    record = None
    if isinstance(weight, str):
        from .eqcache import cached, names_in, object_signature
        from .printers import check_expression

        namespace = behaviour.get_init_attr("namespace", None, do_not_diversify=True)

        def build() -> dict:
            from .compiler import namespace_constants
            from .synaptic_compiler import weights_record

            return weights_record(syn, weight, context, namespace_constants(behaviour, context))

        def check(value) -> None:
            check_expression(value["expr"])
            dim_from_data(value["dim"])
            for name, init in value["rand"]:
                if not (isinstance(name, str) and name.isidentifier() and isinstance(init, str)):
                    raise ValueError(f"bad random draw {[name, init]!r}")

        key = {"w": weight, "namespace": namespace, "syn": object_signature(syn, names_in(weight, namespace))}
        record = cached("weights", key, build, check)
    mask = syn.get_synapse_mat("ones", density=p if p < 1 else None)
    if record is None:
        matrix = mask * float(weight)
    elif record["rand"]:
        values = {name: syn.get_synapse_mat(init) for name, init in record["rand"]}
        src = f"def _value({', '.join(sorted(values))}):\n    return {record['expr']}\n"
        matrix = mask * compile_function(src, "_value", xp=getattr(syn, "xp", None), label=context)(**values)
    else:
        matrix = mask * float(record["constant"])
    syn.connected = mask != 0
    syn.W = sp.csr_matrix(matrix) if sparse else matrix
    if record is not None:
        registered_dims(syn)["W"] = dim_from_data(record["dim"])


def _backend_name(obj) -> str:
    """The array backend of ``obj``'s network ('numpy' without one)."""
    return getattr(getattr(obj, "network", None), "backend", None) or "numpy"


def _check_backend(syn, W, context) -> None:
    """Reject a weight matrix that is not an array of the synapse group's backend."""
    backend = _backend_name(syn)
    if backend == "numpy":
        return
    if sp.issparse(W):
        raise EquationError(
            f"{context}: {syn!r}.W is a scipy.sparse matrix, which needs the numpy backend; the network "
            f"uses backend {backend!r}: set a dense W (syn.get_synapse_mat(...)) instead"
        )
    if isinstance(W, np.ndarray):
        raise EquationError(
            f"{context}: {syn!r}.W is a numpy array but the network uses backend {backend!r}; "
            f"make it with syn.get_synapse_mat(...) or syn.xp.asarray(W)"
        )

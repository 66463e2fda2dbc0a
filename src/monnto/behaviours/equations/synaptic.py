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

from .base import CompiledStep, EquationError, string_arg

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

    # -- setup ----------------------------------------------------------------
    def set_variables(self, syn) -> None:
        text = string_arg(self, "statement")
        name = type(self).__name__
        context = f"{name}({text!r})"
        if not hasattr(syn, "src") or not hasattr(syn, "dst"):
            raise EquationError(f"{context}: attach it to a SynapseGroup, not to {syn!r}")
        from .compiler import namespace_constants
        from .parser import parse_statements
        from .synaptic_compiler import StatementCompiler

        stmts = parse_statements(text, context)
        self._prepare_weights(syn, context)
        W = getattr(syn, "W", None)
        if W is None or not hasattr(W, "shape"):
            raise EquationError(
                f"{context}: {syn!r} has no weight matrix W; set syn.W (D x S) or pass w='1*mV' (and p=...)"
            )
        if tuple(W.shape) != (syn.dst.size, syn.src.size):
            raise EquationError(f"{context}: {syn!r}.W has shape {W.shape}, expected {(syn.dst.size, syn.src.size)}")
        _check_backend(syn, W, context)
        spiking, index = ("_syn.src.spike", "_j") if self.side == "pre" else ("_syn.dst.spike", "_i")
        lines = ["def _step(_syn):", f"    _spk = {spiking}",
                 "    if _spk.any():",  # no early return: the network may fuse this step with others
                 f"        {index} = numpy.nonzero(_spk)[0]",
                 "        _src = _syn.src", "        _dst = _syn.dst"]
        namespace = namespace_constants(self, context)
        for stmt in stmts:
            lines += StatementCompiler(self.side, syn, stmt, context, namespace).lines()
        self._install(syn.dst, "\n".join(lines) + "\n", context)

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

    Notes
    -----
    ``syn.enabled`` is not consulted. An increment of a postsynaptic
    variable acts from the next integration step on (the destination's
    Equation has already run in this step), as in Brian2.
    """

    side = "pre"

    def _prepare_weights(self, syn, context) -> None:
        weight = self.get_init_attr("w", None, do_not_diversify=True)
        p = self.get_init_attr("p", 1.0)
        sparse = bool(self.get_init_attr("sparse", False))
        if weight is not None:
            from .compiler import namespace_constants
            from .synaptic_compiler import make_weights

            make_weights(syn, weight, p, sparse, context, namespace_constants(self, context))


class OnPost(_SynapticEvent):
    """Statements run when postsynaptic neurons spike (Brian2's ``on_post``).

    Attach to a SynapseGroup, e.g. ``OnPost('w = clip(w + apre_pre, 0, wmax)')``
    (the potentiation half of pair STDP). See :mod:`.synaptic` for names and
    what may be assigned.

    Parameters
    ----------
    statement : str
        One or more statements (``;`` or new lines). Alias ``on_post``.
    """

    side = "post"


# ----------------------------------------------------------------------


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

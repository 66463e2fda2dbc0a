"""Embed a Brian2 model in a NeuronGroup (paper, code block 9).

A :class:`Brian2Embedding` owns a private ``brian2.Network``. At initialize
it builds the Brian2 objects, and every monnto step it

1. writes the group's input vectors into Brian2 variables (``inputs``),
2. advances the Brian2 network by the monnto step ``dt`` with
   ``brian2.Network.run(dt)`` (Brian2 may take several smaller steps of its
   own clock inside; ``dt`` must be a whole multiple of it),
3. copies the mirrored Brian2 variables into the group (``variables``) and
   sets ``n.spike`` to the neurons that fired at least once in that step.

Units: values cross the boundary in SI base units, as every unit-carrying
model in monnto stores them: Brian2's ``v`` (volt) becomes ``n.v`` in V,
a current input ``n.I_input`` in A goes into a Brian2 ``amp`` variable. The
copy reads and writes Brian2's unitless ``name_`` views, so no unit objects
enter monnto arrays.

Speed: each ``Network.run`` call redoes Brian2's run set-up (code objects,
namespace checks): about 8 ms per monnto step for a small group with the
numpy target, whatever the group size, so an embedded Brian2 model suits
small models and interoperability, not speed. A full garbage collection that
Brian2 starts at every run (about 80 ms in a process with many live objects)
is made cheap by freezing the objects that already exist for the duration
of the call (``gc.freeze``/``gc.unfreeze``; skipped when the process has
frozen objects of its own; turn off with ``fast_gc=False``). The NEST
embedding costs about 0.1 ms per step.

Requires ``pip install monnto[brian2]``. The code-generation target is set to
``'numpy'`` by default (``brian2.prefs.codegen.target``, a global Brian2
preference), which needs no compiler.
"""
from __future__ import annotations

import gc
from collections.abc import Sequence

import numpy as np

from ...core.behaviour import Behaviour
from ...core.errors import MonntoTypeError, MonntoValueError
from ._common import clear_input, name_mapping, read_input, resolve_dt, step_ratio, store

__all__ = ["Brian2Embedding", "import_brian2"]


def import_brian2():
    """Import Brian2 or raise ImportError naming the extra to install."""
    try:
        import brian2
    except ImportError as err:
        raise ImportError("Brian2Embedding needs Brian2: pip install monnto[brian2] "
                          f"(import failed: {err})") from err
    return brian2


class Brian2Embedding(Behaviour):
    """Run a Brian2 NeuronGroup inside a monnto NeuronGroup, one step per iteration.

    Parameters
    ----------
    model : callable or brian2.NeuronGroup or sequence
        The external model (first positional argument or ``model=``). A
        callable is called as ``model(size, dt)`` with ``size`` the number
        of neurons of the monnto group and ``dt`` the monnto step as a
        Brian2 quantity (pass it as ``dt=`` to the Brian2 objects so both
        simulators share one step). It returns, like the non-callable
        form, either the Brian2 ``NeuronGroup`` to mirror or a sequence
        whose first item is that group and whose other items are further
        Brian2 objects (Synapses, PoissonGroups, monitors) to run with it.
        The mirrored group must have ``size`` neurons.
    variables : dict or list of str
        ``{monnto_name: brian2_name}`` copied after every step, in SI base
        units (default ``{'v': 'v'}``); a list means the same names.
    inputs : dict or list of str
        ``{monnto_name: brian2_name}`` copied before every step (SI base
        units), e.g. ``{'I_input': 'I'}`` for a Brian2 parameter ``I : amp``.
        A monnto vector that does not exist yet is created from the Brian2
        variable's initial value.
    clear_inputs : bool
        Set the input vectors to zero after copying them (default True),
        the convention of monnto's neuron models: input behaviours add to
        ``n.I_input`` every step and the model consumes it.
    namespace : dict
        Names (constants, functions) the Brian2 equations use that are not
        group variables; Brian2 cannot look them up in the caller's frame
        from inside the behaviour. Units (``mV``, ``ms``, ...) need not be
        given.
    dt : float or str
        Step in seconds (or ``'1*ms'``) when the group has no Clock; default
        1 ms. Ignored in favour of the group's ``n.dt`` when a Clock sets it
        (an explicit, different ``dt`` is an error).
    codegen_target : str
        Brian2 code-generation target set before building (default
        ``'numpy'``; ``None`` leaves Brian2's preference alone).
    fast_gc : bool
        Make Brian2's per-run garbage collection cheap (see module notes).

    Attributes
    ----------
    group : brian2.NeuronGroup
        The mirrored group. ``brian_network`` is the private Brian2 network,
        ``spike_monitor`` the ``SpikeMonitor(record=False)`` that counts
        spikes (None when the group has no threshold).

    Notes
    -----
    After every step ``n.spike`` (bool, shape ``(size,)``) marks the neurons
    that fired during the step and ``n.spike_count`` counts their spikes
    (more than one when Brian2's clock is finer than ``dt``).
    """

    def set_variables(self, n) -> None:
        brian2 = import_brian2()
        owner = repr(self)
        model = self.get_init_attr("model", self.init_kwargs.get("arg_0"), None, do_not_diversify=True)
        if model is None:
            raise MonntoTypeError(f"{owner}: pass the Brian2 model as the first argument or model=, a "
                            f"callable model(size, dt) returning a brian2.NeuronGroup")
        self.variables = name_mapping(self.get_init_attr("variables", {"v": "v"}, None,
                                                         do_not_diversify=True), owner, "variables")
        self.inputs = name_mapping(self.get_init_attr("inputs", {}, None, do_not_diversify=True),
                                   owner, "inputs")
        self.clear_inputs = bool(self.get_init_attr("clear_inputs", True, None))
        namespace = self.get_init_attr("namespace", None, None, do_not_diversify=True)
        self.namespace = dict(namespace or {})
        self.fast_gc = bool(self.get_init_attr("fast_gc", True, None))
        target = self.get_init_attr("codegen_target", "numpy", None, do_not_diversify=True)
        self.dt = resolve_dt(self, n)
        if target is not None:
            brian2.prefs.codegen.target = target

        if callable(model) and not isinstance(model, brian2.Group):
            built = model(n.size, self.dt * brian2.second)
        else:
            built = model
        objects = list(built) if isinstance(built, Sequence) else [built]
        if not objects or not isinstance(objects[0], brian2.NeuronGroup):
            raise MonntoTypeError(f"{owner}: the model must give a brian2.NeuronGroup (or a sequence that "
                            f"starts with one), got {built!r}")
        self.group = objects[0]
        if len(self.group) != n.size:
            raise MonntoValueError(f"{owner}: the Brian2 group {self.group.name!r} has {len(self.group)} "
                             f"neurons; the monnto group {n.tag!r} has {n.size}")
        for name in (*self.variables.values(), *self.inputs.values()):
            if name not in self.group.variables:
                raise MonntoValueError(f"{owner}: the Brian2 group {self.group.name!r} has no variable "
                                 f"{name!r}; it has {sorted(k for k in self.group.variables if not k.startswith('_'))}")
        self.substeps = step_ratio(self.dt, float(self.group.clock.dt_), owner,
                                   f"the Brian2 clock dt of {self.group.name!r}")
        self.spike_monitor = None
        if "spike" in self.group.events:
            self.spike_monitor = brian2.SpikeMonitor(self.group, record=False)
            objects.append(self.spike_monitor)
        self.brian_network = brian2.Network(*objects)
        self._last_count = np.zeros(n.size, dtype=np.int64)
        self._second = brian2.second

        for m_name, b_name in self.inputs.items():
            if m_name not in n.__dict__:
                store(n, m_name, np.array(getattr(self.group, b_name + "_"), dtype=float))
        self._copy_out(n)
        n.spike = n.xp.asarray(np.zeros(n.size, dtype=bool))
        n.spike_count = n.xp.asarray(np.zeros(n.size, dtype=np.int64))

    def _copy_out(self, n) -> None:
        for m_name, b_name in self.variables.items():
            store(n, m_name, np.array(getattr(self.group, b_name + "_"), dtype=float))

    def new_iteration(self, n) -> None:
        for m_name, b_name in self.inputs.items():
            setattr(self.group, b_name + "_", read_input(n, m_name, repr(self)))
            if self.clear_inputs:
                clear_input(n, m_name)
        self.run_external(self.dt)
        self._copy_out(n)
        if self.spike_monitor is not None:
            count = np.array(self.spike_monitor.count[:], dtype=np.int64)
            fired = count - self._last_count
            self._last_count = count
            n.spike = n.xp.asarray(fired > 0)
            n.spike_count = n.xp.asarray(fired)

    def run_external(self, seconds: float) -> None:
        """Advance the Brian2 network by ``seconds`` (one ``Network.run`` call)."""
        freeze = self.fast_gc and gc.get_freeze_count() == 0
        if freeze:
            gc.freeze()
        try:
            self.brian_network.run(seconds * self._second, namespace=self.namespace)
        finally:
            if freeze:
                gc.unfreeze()

"""``Recorder`` and ``EventRecorder``: record expressions during a run.

Each expression (``'n.voltage'``, ``'voltage'``, ``'np.mean(n.voltage)'``,
``'n.iteration'``) is compiled once at initialize into a function of the
parent; ``n``, ``neurons``, ``s`` and ``synapse`` name the parent, ``np`` is
numpy (on the torch backend: the backend's array namespace), ``xp`` the
parent's array namespace, any module the user imported (``torch``, ``math``)
is available by its name, and a bare name that is an attribute of the parent
is read from it (see :mod:`.recorder_expressions`).
Samples go into preallocated blocks that grow by doubling (and are sized for
the whole run when ``simulate_iterations`` announces its length); reading
back gives numpy arrays of shape ``(T, ...)``.

An expression whose value changes dtype between steps (``int`` first,
``float`` later; ``bool`` then ``int``) widens its recording's dtype, the
samples so far kept; one whose value changes shape (a scalar, then a vector)
raises :class:`~monnto.core.errors.ConfigurationError` naming the Recorder,
its parent and the expression. The generated step pays one cheap test per
expression for this (type, dtype and shape identity); the real checks run
only when it fails. A buffer too large for the available memory is refused
before it is allocated (:class:`~monnto.core.errors.NotEnoughMemoryError`),
and a full disk under a streamed recording raises
:class:`~monnto.core.errors.DiskFullError` naming the path.

The expression string is also a tag: ``net['n.voltage', 0]`` is the
recording so far. An EventRecorder stores, per step, the indices of the
nonzero entries: ``net['n.spike.t', 0]`` (iterations) and
``net['n.spike.i', 0]`` (indices), ``net['n.spike', 0]`` both as ``(E, 2)``;
``net['n.spike.t_s', 0]`` gives the times in seconds (iteration x dt).
"""
from __future__ import annotations

import functools
import types
from typing import Any

import numpy as np

from ..core.backend import to_numpy
from ..core.behaviour import Behaviour
from ..core.errors import ConfigurationError, bad_type, bad_value, short_repr
from ..core.tagging import LiveData
from .recorder_expressions import (
    RecorderExpressionError,
    assigned_by_some_behaviour,
    compile_expression,
    compile_recording_step,
)
from .recording_blocks import EventBlock, SampleBlock, StreamedBlock

__all__ = ["EventRecorder", "Recorder", "RecorderExpressionError", "compile_expression"]

#: Types of Python scalars: their values carry no dtype or shape to test.
_PYTHON_SCALARS = (bool, int, float, complex)
#: How often a changed kind of value regenerates the step of one expression;
#: after that it keeps going through the (correct, slower) check.
MAX_GUARD_REBUILDS = 4


class Recorder(Behaviour):
    """Record expressions of the parent every ``gapwidth`` steps.

    Parameters
    ----------
    variables : str or list of str
        Expressions to record (also the first positional argument).
    gapwidth : int
        Record every ``gapwidth`` steps (0 or 1: every step; k: at
        iterations k, 2k, ...).
    tag : str, optional
        Tags of the recorder.
    max_length : int, optional
        Keep only the newest ``max_length`` samples.
    storage_manager : StorageManager, optional
        Stream samples to the run's store in chunks of ``chunk`` samples
        instead of keeping them in memory.
    chunk : int
        Samples per streamed chunk.
    """

    initialize_last = True
    run_last = True
    #: rebuilt after loading a saved network (see after_load)
    transient_attributes = ("_fast", "_fast_pairs", "_slow", "_expect", "_guard_rebuilds")

    def __init__(self, variables: str | list[str] | None = None, gapwidth: int = 0,
                 tag: str | None = None, max_length: int | None = None, *args: Any,
                 storage_manager: Any = None, chunk: int = 1000, save_as_numpy: bool = True,
                 **kwargs: Any):
        if variables is None:
            variables = kwargs.pop("variables", [])
        if isinstance(variables, str):
            variables = [variables]
        super().__init__(*args, tag=tag, **kwargs)
        self.add_tag("recorder")
        name = f"{type(self).__name__} {tag!r}"
        if not all(isinstance(v, str) for v in variables):
            raise bad_type(name, "variables", variables, "a list of expression strings")
        if isinstance(gapwidth, bool) or not isinstance(gapwidth, (int, np.integer)) or gapwidth < 0:
            raise bad_value(name, "gapwidth", gapwidth, "an int >= 0")
        if max_length is not None and (isinstance(max_length, bool) or not isinstance(max_length, (int, np.integer))
                                       or max_length < 1):
            raise bad_value(name, "max_length", max_length, "a positive int or None")
        if isinstance(chunk, bool) or not isinstance(chunk, (int, np.integer)) or chunk < 1:
            raise bad_value(name, "chunk", chunk, "a positive int")
        self.variable_names: list[str] = list(dict.fromkeys(variables))
        self.gapwidth = max(int(gapwidth), 1)
        self.max_length = max_length
        self.storage_manager = storage_manager
        self.chunk = int(chunk)
        self._functions: list = []
        self._pending: list = []
        self._blocks: dict[str, Any] = {}
        self._fast = None
        self._fast_pairs: list = []  # (fn, block) written by the generated step
        self._slow: list = []
        self._counter = 0
        #: expression -> (type of its values, compare dtypes with == instead of is)
        self._expect: dict[str, tuple[type, bool]] = {}
        self._guard_rebuilds: dict[str, int] = {}

    # -- setup --------------------------------------------------------------
    def add_variables(self, variables: list[str]) -> None:
        """Record more expressions (compiled now if already initialized)."""
        for v in variables:
            if v not in self.variable_names:
                self.variable_names.append(v)
                if self.parent is not None and self.initialized:
                    self._compile_one(v, self.parent)
                    self._build_step(self.parent)
        if self.parent is not None:
            self.parent.network.clear_tag_cache()

    def set_variables(self, parent) -> None:
        self._functions = []
        self._pending = []
        self._blocks = {}
        self._counter = 0
        self._expect = {}
        self._guard_rebuilds = {}
        for v in self.variable_names:
            self._compile_one(v, parent)
        self._build_step(parent)

    def _build_step(self, parent) -> None:
        """Group the expressions: plain growable blocks share one generated step function."""
        fast, slow = [], []
        for expression, fn in self._functions:
            block = self._blocks[expression]
            if type(block) is SampleBlock and block.max_length is None and hasattr(fn, "body"):
                fast.append((fn, block))
            else:
                slow.append((fn, block))
        cohorts: dict[tuple[int, int], list] = {}
        for _, block in fast:  # blocks holding as many samples are written in the same steps from now on
            cohorts.setdefault((block.count, block.total), []).append(block)
        for blocks in cohorts.values():  # ... share one counter, and grow together
            capacity = max(block.capacity for block in blocks)
            for block in blocks:
                block.counter = blocks[0].counter
                if block.capacity != capacity:
                    block.resize(capacity)
        owner = f"{type(self).__name__} {self.tag!r} on {parent!r}"
        expressions = {id(block): expression for expression, block in self._blocks.items()}
        for block in self._blocks.values():  # names for messages (lost when a network is loaded)
            block.owner = owner
            block.expression = expressions[id(block)]
            if isinstance(block, StreamedBlock):  # its buffer's dtype is the stream's
                block.buffer.owner, block.buffer.expression = owner, block.expression
                block.buffer.widen = False
        first_of_cohort: set[int] = set()
        seen: set[int] = set()
        for _, block in fast:  # as compile_recording_step groups them: the first block of a
            if id(block.counter) not in seen:  # cohort is written through a local taken before
                seen.add(id(block.counter))
                first_of_cohort.add(id(block))
        guarded = [(self._guarded(i, expressions[id(block)], fn, block, parent,
                                  id(block) in first_of_cohort), block)
                   for i, (fn, block) in enumerate(fast)]
        self._fast = compile_recording_step(guarded, owner, self._grow) if fast else None
        self._fast_pairs = fast
        self._slow = slow
        network = getattr(parent, "network", None)
        if network is not None and network.initialized:  # the step list may now call _fast directly
            network._structure_changed(clear_tags=False)

    def _guarded(self, i: int, expression: str, fn, block, parent, first_of_cohort: bool):
        """``fn`` as compile_recording_step reads it, with a cheap test of each value.

        The generated assignment becomes ``_d[c] = (v if <v is of the kind
        seen so far> else _rX(v))``; ``_rX`` (:meth:`_changed_sample`)
        widens the buffer or raises for a changed shape. The test is as
        cheap as the kind allows: the type alone for Python and numpy
        scalars (their type fixes dtype and shape), type and shape for an
        array recorded into a float64 buffer (which stores any real value
        exactly enough), type, dtype and shape otherwise (about 30 to 80 ns
        per expression and step).
        """
        kind, dtype_eq = self._kinds().get(expression, (None, False))
        if kind is None:  # the kind of value the buffer suggests (a loaded network)
            kind = type(block.data) if (block.shape or block.torch) else block.dtype.type
        v = f"_rv{i}"
        names = {f"_rT{i}": kind, f"_rD{i}": block.dtype, f"_rS{i}": block.shape,
                 f"_rX{i}": functools.partial(self._changed_sample, parent, expression, block,
                                              first_of_cohort)}
        test = f"type({v} := ({fn.body})) is _rT{i}"
        if kind not in _PYTHON_SCALARS and not issubclass(kind, np.generic):
            # a numpy scalar type fixes dtype and shape; a float64 buffer takes any real value
            if str(block.dtype) not in ("float64", "torch.float64"):
                test += f" and {v}.dtype {'==' if dtype_eq else 'is'} _rD{i}"
            test += f" and {v}.shape == _rS{i}"
        namespace = {**fn.__globals__, **names}
        # what compile_recording_step reads of a compiled expression: its body and globals
        return types.SimpleNamespace(body=f"({v} if {test} else _rX{i}({v}))", __globals__=namespace)

    def _kinds(self) -> dict:
        """``{expression: (type of its values, compare dtypes with ==)}`` (made again after a load)."""
        kinds = self.__dict__.get("_expect")
        if kinds is None:
            kinds = self.__dict__["_expect"] = {}
            self.__dict__["_guard_rebuilds"] = {}
        return kinds

    def _changed_sample(self, parent, expression: str, block, first_of_cohort: bool, value: Any) -> Any:
        """A value failed the generated step's test: check it, widen the buffer if needed.

        Returns what the generated assignment stores. After a widening the
        sample is written here, into the new buffer; the first block of a
        cohort is written through a local holding the old buffer, which
        then gets its own old content back (a no-op).
        """
        iteration = parent.network.iteration
        old = block.data
        count = block.count
        value = block.accept(value, iteration)  # raises for another shape
        widened = block.data is not old
        if widened:
            block.data[count] = value
        kinds = self._kinds()
        sample_type = type(value)
        dtype = getattr(value, "dtype", None)
        same_kind = sample_type is kinds.get(expression, (None,))[0] and dtype == block.dtype
        rebuilds = self._guard_rebuilds.get(expression, 0)
        if widened or rebuilds < MAX_GUARD_REBUILDS:
            self._guard_rebuilds[expression] = rebuilds + 1
            # same type and an equal dtype that is not the same object: compare with == from now on
            kinds[expression] = (sample_type, same_kind)
            self._build_step(parent)
        if widened and first_of_cohort:
            return old[count]
        return value

    def step_function(self):
        """The generated recording function itself when it does all the work, else new_iteration."""
        if (self._fast is not None and not self._slow and not self._pending and self.gapwidth == 1
                and type(self).new_iteration is Recorder.new_iteration):
            return self._fast
        return super().step_function()

    def after_load(self, parent) -> None:
        """Rebuild the generated step function after a saved network is loaded."""
        self._build_step(parent)

    def _compile_one(self, expression: str, parent) -> None:
        owner = f"{type(self).__name__} {self.tag!r} on {parent!r}"
        fn = compile_expression(expression, parent, owner)
        distributed = getattr(parent.network, "_distributed", None)
        if distributed is not None:  # group-wide expressions see the whole group (monnto.distributed)
            fn = distributed.recorder_function(self, expression, fn, parent)
        try:
            value = fn(parent)
            sample = self._sample_of(value)
        except AttributeError as err:
            # The paper's behaviours create some variables (n.spike) in their
            # first step: defer only when a behaviour of the network assigns
            # the missing attribute somewhere in its code.
            if err.name is not None and assigned_by_some_behaviour(parent.network, err.name):
                self._pending.append((expression, fn, owner))
                return
            raise RecorderExpressionError(
                f"{owner}: expression {expression!r} failed at initialize: "
                f"{type(err).__name__}: {err}") from err
        except Exception as err:
            raise RecorderExpressionError(
                f"{owner}: expression {expression!r} failed at initialize: "
                f"{type(err).__name__}: {err}") from err
        self._functions.append((expression, fn))
        self._blocks[expression] = self._new_block(expression, sample)
        self._kinds()[expression] = (type(value), False)

    def _resolve_pending(self, parent) -> None:
        """Allocate the expressions whose variables appeared during the first step."""
        pending, self._pending = self._pending, []
        for expression, fn, owner in pending:
            try:
                value = fn(parent)
                sample = self._sample_of(value)
            except Exception as err:
                raise RecorderExpressionError(
                    f"{owner}: expression {expression!r} failed at iteration "
                    f"{parent.network.iteration}: {type(err).__name__}: {err}") from err
            self._functions.append((expression, fn))
            self._blocks[expression] = self._new_block(expression, sample)
            self._kinds()[expression] = (type(value), False)
        self._build_step(parent)

    @staticmethod
    def _sample_of(value: Any) -> Any:
        if hasattr(value, "detach") and hasattr(value, "device"):  # a torch tensor stays on its device
            return value.detach()
        return np.asarray(value)

    def _owner(self) -> str:
        return f"{type(self).__name__} {self.tag!r} on {self.parent!r}"

    def _new_block(self, expression: str, sample: Any):
        kind = getattr(getattr(sample, "dtype", None), "kind", None)
        if kind is not None and kind not in "biufc":  # (a torch dtype has no kind: numbers only)
            raise RecorderExpressionError(
                f"{self._owner()}: expression {expression!r} gave {short_repr(sample, 60)} ({sample.dtype}); "
                "a recorded value must be a number or an array of numbers or booleans")
        if self.storage_manager is not None:
            sample = to_numpy(sample)
            name = f"{self.parent.tag}.{self.tag}.{expression}"
            distributed = getattr(self.parent.network, "_distributed", None)
            if distributed is not None and distributed.size > 1:  # each rank streams its own part
                name += f"@rank{distributed.rank}"
            stream = self.storage_manager.open_stream(name, sample.shape, sample.dtype)
            return StreamedBlock(sample, stream, self.chunk, self._owner(), expression)
        return SampleBlock(sample, self.max_length, self._owner(), expression)

    def reserve(self, steps: int) -> None:
        """Make room for a run of ``steps`` steps (called by simulate_iterations)."""
        for block in self._blocks.values():
            block.reserve(steps // self.gapwidth + 1)

    def _grow(self, parent) -> None:
        """The generated step found full buffers: record this step into grown ones."""
        counters = {}
        for fn, block in self._fast_pairs:
            block.reserve(1)
            value = fn(parent)
            if not block.matches(value):
                value = block.accept(value, parent.network.iteration)
            block.data[block.count] = value
            counters[id(block.counter)] = block.counter
        for counter in counters.values():  # one count per group of blocks written together
            counter[0] += 1
            counter[1] += 1

    # -- stepping -------------------------------------------------------------
    def _sample_due(self, parent) -> bool:
        """Whether this step is sampled (recording on, every ``gapwidth``-th step)."""
        if not parent.recording:
            return False
        if self.gapwidth > 1:
            self._counter += 1
            if self._counter < self.gapwidth:
                return False
            self._counter = 0
        if self._pending:
            self._resolve_pending(parent)
        return True

    def new_iteration(self, parent) -> None:
        if not self._sample_due(parent):
            return
        if self._fast is not None:
            self._fast(parent)
        if self._slow:
            iteration = parent.network.iteration
            for fn, block in self._slow:
                block.append(fn(parent), iteration)

    def __str__(self) -> str:
        variables = ", ".join(map(repr, self.variable_names))
        return f"{type(self).__name__}([{variables}], tag={self.tag!r})"

    def __repr__(self) -> str:
        where = f" on {self.parent!r}" if self.parent is not None else ""
        return f"{self}{where}"

    # -- reading --------------------------------------------------------------
    def __getitem__(self, key: Any):
        if isinstance(key, str) and key in self._blocks:
            return self._read(key)
        return super().__getitem__(key)

    @property
    def variables(self) -> dict[str, np.ndarray]:
        """``{expression: recording (T, ...)}``."""
        return {v: self._read(v) for v in self.variable_names if v in self._blocks}

    def find_objects(self, key: Any) -> list:
        if isinstance(key, str) and key in self.variable_names:
            return [LiveData(lambda: self._read(key))]
        return []

    def _read(self, expression: str) -> np.ndarray:
        gathered = self.__dict__.get("_gathered")
        if gathered and expression in gathered:  # rank 0 of a distributed network: all ranks' samples
            return gathered[expression].read()
        block = self._blocks.get(expression)
        if block is None:  # not initialized yet, or waiting for the first step
            return np.empty((0,), dtype=float)
        return block.read()

    def flush(self) -> None:
        """Write pending samples of streamed recordings."""
        for block in self._blocks.values():
            if isinstance(block, StreamedBlock):
                block.flush()

    def clear_recorder(self) -> None:
        """Forget every sample recorded so far."""
        for block in self._blocks.values():
            block.clear()
        self._counter = 0
        self.__dict__.pop("_gathered", None)

    clear = clear_recorder


class EventRecorder(Recorder):
    """Record, each step, the indices of the nonzero entries of expressions.

    ``rec['n.spike']`` is an ``(E, 1 + ndim)`` int array of rows
    ``[iteration, index...]``; the tags ``'n.spike.t'`` (iterations, the
    first step is 1) and ``'n.spike.i'`` (indices) give its columns.

    Times in seconds: ``'n.spike.t_s'`` (also :meth:`times_in_seconds`) is
    ``iteration * dt``, the end of the step in which the event happened (as
    NEST stamps spikes). ``dt`` is the parent's (from a Clock on the group
    or the network), or the ``dt=`` keyword argument (seconds) of the
    EventRecorder; it is read when the times are read.

    An expression must keep its number of dimensions from step to step
    (else :class:`~monnto.core.errors.ConfigurationError`).

    Examples
    --------
    Neuron 0 spikes every third step; with steps of 1 ms:

    >>> from monnto import Behaviour, EventRecorder, Network, NeuronGroup
    >>> class EveryThird(Behaviour):
    ...     def set_variables(self, n):
    ...         n.spike = n.get_neuron_vec(bool)
    ...     def new_iteration(self, n):
    ...         n.spike[:] = [n.network.iteration % 3 == 0, False]
    >>> net = Network(seed=1)
    >>> group = NeuronGroup(net, 2, behaviour={1: EveryThird(), 9: EventRecorder(['n.spike'], dt=1e-3)})
    >>> net.initialize()
    >>> timing = net.simulate_iterations(7, progress=False)
    >>> net['n.spike.t', 0], net['n.spike.i', 0]        # steps (the first is 1), neurons
    (array([3, 6]), array([0, 0]))
    >>> net['n.spike.t_s', 0]                            # seconds: the end of each step
    array([0.003, 0.006])
    """

    def set_variables(self, parent) -> None:
        dt = self.get_init_attr("dt", None, None)  # read by times_in_seconds
        if dt is not None and (isinstance(dt, bool) or not isinstance(dt, (int, float, np.integer, np.floating))
                               or not 0 < dt < float("inf")):
            raise bad_value(self, "dt", dt, "a finite step in seconds > 0, or None (the parent's dt)")
        super().set_variables(parent)

    def _new_block(self, expression: str, sample: np.ndarray):
        return EventBlock(sample.ndim, self._owner(), expression)

    def _dt(self) -> float:
        """The step in seconds: ``dt=`` of this recorder, else the parent's dt (a Clock's)."""
        dt = self.init_kwargs.get("dt")
        if dt is None:
            dt = getattr(self.parent, "dt", None) if self.parent is not None else None
        if dt is None:
            raise ConfigurationError(
                f"{self._owner()}: times in seconds need the step dt, but the parent has no dt; add a "
                f"Clock (Clock(step='0.1*ms')) to the group or the network, or pass "
                f"EventRecorder(..., dt=<seconds>); '.t' gives the iterations")
        return float(dt)

    def times_in_seconds(self, expression: str) -> np.ndarray:
        """Times of the events of ``expression`` in seconds: ``iteration * dt``, the end of each step.

        Parameters
        ----------
        expression : str
            A recorded expression (``'n.spike'``).

        Returns
        -------
        numpy.ndarray of float, shape (E,)
            One time per event, in the order of ``'<expression>.t'``.
        """
        if expression not in self.variable_names:
            raise ConfigurationError(f"{self._owner()}: {expression!r} is not recorded; recorded: "
                                     f"{self.variable_names}")
        return self._read(expression)[:, 0] * self._dt() if self._blocks.get(expression) is not None \
            else np.empty((0,), dtype=float)

    def new_iteration(self, parent) -> None:
        if not self._sample_due(parent):
            return
        iteration = parent.network.iteration
        for expression, fn in self._functions:
            self._blocks[expression].add(iteration, fn(parent))

    def reserve(self, steps: int) -> None:
        pass

    def find_objects(self, key: Any) -> list:
        if not isinstance(key, str):
            return []
        if key in self.variable_names:
            return [LiveData(lambda: self._read(key))]
        base, _, suffix = key.rpartition(".")
        if base in self.variable_names and suffix == "t_s":
            return [LiveData(lambda: self.times_in_seconds(base))]
        if base in self.variable_names and suffix in ("t", "i"):
            column = 0 if suffix == "t" else 1
            if column == 1 and self._blocks.get(base) is not None and self._blocks[base].ndim > 1:
                return [LiveData(lambda: self._read(base)[:, 1:])]
            return [LiveData(lambda: self._read(base)[:, column])]
        return []

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

The expression string is also a tag: ``net['n.voltage', 0]`` is the
recording so far. An EventRecorder stores, per step, the indices of the
nonzero entries: ``net['n.spike.t', 0]`` (iterations) and
``net['n.spike.i', 0]`` (indices), ``net['n.spike', 0]`` both as ``(E, 2)``.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..core.backend import to_numpy
from ..core.behaviour import Behaviour
from ..core.tagging import LiveData
from .recorder_expressions import (
    RecorderExpressionError,
    assigned_by_some_behaviour,
    compile_expression,
    compile_recording_step,
)
from .recording_blocks import EventBlock, SampleBlock, StreamedBlock

__all__ = ["EventRecorder", "Recorder", "RecorderExpressionError", "compile_expression"]



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
    transient_attributes = ("_fast", "_fast_pairs", "_slow")

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
        if not all(isinstance(v, str) for v in variables):
            raise TypeError(f"{type(self).__name__} {tag!r}: variables must be expression strings, "
                            f"got {variables!r}")
        if isinstance(gapwidth, bool) or not isinstance(gapwidth, (int, np.integer)) or gapwidth < 0:
            raise ValueError(f"{type(self).__name__} {tag!r}: gapwidth must be an int >= 0, got {gapwidth!r}")
        if max_length is not None and (not isinstance(max_length, (int, np.integer)) or max_length < 1):
            raise ValueError(f"{type(self).__name__} {tag!r}: max_length must be a positive int or None, "
                             f"got {max_length!r}")
        if isinstance(chunk, bool) or not isinstance(chunk, (int, np.integer)) or chunk < 1:
            raise ValueError(f"{type(self).__name__} {tag!r}: chunk must be a positive int, got {chunk!r}")
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
        self._fast = compile_recording_step(fast, owner, self._grow) if fast else None
        self._fast_pairs = fast
        self._slow = slow
        network = getattr(parent, "network", None)
        if network is not None and network.initialized:  # the step list may now call _fast directly
            network._structure_changed(clear_tags=False)

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
        try:
            sample = self._sample_of(fn(parent))
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

    def _resolve_pending(self, parent) -> None:
        """Allocate the expressions whose variables appeared during the first step."""
        pending, self._pending = self._pending, []
        for expression, fn, owner in pending:
            try:
                sample = self._sample_of(fn(parent))
            except Exception as err:
                raise RecorderExpressionError(
                    f"{owner}: expression {expression!r} failed at iteration "
                    f"{parent.network.iteration}: {type(err).__name__}: {err}") from err
            self._functions.append((expression, fn))
            self._blocks[expression] = self._new_block(expression, sample)
        self._build_step(parent)

    @staticmethod
    def _sample_of(value: Any) -> Any:
        if hasattr(value, "detach") and hasattr(value, "device"):  # a torch tensor stays on its device
            return value.detach()
        return np.asarray(value)

    def _new_block(self, expression: str, sample: Any):
        if self.storage_manager is not None:
            sample = to_numpy(sample)
            name = f"{self.parent.tag}.{self.tag}.{expression}"
            stream = self.storage_manager.open_stream(name, sample.shape, sample.dtype)
            return StreamedBlock(sample, stream, self.chunk)
        return SampleBlock(sample, self.max_length)

    def reserve(self, steps: int) -> None:
        """Make room for a run of ``steps`` steps (called by simulate_iterations)."""
        for block in self._blocks.values():
            block.reserve(steps // self.gapwidth + 1)

    def _grow(self, parent) -> None:
        """The generated step found full buffers: record this step into grown ones."""
        counters = {}
        for fn, block in self._fast_pairs:
            block.reserve(1)
            block.data[block.count] = fn(parent)
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
        for fn, block in self._slow:
            block.append(fn(parent))

    def __str__(self) -> str:
        variables = ", ".join(map(repr, self.variable_names))
        return f"{type(self).__name__}([{variables}], tag={self.tag!r})"

    def __repr__(self) -> str:
        where = f" on {self.parent!r}" if self.parent is not None else ""
        return f"{self}{where}"

    # -- reading --------------------------------------------------------------
    def __getitem__(self, key: Any):
        if isinstance(key, str) and key in self._blocks:
            return self._blocks[key].read()
        return super().__getitem__(key)

    @property
    def variables(self) -> dict[str, np.ndarray]:
        """``{expression: recording (T, ...)}``."""
        return {v: self._blocks[v].read() for v in self.variable_names if v in self._blocks}

    def find_objects(self, key: Any) -> list:
        if isinstance(key, str) and key in self.variable_names:
            return [LiveData(lambda: self._read(key))]
        return []

    def _read(self, expression: str) -> np.ndarray:
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

    clear = clear_recorder


class EventRecorder(Recorder):
    """Record, each step, the indices of the nonzero entries of expressions.

    ``rec['n.spike']`` is an ``(E, 1 + ndim)`` int array of rows
    ``[iteration, index...]``; the tags ``'n.spike.t'`` and ``'n.spike.i'``
    give its columns.
    """

    def _new_block(self, expression: str, sample: np.ndarray):
        return EventBlock(sample.ndim)

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
        if base in self.variable_names and suffix in ("t", "i"):
            column = 0 if suffix == "t" else 1
            if column == 1 and self._blocks.get(base) is not None and self._blocks[base].ndim > 1:
                return [LiveData(lambda: self._read(base)[:, 1:])]
            return [LiveData(lambda: self._read(base)[:, column])]
        return []

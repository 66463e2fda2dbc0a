"""``Network``: owns the groups, the seeded generator and the step loop."""
from __future__ import annotations

import sys
import time
import warnings
from typing import Any

import numpy as np

from .backend import make_backend
from .behaviour import Behaviour
from .errors import ConfigurationError, MonntoValueError, bad_value, short_repr
from .fusion import fusable, fuse, make_run_loop
from .genome import get_genome
from .keyed_draws import KeyedDraws
from .network_object import NetworkObject, normalize_behaviours

#: Runs at least this long (in steps) show a progress bar when progress=None.
PROGRESS_MIN_STEPS = 5000
#: After this many structure changes within one run, step with the plain loop
#: instead of generating the fused loop again.
MAX_LOOP_REBUILDS = 8
#: Backend of a Network built without ``backend=`` (the test suite runs the
#: core tests once per backend by changing it).
DEFAULT_BACKEND = "numpy"
#: Target of a Network built without ``target=`` (the test suite runs the model
#: suites once per target by changing it).
DEFAULT_TARGET = "numpy"
#: SynapseGroup attributes that must be ``(dst.size, src.size)`` matrices when 2-D.
SYNAPSE_MATRIX_ATTRIBUTES = ("W", "enabled")


class Network(NetworkObject):
    """A network of NeuronGroups and SynapseGroups and its step loop.

    Parameters
    ----------
    tag : str, optional
        Tags of the network.
    behaviour : dict or list of Behaviour, optional
        Network-level behaviours (alias ``behavior``).
    seed : int, optional
        Seed of the framework's draws (:attr:`draws`) and of ``net.rng``,
        the user's own generator; the same seed gives the same run. Without one, fresh entropy is drawn and
        stored in ``net.seed`` so the run can be repeated.
    dtype : str or numpy dtype
        Float dtype of every array the framework makes (default float64).
    settings : dict, optional
        PymoNNto-style settings; ``'dtype'`` and ``'seed'`` are understood.
    backend : {'numpy', 'torch'}, optional
        Array library of every array the framework makes (default numpy).
    device : str
        ``'cpu'``, or ``'cuda'`` / ``'cuda:N'`` with the torch backend.
    target : {'numpy', 'numba'}, optional
        Where the step loop runs (Brian2's word): ``'numpy'`` (default)
        calls every behaviour from Python; ``'numba'`` runs the library's
        steps as compiled loops, the whole of ``simulate_iterations`` in one
        compiled function when every step has a kernel
        (:mod:`monnto.targets`; needs ``pip install monnto[numba]``).
    threads : int
        Threads of the compiled per-neuron loops on a compiled target (default 1).

    Notes
    -----
    Generated step functions (equation modules, the Clock, Recorders) that
    run one after the other on the same group are fused into one function
    in the step list, and ``simulate_iterations`` runs the whole step list
    in one generated loop with those bodies inlined
    (:mod:`monnto.core.fusion`). This saves a Python call per behaviour and
    step, which matters for small groups; results are identical. Set
    ``net.fuse_steps = False`` to call each behaviour separately, e.g. to
    profile them one by one.

    A group created after ``initialize()`` has its behaviours initialized at
    once (as :meth:`add_behaviour` does) and joins the step list; if one
    fails, the group is taken out of the network again. Behaviours of the
    other groups are not run again: one that sets up its afferent synapses
    in ``set_variables`` (``synapse.W = ...``) does not see a SynapseGroup
    created later; call ``initialize()`` again for that.

    Group tags name network attributes (``net.exc``), so a tag that is
    already an attribute of the Network (``'rng'``, ``'iteration'``,
    ``'simulate_iteration'``, ``'NeuronGroups'``) or starts with ``_`` is
    refused when the group is created.

    Synapse matrices ``W`` and ``enabled`` must have shape
    ``(dst.size, src.size)``; this is checked at the end of ``initialize()``
    and when a step fails (not in each step).
    """

    _fuse_steps_on = True

    @property
    def fuse_steps(self) -> bool:
        """Whether generated step functions are fused (default True; see Notes)."""
        return self._fuse_steps_on

    @fuse_steps.setter
    def fuse_steps(self, value: bool) -> None:
        self._fuse_steps_on = bool(value)
        if self.initialized:
            self._build_step_list()

    def __init__(self, tag: str | None = None, behaviour: dict | list | None = None,
                 seed: int | None = None, dtype: Any = "float64", settings: dict | None = None,
                 backend: str | None = None, device: str = "cpu", behavior=None,
                 target: str | None = None, threads: int = 1):
        super().__init__(tag, self)
        if behavior is not None:
            behaviour = behavior
        settings = dict(settings or {})
        unknown = set(settings) - {"dtype", "seed"}
        if unknown:
            raise MonntoValueError(f"Network {tag!r}: unknown settings {sorted(unknown)}; known: 'dtype', 'seed'")
        dtype = settings.get("dtype", dtype)
        seed = settings.get("seed", seed)
        try:
            self.dtype = np.dtype(dtype)
        except TypeError:
            raise MonntoValueError(f"Network {tag!r}: dtype must be a numpy float dtype such as 'float32', "
                                   f"got {dtype!r}") from None
        if self.dtype.kind != "f":
            raise MonntoValueError(f"Network {tag!r}: dtype must be a float dtype, got {self.dtype}")
        if seed is None:
            seed = int(np.random.SeedSequence().entropy % (2**63))
        elif isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
            raise MonntoValueError(f"Network {tag!r}: seed must be a non-negative int, got {seed!r}")
        self.seed = int(seed)
        self.rng = np.random.default_rng(self.seed)
        backend = backend or DEFAULT_BACKEND
        self.array_backend = make_backend(backend, device)
        self.backend = backend
        self.device = device
        self.xp = self.array_backend.xp
        from ..targets import get_target, target_backends

        if target is None:  # the default target where it runs on this backend, else numpy's
            target = DEFAULT_TARGET if backend in target_backends(DEFAULT_TARGET) else "numpy"
        get_target(target, backend, owner=f"Network {tag!r}").check(self)
        if isinstance(threads, bool) or not isinstance(threads, (int, np.integer)) or threads < 1:
            raise bad_value(f"Network {tag!r}", "threads", threads, "a positive int")
        self.target = target
        self.threads = int(threads)
        #: converts a numpy array the framework made to the backend (None for numpy)
        self._convert = None if backend == "numpy" else self.array_backend.from_numpy
        self.iteration = 0
        self.initialized = False
        self.NeuronGroups: list = []
        self.SynapseGroups: list = []
        self._steps: list = []
        self._creation_order: dict[int, int] = {id(self): 0}
        self._insertion = 0
        self._insertion_order: dict[int, int] = {}
        if not self.tags:
            self.tags.append("Network")
        for key, b in normalize_behaviours(self, behaviour).items():
            self._check_behaviour(key, b)
            self._attach(key, b)
            self._note_insertion(b)
        from ..distributed import attach  # None unless under mpiexec or MONNTO_DISTRIBUTED=1

        self._distributed = attach(self)

    # the Network's own rng/iteration/dtype are plain attributes, not the base's properties
    target = "numpy"
    threads = 1
    rng = None
    iteration = 0
    xp = None
    dtype = None
    #: this rank's share of a network split over MPI ranks (:mod:`monnto.distributed`), or None
    _distributed = None

    @property
    def draws(self) -> KeyedDraws:
        """The framework's random draws (:mod:`monnto.core.keyed_draws`).

        ``get_neuron_vec``, ``get_synapse_mat``, the connectivity builders and
        the library's per-step noise draw through it: the numbers of neuron
        ``i`` depend on the seed, the owner, the iteration and the call
        number only, so a run gives the same numbers in one process and
        split over any number of MPI ranks. ``net.rng`` stays the user's own
        generator.
        """
        draws = self.__dict__.get("_keyed_draws")
        if draws is None:
            draws = self.__dict__["_keyed_draws"] = KeyedDraws(self)
        return draws

    # -- structure ----------------------------------------------------------
    def _note_insertion(self, behaviour: Behaviour) -> None:
        self._insertion += 1
        self._insertion_order[id(behaviour)] = self._insertion

    def check_group_tags(self, kind: str, tags: list[str]) -> None:
        """Refuse group tags that start with ``_`` or are attributes of the Network.

        Parameters
        ----------
        kind : str
            What is being built, for the message (``"NeuronGroup 'exc'"``).
        tags : list of str
            The user's tags of the group.
        """
        for tag in tags:
            if tag.startswith("_"):
                raise bad_value(kind, "tag", tag, "a tag that does not start with '_'",
                                hint="tags starting with '_' are reserved for the framework")
            collides = tag.isidentifier() and (
                hasattr(type(self), tag)
                or (tag in self.__dict__ and tag not in self._attribute_shortcuts))
            if collides:
                raise bad_value(kind, "tag", tag, f"a name that is not an attribute of the Network "
                                f"(net.{tag} is {short_repr(getattr(self, tag), 50)})",
                                hint="group tags become attributes of the Network (net.<tag>); "
                                     "choose another tag")

    def _next_creation_number(self) -> int:
        """A number no group of this network has had (numbers of removed groups are not reused)."""
        return max(self._creation_order.values(), default=0) + 1

    def _register_group(self, group) -> None:
        from .neuron_group import NeuronGroup

        (self.NeuronGroups if isinstance(group, NeuronGroup) else self.SynapseGroups).append(group)
        if id(group) not in self._creation_order:
            self._creation_order[id(group)] = self._next_creation_number()
        for b in group.behaviour.values():
            self._note_insertion(b)
        for tag in group.tags:
            if not tag.isidentifier():
                continue
            current = self.__dict__.get(tag)
            if current is None and not hasattr(type(self), tag):
                self.__dict__[tag] = group
                self._attribute_shortcuts[tag] = group
            elif (current is not None and tag in getattr(current, "tags", ())
                  and tag not in group.automatic_tags and group in self.NeuronGroups):
                # SynapseGroups share transmitter tags ('GLUTAMATE') by design: no warning for them
                warnings.warn(f"{self!r}: tag {tag!r} is used by {current!r} and {group!r}; "
                              f"net.{tag} refers to the first, net[{tag!r}] returns both",
                              stacklevel=3)
        if self.initialized:
            try:
                self._initialize_late_group(group)
            except BaseException:
                self._unregister_group(group)
                raise
        self._structure_changed()

    def _initialize_late_group(self, group) -> None:
        """Initialize the behaviours of a group created after initialize() (Recorders last)."""
        pending = [b for _, b in sorted(group.behaviour.items(), key=lambda kv: kv[0]) if not b.initialized]
        for b in sorted(pending, key=lambda b: b.initialize_last):  # stable: key order within each
            b.resolve_gene_arguments()
            try:
                b.run_initialize(group)
            except Exception as err:
                err.add_note(f"while initializing {type(b).__name__} (key {b.key!r}) of {group!r}, created after "
                             f"{self!r}.initialize(); the group was taken out of the network")
                raise

    def _unregister_group(self, group) -> None:
        """Undo :meth:`_register_group` (a group whose construction failed)."""
        from .neuron_group import NeuronGroup

        if isinstance(group, NeuronGroup):
            if group in self.NeuronGroups:
                self.NeuronGroups.remove(group)
        else:
            self.remove_synapse_group(group)
        for tag, target in list(self._attribute_shortcuts.items()):
            if target is group:
                del self._attribute_shortcuts[tag]
                if self.__dict__.get(tag) is group:
                    del self.__dict__[tag]
        self._creation_order.pop(id(group), None)
        self._structure_changed()

    def remove_synapse_group(self, synapse_group) -> None:
        """Take a SynapseGroup out of the network, its groups' synapse tables and the tag shortcuts."""
        if synapse_group in self.SynapseGroups:
            self.SynapseGroups.remove(synapse_group)
        for group, table_name in ((synapse_group.dst, "afferent_synapses"),
                                  (synapse_group.src, "efferent_synapses")):
            base = getattr(group, "BaseNeuronGroup", group)
            for members in base.__dict__[table_name].values():
                while synapse_group in members:
                    members.remove(synapse_group)
        for tag, target in list(self._attribute_shortcuts.items()):
            if target is synapse_group:
                del self._attribute_shortcuts[tag]
                if self.__dict__.get(tag) is synapse_group:
                    del self.__dict__[tag]
        self._structure_changed()

    def all_objects(self) -> list:
        """``[network] + NeuronGroups + SynapseGroups``."""
        return [self, *self.NeuronGroups, *self.SynapseGroups]

    def all_behaviours(self) -> list[Behaviour]:
        """Every behaviour of the network, in execution order."""
        return [b for _, _, b in self._sorted_behaviours()]

    all_behaviors = all_behaviours

    def find_objects(self, key: Any) -> list:
        hits = super().find_objects(key)
        for group in (*self.NeuronGroups, *self.SynapseGroups):
            hits.extend(group._search(key))
        return hits

    def clear_tag_cache(self) -> None:
        for obj in self.all_objects():
            obj.clear_cache()
            for b in obj.behaviour.values():
                b.clear_cache()

    def _structure_changed(self, clear_tags: bool = True) -> None:
        if clear_tags:
            self.clear_tag_cache()
        for obj in self.all_objects():
            for b in obj.behaviour.values():
                if id(b) not in self._insertion_order:
                    self._note_insertion(b)
        if self.initialized:
            self._build_step_list()

    def _sorted_behaviours(self) -> list[tuple[Any, Any, Behaviour]]:
        """``(key, parent, behaviour)`` in execution order.

        Order: key; at equal keys ordinary behaviours before Recorders
        (``run_last``); then the network before groups, groups in creation
        order; then insertion order.
        """
        entries = []
        for obj in self.all_objects():
            owner_rank = self._creation_order[id(obj)]
            for key, b in obj.behaviour.items():
                entries.append(((key, b.run_last, owner_rank, self._insertion_order.get(id(b), 0)),
                                obj, b))
        entries.sort(key=lambda e: e[0])
        return [(sort_key[0], obj, b) for sort_key, obj, b in entries]

    def _build_step_list(self) -> None:
        steps = []
        for _, parent, b in self._sorted_behaviours():
            if not b.behaviour_enabled:
                continue
            fn = b.step_function()
            if fn is not None:
                steps.append((fn, parent))
        if self._distributed is not None:  # gathered arrays expire after each behaviour
            steps = self._distributed.wrap_steps(steps)
        self._steps = self._fuse_steps(steps) if self.fuse_steps else steps
        self._run_loop = None  # generated again by the next simulate_iterations
        if self.target != "numpy":
            from ..targets import invalidate_runner

            invalidate_runner(self)

    def _compiled_runner(self) -> Any:
        """The runner of a compiled target (:mod:`monnto.targets`), None on numpy."""
        if self.target == "numpy":
            return None
        from ..targets import runner_for

        return runner_for(self)

    def _fuse_steps(self, steps: list) -> list:
        """Join runs of generated step functions on the same parent (see :mod:`.fusion`)."""
        cache = getattr(self, "_fused_cache", {})
        used = {}
        fused_steps = []
        run: list = []

        def close_run() -> None:
            if len(run) == 1:
                fused_steps.append(run[0])
            elif run:
                functions = tuple(fn for fn, _ in run)
                fused = used[functions] = cache.get(functions) or fuse(list(functions), f"step of {run[0][1]!r}")
                fused_steps.append((fused, run[0][1]))
            run.clear()

        for fn, parent in steps:
            if not fusable(fn):
                close_run()
                fused_steps.append((fn, parent))
                continue
            if run and run[0][1] is not parent:
                close_run()
            run.append((fn, parent))
        close_run()
        self._fused_cache = used
        return fused_steps

    def check_synapse_matrices(self) -> None:
        """Raise when a SynapseGroup's ``W`` or ``enabled`` is a matrix of the wrong shape.

        Matrices are ``(dst.size, src.size)`` (destination rows, source
        columns). Run at the end of :meth:`initialize` and when a step
        fails, so a matrix a behaviour assigned with the wrong shape is named
        instead of a numpy shape error deep in a product.

        Raises
        ------
        ConfigurationError
            Naming the SynapseGroup, the attribute, its shape and the expected shape.
        """
        for synapses in self.SynapseGroups:
            expected = (synapses.dst.size, synapses.src.size)
            for name in SYNAPSE_MATRIX_ATTRIBUTES:
                shape = getattr(synapses.__dict__.get(name), "shape", None)
                if shape is None or len(shape) != 2 or tuple(shape) == expected:
                    continue
                raise bad_value(synapses, f"{name}.shape", tuple(shape),
                                f"(dst.size, src.size) = {expected} (destination rows, source columns)",
                                hint="Make it with synapse.get_synapse_mat(...) or transpose it",
                                cls=ConfigurationError)

    # -- initialize ---------------------------------------------------------
    def initialize(self, info: bool = False, warnings: bool = True, storage_manager: Any = None) -> None:
        """Initialize every behaviour in execution order (Recorders last).

        Gene placeholders (``'[0.9#leak]'``) are resolved first. If a
        behaviour fails, the error names it and the network stays
        uninitialized.

        Parameters
        ----------
        info : bool
            Log the network's description (``logging``, level INFO).
        warnings : bool
            Kept for PymoNNto compatibility.
        storage_manager : StorageManager, optional
            Saves the network description and the genome of the run.
        """
        ordered = self._sorted_behaviours()
        for _, _, b in ordered:
            b.resolve_gene_arguments()
        first = [e for e in ordered if not e[2].initialize_last]
        last = [e for e in ordered if e[2].initialize_last]
        for _, parent, b in first + last:
            if b.initialized and b.initialize_on_init:
                continue
            try:
                b.run_initialize(parent)
            except Exception as err:
                err.add_note(f"while initializing {b} (key {b.key!r}) on {parent!r}")
                raise
        self.check_synapse_matrices()
        self.initialized = True
        self._structure_changed()
        runner = self._compiled_runner()
        if runner is not None:  # compiled (or loaded from the cache) now, not in the first run
            runner.prepare()
        elif self.fuse_steps:  # generated now, so that the first run does not pay for it
            self._run_loop = make_run_loop(self._steps, repr(self))
        if info:
            import logging

            logging.getLogger("monnto").info("%s", self.describe())
        if storage_manager is not None:
            storage_manager.save_param("network_description", self.describe())
            genome = get_genome()
            storage_manager.save_param("genome", genome)
            if genome:  # one parameter per gene, so runs can be queried by gene
                storage_manager.save_param_dict(genome)

    # -- running ------------------------------------------------------------
    def simulate_iteration(self) -> None:
        """Advance one step: increment ``iteration``, then run every behaviour."""
        if not self.initialized:
            raise RuntimeError(f"{self!r}: call initialize() before simulating")
        runner = self._compiled_runner()
        try:
            if runner is not None:
                runner.run(1)
                return
            self.iteration += 1
            for fn, parent in self._steps:
                fn(parent)
        except Exception as err:
            self._explain_step_error(err)
            raise
        if self._distributed is not None:
            self._distributed.after_run()

    def _explain_step_error(self, err: Exception) -> None:
        """A step failed: raise a clearer error when a synapse matrix has the wrong shape."""
        try:
            self.check_synapse_matrices()
        except ConfigurationError as cause:
            cause.add_note(f"found after a step failed at iteration {self.iteration} with "
                           f"{type(err).__name__}: {err}")
            raise cause from err

    def simulate_iterations(self, iterations: int | str, progress: bool | None = None,
                            disable_recording: bool = False, batch_size: int | None = None) -> dict:
        """Run ``iterations`` steps (an int, or a duration such as ``'1000*ms'``).

        Parameters
        ----------
        iterations : int or str
            Number of steps, or a duration string converted by the Clock.
        progress : bool, optional
            Show a tqdm progress bar; by default shown for runs of at least
            5000 steps when stderr is a terminal.
        disable_recording : bool
            Switch all Recorders off during this run.
        batch_size : int, optional
            Kept for PymoNNto compatibility (progress granularity).

        Returns
        -------
        dict
            ``{'steps': n, 'seconds': wall time, 'steps_per_second': rate}``.
        """
        n = self.time_to_iterations(iterations)
        if not self.initialized:
            raise RuntimeError(f"{self!r}: call initialize() before simulating")
        if progress is None:
            progress = n >= PROGRESS_MIN_STEPS and sys.stderr.isatty()
        behaviours = self.all_behaviours()
        for b in behaviours:
            reserve = getattr(b, "reserve", None)
            if reserve is not None:
                reserve(n)
        if disable_recording:
            self.recording_off()
        start = time.perf_counter()
        try:
            if progress:
                self._run_with_progress(n, batch_size)
            else:
                self._run_steps(n)
        except Exception as err:
            self._explain_step_error(err)
            raise
        finally:
            if disable_recording:
                self.recording_on()
            for b in behaviours:  # streamed recordings reach the disk at the end of a run
                flush = getattr(b, "flush", None)
                if flush is not None:
                    flush()
        seconds = time.perf_counter() - start
        if self._distributed is not None:  # recordings of all ranks reach rank 0
            self._distributed.after_run()
        return {"steps": n, "seconds": seconds, "steps_per_second": n / seconds if seconds > 0 else float("inf")}

    def _run_steps(self, n: int) -> None:
        """Run ``n`` steps; in one generated loop when the steps are fused (see the class Notes)."""
        runner = self._compiled_runner()
        if runner is not None:
            runner.run(n)
            return
        rebuilds = 0
        while n > 0 and self.fuse_steps and rebuilds <= MAX_LOOP_REBUILDS:
            if self._run_loop is None:
                self._run_loop = make_run_loop(self._steps, repr(self))
                rebuilds += 1
            n = self._run_loop(self, n)  # returns early when a behaviour changed the structure
        steps = self._steps
        for _ in range(n):
            self.iteration += 1
            for fn, parent in steps:
                fn(parent)
            if steps is not self._steps:  # a behaviour changed the structure
                steps = self._steps

    def _run_with_progress(self, n: int, batch_size: int | None) -> None:
        from tqdm.auto import tqdm

        block = batch_size or max(1, min(1000, n // 100))
        with tqdm(total=n, unit="step", desc=str(self.tag)) as bar:
            done = 0
            while done < n:
                k = min(block, n - done)
                self._run_steps(k)
                done += k
                bar.update(k)

    def time_to_iterations(self, duration: int | str) -> int:
        """Convert a step count or a duration string (needs a Clock) to steps."""
        if isinstance(duration, str):
            clocks = [b for b in self.all_behaviours() if hasattr(b, "time_to_iterations")]
            if not clocks:
                raise MonntoValueError(f"{self!r}: the duration {duration!r} needs a Clock behaviour to convert "
                                       f"it to steps (add Clock(step='0.1*ms')), or pass a number of steps")
            return int(clocks[0].time_to_iterations(duration))
        if isinstance(duration, bool) or not isinstance(duration, (int, np.integer)) or duration < 0:
            raise MonntoValueError(f"{self!r}: iterations must be a non-negative int or a duration string "
                                   f"such as '100*ms', got {duration!r}")
        return int(duration)

    # -- recording ----------------------------------------------------------
    def recording_off(self) -> None:
        for obj in self.all_objects():
            obj.recording = False

    def recording_on(self) -> None:
        for obj in self.all_objects():
            obj.recording = True

    def clear_recorder(self, keys: Any = None) -> None:
        """Empty every recorder (or those matching ``keys``)."""
        targets = self.all_behaviours() if keys is None else [
            h for k in ([keys] if isinstance(keys, str) else keys) for h in self[k]]
        for b in targets:
            clear = getattr(b, "clear_recorder", None)
            if clear is not None:
                clear()

    # -- saving -------------------------------------------------------------
    def save(self, path: Any, overwrite: bool = False) -> Any:
        """Save structure, state, recordings, iteration and RNG state into the folder ``path``.

        See :func:`monnto.storage.save_network` (the storage layer, imported
        on use); reload with :func:`monnto.load_network`.
        """
        if self._distributed is not None:  # all ranks call it; rank 0 writes the whole network
            from ..distributed.io import save

            return save(self, path, overwrite=overwrite)
        from ..storage.network_io import save_network

        return save_network(self, path, overwrite=overwrite)

    # -- description --------------------------------------------------------
    def describe(self) -> str:
        """A multi-line description of groups and behaviours."""
        lines = [f"Network {self.tag!r} (seed {self.seed}, dtype {self.dtype}, iteration {self.iteration})"]
        for obj in self.all_objects():
            if obj is not self:
                extra = (f"size {obj.size}" if obj in self.NeuronGroups
                         else f"{obj.src.tag} -> {obj.dst.tag}")
                lines.append(f"  {type(obj).__name__} {obj.tag!r} ({extra})")
            for key, b in sorted(obj.behaviour.items(), key=lambda kv: kv[0]):
                state = "" if b.behaviour_enabled else " [disabled]"
                lines.append(f"    {key}: {b}{state}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.describe()

    def __repr__(self) -> str:
        return f"<Network {self.tag!r}>"

"""What the kernel calls of a compiled plan share: spike scans, weights, passes over neurons.

One scan of a group's spike flags per step, shared by the kernels that read it
(:func:`share_spike_scans`); which synaptic weights some kernel may write
during a run (:func:`mark_written_weights`); and the synaptic input and decay
passes that a neuron kernel takes into its own pass over the neurons
(:func:`absorb_neighbour_passes`).

Spike propagation without extra delay and spike recorders each turn a
group's ``spike`` flags into a list of spiking neurons (``_spiking``, eight
flags at a time). A group read by several of them (CUBA's excitatory group:
two propagations and a recorder) would be scanned several times per step
for the same flags. Each such kernel call carries a :class:`SpikeScan`;
when the plan is built, :func:`share_spike_scans` gives the readers of one
group in one compiled segment a single list and a stamp ``meta = [stamp,
count]``. Every reader stamps the list with its position and the step
(``it * period + position``); a reader reuses the list only when the stamp
names the reader just before it, with no writer of the flags in between,
at the expected step (the same one, or the previous one when the loop
wrapped around). A reader that did not run (a recorder switched off) leaves
no stamp, so the next one scans for itself.

A kernel call that receives the group's flags (or memory they share) and is
not one of its readers counts as a writer. A writer that meets every spiking
neuron anyway (the LIF kernel's second pass) lists them itself: the readers
after it take its list. Reuse across the loop's wrap-around
is allowed only when the whole step is one compiled segment (no Python
behaviour can change the flags in between), and every run starts with fresh
scans (the stamps are cleared when the arguments are gathered).
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..core.errors import ConfigurationError
from .numba_absorb import absorbing_kernel_name

__all__ = ["SpikeScan", "absorb_neighbour_passes", "absorbed_arguments", "mark_written_weights", "share_spike_scans"]


class SpikeScan:
    """The spike list of one reader of ``group.<name>`` (bool flags).

    Parameters
    ----------
    group : NeuronGroup
        The group whose flags are read.
    name : str
        The attribute holding the flags (``'spike'``).
    shared : bool
        Whether the reader scans the flags as they are now (it may share its
        list); False for a reader of older flags (a delay line's history).
    produces : bool
        The call writes the flags and lists the spiking neurons itself (a
        neuron model that meets each of them): it never reuses a list, and
        the readers after it take its list.
    """

    def __init__(self, group: Any, name: str = "spike", shared: bool = True, produces: bool = False):
        self.group = group
        self.name = name
        self.shared = shared
        self.produces = produces
        self.found = np.zeros(0, dtype=np.int64)
        self.meta = np.full(2, -1, dtype=np.int64)
        #: ``[period, position, wanted, reuse]``, see ``numba_kernels._shared_spiking``
        self.code = np.array([1, 0, 0, 0], dtype=np.int64)

    @property
    def reuses(self) -> str:
        """``'same step'``, ``'previous step'`` or ``'never'``: whose list this reader may take."""
        if not self.code[3]:
            return "never"
        return "same step" if self.code[2] >= 0 else "previous step"

    def arguments(self, size: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(found, meta, code)`` for a run: the list (at least ``size`` long), a cleared stamp, the code.

        A list too short for ``size`` flags (the group changed since the plan was
        built) is replaced by one of this reader's own, which it always fills itself.
        """
        if self.found.shape[0] < size:
            self.found = np.zeros(size, dtype=np.int64)
            self.meta = np.full(2, -1, dtype=np.int64)
            self.code = np.array([1, 0, 0, 0], dtype=np.int64)
        self.meta[0] = -1
        return self.found, self.meta, self.code


def _arrays(value: Any) -> list[np.ndarray]:
    if isinstance(value, np.ndarray):
        return [value]
    if isinstance(value, (tuple, list)):
        return [a for item in value for a in _arrays(item)]
    return []


def _touches(arguments: tuple, arrays: Any) -> bool:
    """Whether any array among ``arguments`` may share memory with ``arrays`` (an array or a tuple of them)."""
    targets = _arrays(arrays)
    return any(np.may_share_memory(a, t) for a in _arrays(arguments) for t in targets)


def share_spike_scans(calls: list, arguments: list[tuple], wrap: bool) -> None:
    """Give the readers of each group's flags in one segment a shared list and their reuse codes.

    Parameters
    ----------
    calls : list of KernelCall
        The segment's calls in step order (those with a ``scan`` are readers).
    arguments : list of tuple
        Each call's arguments as gathered for the plan (to find the writers).
    wrap : bool
        The segment is the whole step: a list made late in one step may
        serve the readers early in the next.
    """
    period = len(calls)
    readers: dict[tuple[int, str], list[int]] = {}
    for j, call in enumerate(calls):
        scan = call.scan
        if scan is not None:
            scan.code = np.array([period, j, 0, 0], dtype=np.int64)
            if scan.shared:
                readers.setdefault((id(scan.group), scan.name), []).append(j)
    for positions in readers.values():
        first = calls[positions[0]].scan
        flags = getattr(first.group, first.name, None)
        if not isinstance(flags, np.ndarray):
            continue
        group_readers = set(positions)
        touching = sorted(group_readers | {j for j, (call, args) in enumerate(zip(calls, arguments))
                                           if j not in group_readers and not _is_reader_of(call, first)
                                           and _touches(args, flags)})
        found = np.zeros(flags.shape[0], dtype=np.int64)
        meta = np.full(2, -1, dtype=np.int64)
        for p in positions:
            scan = calls[p].scan
            scan.found, scan.meta = found, meta
            k = touching.index(p)
            if k == 0 and not wrap:
                continue
            before = touching[k - 1]  # touching[-1] for k == 0: the last one of the previous step
            if before in group_readers and not scan.produces:
                scan.code[2] = before if k > 0 else before - period
                scan.code[3] = 1


def _is_reader_of(call: Any, scan: SpikeScan) -> bool:
    """A call that only reads the group's flags (an unshared reader: a delay line's history)."""
    other = call.scan
    return other is not None and other.group is scan.group and other.name == scan.name


def mark_written_weights(calls: list, arguments: list[tuple]) -> None:
    """Set ``state['weights_written']`` of each call that reads a CSR matrix's weights.

    A call declares the matrix it reads by ``state['reads_weights']`` (a
    function returning it). The mark is True when any other call of the plan
    receives memory shared with the matrix's weights (it may write them while
    the run goes on, so their values at the run's start cannot stand for
    them), or when the weights are not a CSR matrix's.

    Parameters
    ----------
    calls : list of KernelCall
        All compiled calls of the plan.
    arguments : list of tuple
        Each call's arguments as gathered for the plan.
    """
    for j, call in enumerate(calls):
        reads = call.state.get("reads_weights")
        if reads is None:
            continue
        data = getattr(reads(), "_data", None)
        call.state["weights_written"] = not isinstance(data, np.ndarray) or any(
            _touches(args, data) for k, args in enumerate(arguments) if k != j)


#: the most input terms (each also a decaying variable) a LIF kernel takes in (CUBA's are two)
ABSORB_MAX = 2


def absorbed_arguments(call: Any) -> tuple:
    """The extra arguments of a LIF kernel call that absorbed its neighbours (``()`` when none did).

    ``(s0, .., f0, .., d0, ..)`` (the variables, their factors in the sum, their decays),
    gathered from the absorbed calls' own
    ``arguments()``, so that arrays rebound between runs are followed as they
    are by separate calls (see :mod:`monnto.targets.numba_absorb`).
    """
    absorbed = call.state.get("absorbed")
    if absorbed is None:
        return ()
    input_arguments, decay_arguments = absorbed
    _, sources, factors = input_arguments()
    variables, decays = decay_arguments()
    if len(variables) != len(sources) or any(x is not y for x, y in zip(variables, sources)):
        raise ConfigurationError(f"{call.label}: the synaptic variables summed and decayed in one pass "
                                 f"were rebound to different arrays since the plan was built")
    return (*sources, *(float(f) for f in factors), *(float(d) for d in decays))


def _float64_vectors(arrays: Any, n: int) -> bool:
    return all(isinstance(a, np.ndarray) and a.dtype == np.float64 and a.shape == (n,) for a in arrays)


def absorb_neighbour_passes(calls: list) -> list:
    """Take a group's synaptic input sum and decay into its LIF kernel's pass over the neurons.

    For a ``lif_kernel`` call, an earlier ``input_sum_kernel`` call into the
    same input array (``I_input``) and a later ``decay_kernel`` call of exactly
    that sum's variables are absorbed (the call becomes one of the generated
    ``lif_kernel_a<N>``, which sums, steps and decays in one pass, each
    number computed as before, see :mod:`monnto.targets.numba_absorb`) when no call in between
    touches the arrays that move past it: then nothing can tell the order
    apart. At most :data:`ABSORB_MAX` terms, float64 vectors only.

    Parameters
    ----------
    calls : list of KernelCall
        A segment's calls in step order.

    Returns
    -------
    list of KernelCall
        The calls without the absorbed ones.
    """
    arguments = [call.arguments() for call in calls]
    removed: set[int] = set()
    for b, call in enumerate(calls):
        if call.kernel != "lif_kernel":
            continue
        lif_args = arguments[b]
        i_in = lif_args[2]
        n = i_in.shape[0]
        inputs = [a for a in range(b) if a not in removed and calls[a].kernel == "input_sum_kernel"
                  and arguments[a][0] is i_in]
        if len(inputs) != 1:
            continue
        a = inputs[0]
        target, sources, _ = arguments[a]
        if not (_float64_vectors((target, *sources), n) and len(sources) <= ABSORB_MAX):
            continue
        decays = [c for c in range(b + 1, len(calls)) if calls[c].kernel == "decay_kernel"
                  and len(arguments[c][0]) == len(sources)
                  and all(x is y for x, y in zip(arguments[c][0], sources))]
        if len(decays) != 1:
            continue
        c = decays[0]
        moved_in = (target, *sources)
        if any(_touches(arguments[k], moved_in) for k in range(a + 1, b) if k not in removed) \
                or any(_touches(arguments[k], sources) for k in range(b + 1, c) if k not in removed) \
                or any(_touches(lif_args[1:], s) for s in sources):
            continue
        call.state["absorbed"] = (calls[a].arguments, calls[c].arguments)
        call.kernel = absorbing_kernel_name(len(sources))
        call.label += f" + {calls[a].label} + {calls[c].label}"
        removed.update((a, c))
    return [call for k, call in enumerate(calls) if k not in removed]

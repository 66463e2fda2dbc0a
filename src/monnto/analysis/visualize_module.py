"""``visualize_module``: the behaviours of a group as a flow chart (paper Fig. 4).

The variables each behaviour reads and writes are found by tracing one dry
run of its ``new_iteration`` on a proxy of the group: the proxy hands out
copies of the group's arrays, notes every attribute read, every assignment
and every in-place change, and never writes to the real group. The
network's random generator is restored afterwards, so tracing leaves the
network exactly as it was. Recorders are not run: their expressions are
listed as reads.

The chart is drawn with matplotlib (no Qt) and saved when ``path`` is given
(PNG, SVG or PDF by suffix); otherwise it is shown in a Qt window.
"""
from __future__ import annotations

import copy
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..core.errors import MonntoTypeError, MonntoValueError

#: Structural attributes that are not model variables.
IGNORED = frozenset({"network", "afferent_synapses", "efferent_synapses", "behaviour", "tags", "tag",
                     "BaseNeuronGroup", "src", "dst", "xp", "rng", "def_dtype", "recording", "mask", "id",
                     "_attribute_shortcuts", "_tag_cache"})


@dataclass
class BehaviourFlow:
    """One behaviour of the chart: what it reads and writes (attribute names)."""

    key: Any
    name: str
    reads: list[str] = field(default_factory=list)
    writes: list[str] = field(default_factory=list)
    enabled: bool = True
    error: str | None = None


@dataclass
class ModuleFlow:
    """The traced behaviours of a group, in execution order."""

    group: str
    behaviours: list[BehaviourFlow]
    path: Path | None = None
    window: Any = None

    def variables(self) -> list[str]:
        seen: dict[str, None] = {}
        for b in self.behaviours:
            for v in b.reads + b.writes:
                seen.setdefault(v, None)
        return list(seen)


class _Tracer:
    def __init__(self):
        self.reads: list[str] = []
        self.writes: list[str] = []

    def read(self, name: str) -> None:
        if name not in self.reads:
            self.reads.append(name)

    def write(self, name: str) -> None:
        if name not in self.writes:
            self.writes.append(name)


class _Proxy:
    """Stands in for a NeuronGroup or SynapseGroup during a dry run."""

    def __init__(self, target: Any, prefix: str, tracer: _Tracer, proxies: dict):
        d = object.__getattribute__(self, "__dict__")
        d["_p_target"] = target
        d["_p_prefix"] = prefix
        d["_p_tracer"] = tracer
        d["_p_overlay"] = {}
        d["_p_proxies"] = proxies

    def __getattr__(self, name: str) -> Any:
        d = object.__getattribute__(self, "__dict__")
        overlay, target, tracer = d["_p_overlay"], d["_p_target"], d["_p_tracer"]
        if name in overlay:
            value = overlay[name]
        else:
            value = getattr(target, name)
            if callable(value) and not isinstance(value, np.ndarray):
                return value
            value = _wrap(value, d["_p_proxies"], tracer)
            if isinstance(value, np.ndarray):
                value = value.copy()
                overlay[name] = value
        if name not in IGNORED and not name.startswith("__"):
            tracer.read(d["_p_prefix"] + name)
        return value

    def __setattr__(self, name: str, value: Any) -> None:
        d = object.__getattribute__(self, "__dict__")
        d["_p_overlay"][name] = value
        if name not in IGNORED:
            d["_p_tracer"].write(d["_p_prefix"] + name)

    def __len__(self) -> int:
        return len(object.__getattribute__(self, "__dict__")["_p_target"])


class _ListDict(dict):
    """A SynapseDict whose lists hold proxies."""


def _wrap(value: Any, proxies: dict, tracer: _Tracer) -> Any:
    from ..core import NeuronGroup, SynapseGroup
    from ..core.neuron_group import NeuronSubGroup

    if isinstance(value, (NeuronGroup, SynapseGroup, NeuronSubGroup)):
        return _proxy_for(value, proxies, tracer)
    if isinstance(value, dict) and value and all(isinstance(v, list) for v in value.values()):
        class _Lazy(dict):
            def __missing__(self, key):
                return [_proxy_for(s, proxies, tracer) for s in value[key]]

        return _Lazy()
    return value


def _proxy_for(obj: Any, proxies: dict, tracer: _Tracer) -> _Proxy:
    proxy = proxies.get(id(obj))
    if proxy is None:
        from ..core import SynapseGroup

        prefix = f"{obj.tag}." if isinstance(obj, SynapseGroup) else ("" if not proxies else f"{obj.tag}.")
        proxy = proxies[id(obj)] = _Proxy(obj, prefix, tracer, proxies)
    return proxy


def _array_changes(proxies: dict, before: dict) -> list[str]:
    changed = []
    for pid, proxy in proxies.items():
        d = object.__getattribute__(proxy, "__dict__")
        for name, value in d["_p_overlay"].items():
            if not isinstance(value, np.ndarray):
                continue
            old = before.get((pid, name))
            if old is None:
                old = getattr(d["_p_target"], name, None)
            if isinstance(old, np.ndarray) and old.shape == value.shape and not np.array_equal(
                    old, value, equal_nan=True):
                changed.append(d["_p_prefix"] + name)
    return changed


def trace_behaviours(group: Any) -> ModuleFlow:
    """Trace one dry run of ``group``'s behaviours (execution order) without changing it.

    Parameters
    ----------
    group : NeuronGroup or SynapseGroup
        An initialized group.

    Returns
    -------
    ModuleFlow
        Per behaviour: its key, class name, reads, writes and any error.
    """
    network = getattr(group, "network", None)
    if network is None or not hasattr(group, "behaviour"):
        raise MonntoTypeError(f"visualize_module: expected a NeuronGroup or SynapseGroup, got {group!r}")
    rng_state = network.rng.bit_generator.state
    proxies: dict = {}
    group_proxy = _proxy_for(group, proxies, _Tracer())
    flows = []
    try:
        for key, behaviour in sorted(group.behaviour.items(), key=lambda kv: (kv[0], kv[1].run_last)):
            name = type(behaviour).__name__
            flow = BehaviourFlow(key, name, enabled=behaviour.behaviour_enabled)
            flows.append(flow)
            if hasattr(behaviour, "variable_names"):  # a Recorder: list what it records
                flow.reads = list(behaviour.variable_names)
                continue
            step = behaviour.step_function()
            if step is None:
                continue
            tracer = _Tracer()
            for proxy in proxies.values():
                object.__getattribute__(proxy, "__dict__")["_p_tracer"] = tracer
            before = {(pid, n): v.copy() for pid, p in proxies.items()
                      for n, v in object.__getattribute__(p, "__dict__")["_p_overlay"].items()
                      if isinstance(v, np.ndarray)}
            clone = copy.copy(behaviour)
            clone.__dict__ = {k: (v.copy() if isinstance(v, np.ndarray) else
                                  copy.copy(v) if isinstance(v, (list, dict, set)) else v)
                              for k, v in behaviour.__dict__.items()}
            try:
                getattr(clone, step.__name__)(group_proxy)
            except Exception as err:
                flow.error = f"{type(err).__name__}: {err}"
            for changed in _array_changes(proxies, before):
                tracer.write(changed)
            flow.reads, flow.writes = tracer.reads, tracer.writes
    finally:
        network.rng.bit_generator.state = rng_state
    return ModuleFlow(str(group.tag), flows)


def draw_flow(flow: ModuleFlow, title: str | None = None):
    """Draw ``flow`` on a new matplotlib Figure (Agg canvas, no pyplot, no Qt)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.patches import FancyBboxPatch

    n = max(len(flow.behaviours), 1)
    fig = Figure(figsize=(10, 1.3 * n + 1.2), dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, 10)
    ax.set_ylim(-1.3 * n - 0.4, 1.0)
    ax.axis("off")
    ax.text(5, 0.55, title or f"NeuronGroup {flow.group!r}: behaviours in execution order", ha="center",
            va="center", fontsize=13, weight="bold")
    for i, b in enumerate(flow.behaviours):
        y = -1.3 * i - 0.2
        face = "#cfe2ff" if b.enabled else "#e0e0e0"
        if b.error:
            face = "#ffd6d6"
        ax.add_patch(FancyBboxPatch((3.5, y - 0.35), 3.0, 0.7, boxstyle="round,pad=0.05", fc=face, ec="#1f3f7f"))
        label = f"{b.key}: {b.name}" + ("" if b.enabled else " (off)")
        ax.text(5, y + (0.08 if b.error else 0), label, ha="center", va="center", fontsize=10)
        if b.error:
            ax.text(5, y - 0.2, b.error[:48], ha="center", va="center", fontsize=7, color="#a00000")
        if b.reads:
            ax.annotate("", xy=(3.45, y), xytext=(2.6, y), arrowprops={"arrowstyle": "->", "color": "#206020"})
            ax.text(2.55, y, "\n".join(_chunks(b.reads)), ha="right", va="center", fontsize=8, color="#206020")
        if b.writes:
            ax.annotate("", xy=(7.4, y), xytext=(6.55, y), arrowprops={"arrowstyle": "->", "color": "#902020"})
            ax.text(7.45, y, "\n".join(_chunks(b.writes)), ha="left", va="center", fontsize=8, color="#902020")
        if i + 1 < len(flow.behaviours):
            ax.annotate("", xy=(5, y - 0.9), xytext=(5, y - 0.42), arrowprops={"arrowstyle": "->", "color": "#555"})
    ax.text(0.2, 0.55, "reads", color="#206020", fontsize=9)
    ax.text(9.3, 0.55, "writes", color="#902020", fontsize=9)
    return fig


def _chunks(names: list[str], per_line: int = 3) -> list[str]:
    return [", ".join(names[i:i + per_line]) for i in range(0, len(names), per_line)]


def visualize_module(group: Any, path: str | Path | None = None, show: bool | None = None,
                     block: bool = True, title: str | None = None) -> ModuleFlow:
    """Draw the flow chart of ``group``'s behaviours (paper Fig. 4).

    Parameters
    ----------
    group : NeuronGroup or SynapseGroup
        An initialized group.
    path : str or Path, optional
        Save the chart there (format from the suffix: .png, .svg, .pdf);
        needs no Qt.
    show : bool, optional
        Show the chart in a Qt window (default: when no ``path`` is given).
    block : bool
        Run the Qt event loop until the window closes.
    title : str, optional
        Title of the chart.

    Returns
    -------
    ModuleFlow
        The traced reads and writes (``.path`` is the file written, if any;
        ``.window`` the Qt window when shown).
    """
    flow = trace_behaviours(group)
    fig = draw_flow(flow, title)
    if path is not None:
        path = Path(path)
        if path.suffix.lower() not in (".png", ".svg", ".pdf"):
            raise MonntoValueError(f"visualize_module: path must end in .png, .svg or .pdf, got {str(path)!r}")
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path)
        flow.path = path
    if show if show is not None else path is None:
        flow.window = _show_in_qt(fig, title or f"{flow.group}: behaviours", block)
    return flow


def _show_in_qt(fig, title: str, block: bool) -> Any:
    from ..ui import require_qt

    require_qt("visualize_module(show=True); pass path= to save the chart without Qt, or")
    from PySide6 import QtGui, QtWidgets

    from ..ui.qt_platform import qt_application

    app = qt_application("visualize_module(show=True)")  # no display: offscreen with a warning
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    pixmap = QtGui.QPixmap()
    pixmap.loadFromData(buffer.getvalue(), "PNG")
    label = QtWidgets.QLabel()
    label.setPixmap(pixmap)
    window = QtWidgets.QScrollArea()
    window.setWindowTitle(title)
    window.setWidget(label)
    window.resize(min(pixmap.width() + 20, 1200), min(pixmap.height() + 20, 900))
    window.show()
    if block and app.platformName() not in ("offscreen", "minimal"):  # nothing to wait for offscreen
        app.exec()
    return window

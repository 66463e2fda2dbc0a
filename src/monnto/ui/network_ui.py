"""``Network_UI``: the live window (paper section 2.3, Fig. 6, code block 5).

Layout: a sidebar on the left (neuron grid, run controls, save/load) and a
tab widget on the right. Modules (:class:`~monnto.ui.tab_base.TabBase`
subclasses) build their widgets with the layout calls of this class; the
paper's names (``Next_Tab``, ``Add_element``, ``Next_H_Block``,
``Add_plot_curve``) and the later ones (``add_tab``, ``add_widget``,
``add_row``, ``add_plot``) both work. A QTimer drives the run: each tick
simulates ``steps_per_frame`` iterations and then calls every module's
``update``. :meth:`Network_UI.step` does one tick without the event loop.

Qt is imported when this module is loaded, which only happens on first use
of ``Network_UI`` (see :mod:`monnto.ui`).
"""
from __future__ import annotations

import logging
import math
from pathlib import Path
from typing import Any

import numpy as np

from ..core.errors import MonntoTypeError, MonntoValueError
from . import Network_UI as _NetworkUIFront
from . import require_qt
from .qt_platform import qt_application
from .recording import UIRecordings
from .state import load_state, save_state

require_qt("Network_UI")

import pyqtgraph as pg  # noqa: E402
from PySide6 import QtCore, QtGui, QtWidgets  # noqa: E402

log = logging.getLogger("monnto.ui")

#: Group base colours (RGB) for groups without ``color``.
PALETTE = [(0, 110, 255), (255, 60, 60), (250, 200, 0), (170, 60, 255), (0, 200, 200), (255, 140, 0),
           (140, 140, 140)]
SELECTION_COLOR = (0, 255, 0)

#: Set by :func:`monnto.ui.launch.run_ui_command` to capture instead of block.
_LAUNCH_CONTEXT: dict[str, Any] = {"block": True, "capture": None}


class UIPlotItem(pg.PlotItem):
    """A pyqtgraph PlotItem with PymoNNto's ``add_curves``/``add_image`` helpers."""

    def add_curves(self, number_of_curves: int = 1, colors: list | None = None, lines: list | None = None,
                   names: list | None = None, legend: bool = False) -> list:
        """Add ``number_of_curves`` curves and return them as a list."""
        if legend:
            self.addLegend()
        curves = []
        for i in range(number_of_curves):
            color = colors[i] if colors else PALETTE[i % len(PALETTE)]
            style = QtCore.Qt.PenStyle.DashLine if lines and lines[i] == "dash" else QtCore.Qt.PenStyle.SolidLine
            curves.append(self.plot(pen=pg.mkPen(color, width=1.5, style=style),
                                    name=names[i] if names else None))
        return curves

    def add_image(self, **kwargs) -> pg.ImageItem:
        image = pg.ImageItem(axisOrder="row-major", **kwargs)
        self.addItem(image)
        return image


class _Window(QtWidgets.QMainWindow):
    def __init__(self, ui: Network_UI):
        super().__init__()
        self._ui = ui

    def keyPressEvent(self, event: QtGui.QKeyEvent) -> None:  # noqa: N802 (Qt name)
        if event.key() == QtCore.Qt.Key.Key_Space:
            self._ui.toggle_pause()
            return
        super().keyPressEvent(event)

    def closeEvent(self, event: QtGui.QCloseEvent) -> None:  # noqa: N802
        self._ui.timer.stop()
        super().closeEvent(event)


class Network_UI(_NetworkUIFront):  # noqa: N801 (the paper's name)
    """The live GUI of a network.

    Parameters
    ----------
    network : Network
        An initialized network.
    modules : list of TabBase, optional
        Tabs and sidebar modules (default :func:`get_default_UI_modules`).
        Tabs of behaviours with ``get_UI_Tabs()`` are appended.
    label : str
        Window title (alias ``title``).
    group_display_count : int, optional
        Show only the first this many NeuronGroups.
    storage_manager : StorageManager, optional
        Save/load network states in its folder.
    steps_per_frame : int
        Iterations simulated per timer tick.
    interval_ms : int
        Timer interval in ms (40 ms: at most 25 frames per second).
    size : tuple of int
        Window size in pixels (width, height).

    Attributes
    ----------
    network, modules, main_window, timer, paused, steps_per_frame
    """

    def __init__(self, network, modules: list | None = None, label: str = "Network UI",
                 group_display_count: int | None = None, storage_manager: Any = None,
                 title: str | None = None, group_tags: list | None = None, steps_per_frame: int = 1,
                 interval_ms: int = 40, size: tuple[int, int] = (1200, 700), reduced_layout: bool = False):
        require_qt("Network_UI")
        from ..core import Network

        if not isinstance(network, Network):
            raise MonntoTypeError(f"Network_UI: network must be a monnto Network, got {network!r}")
        if not network.initialized:
            raise MonntoValueError(f"Network_UI: {network!r} is not initialized; call network.initialize() first")
        if not network.NeuronGroups:
            raise MonntoValueError(f"Network_UI: {network!r} has no NeuronGroup to show")
        if group_display_count is not None and (not isinstance(group_display_count, int)
                                                or group_display_count < 1):
            raise MonntoValueError(f"Network_UI: group_display_count must be a positive int or None, "
                             f"got {group_display_count!r}")
        for name, value in (("label", label), ("title", title)):
            if value is not None and not isinstance(value, str):
                raise MonntoTypeError(f"Network_UI: {name} must be a string, got {value!r}")
        self.app = qt_application("Network_UI")  # checks the display first: no SIGABRT
        self.network = network
        self.label = title or label
        self.storage_manager = storage_manager
        groups = list(network.NeuronGroups)
        if group_tags:
            groups = [g for g in groups if any(t in g.tags for t in group_tags)] or groups
        self.neuron_groups = groups[:group_display_count] if group_display_count else groups
        self.group_tags = [g.tag for g in self.neuron_groups]
        self.transmitters = list(dict.fromkeys(s.tag for s in network.SynapseGroups))
        self.steps_per_frame = self._check_steps(steps_per_frame)
        self.paused = True
        self.record_fast_forward = False
        self.raise_errors = False
        self.frames = 0
        self._failed_modules: set[int] = set()
        self._ready = False
        self._selected_group = self.neuron_groups[0]
        self._selected_ids: list[int] = [0]
        self.recordings = UIRecordings(network)

        if modules is None:
            from .defaults import get_default_UI_modules

            modules = get_default_UI_modules()
        modules = list(modules.values() if isinstance(modules, dict) else modules)
        for i, module in enumerate(modules):
            if not callable(getattr(module, "add_recorder_variables", None)):
                raise MonntoTypeError(f"Network_UI: modules[{i}] must be a tab or sidebar module (a TabBase "
                                      f"instance such as monnto.ui.tabs.isi.ISITab()), got {module!r}")
        for b in network.all_behaviours():
            get_tabs = getattr(b, "get_UI_Tabs", None)
            if callable(get_tabs):
                modules.extend(get_tabs() or [])
        self.modules = modules

        self._build_window(size)
        for group in self.neuron_groups:
            for module in self.modules:
                module.add_recorder_variables(group, self)
            self.add_recording_variable(group, "n.iteration", 1)
        self.recordings.build()
        for module in self.modules:
            self._current_tab = None
            self._current_layout = self._sidebar_layout
            module.initialize(self)
        self._sidebar_layout.addStretch(1)
        self._ready = True
        self.timer = QtCore.QTimer()
        self.timer.setInterval(int(interval_ms))
        self.timer.timeout.connect(self._on_timer)
        self.update_modules()

    # -- window and layout ----------------------------------------------------
    def _build_window(self, size: tuple[int, int]) -> None:
        self.main_window = _Window(self)
        self.main_window.setWindowTitle(self.label)
        self.main_window.resize(*size)
        splitter = QtWidgets.QSplitter(QtCore.Qt.Orientation.Horizontal)
        sidebar = QtWidgets.QWidget()
        self._sidebar_layout = QtWidgets.QVBoxLayout(sidebar)
        self._sidebar_layout.setContentsMargins(4, 4, 4, 4)
        scroll = QtWidgets.QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(sidebar)
        scroll.setMinimumWidth(280)
        scroll.setHorizontalScrollBarPolicy(QtCore.Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.sidebar = sidebar
        self.tabs = QtWidgets.QTabWidget()
        self.tabs.currentChanged.connect(lambda _: self.update_modules())
        splitter.addWidget(scroll)
        splitter.addWidget(self.tabs)
        splitter.setStretchFactor(0, 0)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([290, max(size[0] - 290, 200)])
        self.splitter = splitter
        self.main_window.setCentralWidget(splitter)
        self._current_tab = None
        self._current_layout = self._sidebar_layout

    def add_tab(self, title: str, stretch: int = 100) -> QtWidgets.QWidget:
        """Start a new tab (and its first row); returns the tab widget."""
        page = QtWidgets.QWidget()
        column = QtWidgets.QVBoxLayout(page)
        column.setContentsMargins(2, 2, 2, 2)
        page._column = column
        self.tabs.addTab(page, str(title))
        self._current_tab = page
        self.add_row()
        return page

    def add_row(self, stretch: int = 1) -> QtWidgets.QHBoxLayout:
        """Start a new horizontal row in the current tab (or in the sidebar)."""
        row = QtWidgets.QHBoxLayout()
        if self._current_tab is not None:
            self._current_tab._column.addLayout(row, stretch)
        else:
            self._sidebar_layout.addLayout(row)
        self._current_layout = row
        return row

    def add_widget(self, widget: QtWidgets.QWidget, stretch: int = 0) -> QtWidgets.QWidget:
        """Add ``widget`` to the current row (of the current tab, or the sidebar)."""
        self._current_layout.addWidget(widget, stretch)
        return widget

    def add_sidebar_widget(self, widget: QtWidgets.QWidget) -> QtWidgets.QWidget:
        """Add ``widget`` to the sidebar, whatever the current tab."""
        self._sidebar_layout.addWidget(widget)
        return widget

    def add_plot(self, title: str | None = None, tooltip_message: str | None = None,
                 x_label: str | None = None, y_label: str | None = None, stretch: int = 1,
                 axisItems: dict | None = None) -> UIPlotItem:  # noqa: N803 (pyqtgraph's name)
        """Add a plot to the current row; returns its PlotItem."""
        item = UIPlotItem(title=title, axisItems=axisItems)
        widget = pg.PlotWidget(plotItem=item)
        if tooltip_message:
            widget.setToolTip(tooltip_message)
        if x_label:
            item.setLabel("bottom", x_label)
        if y_label:
            item.setLabel("left", y_label)
        self.add_widget(widget, stretch)
        return item

    def add_image_plot(self, title: str | None = None, x_label: str | None = None,
                       y_label: str | None = None, stretch: int = 1, lock_aspect: bool = False) -> pg.ImageItem:
        """Add a plot holding one (row-major) image, row 0 on top; returns the ImageItem."""
        plot = self.add_plot(title=title, x_label=x_label, y_label=y_label, stretch=stretch)
        image = plot.add_image()
        plot.getViewBox().invertY(True)
        if lock_aspect:
            plot.getViewBox().setAspectLocked(True)
        return image

    # the paper's names
    def Next_Tab(self, title: str, stretch: int = 100) -> QtWidgets.QWidget:  # noqa: N802
        """Paper name of :meth:`add_tab`."""
        return self.add_tab(title, stretch)

    def Next_H_Block(self, stretch: int = 1) -> QtWidgets.QHBoxLayout:  # noqa: N802
        """Paper name of :meth:`add_row`."""
        return self.add_row(stretch)

    def Add_element(self, widget: QtWidgets.QWidget, stretch: int = 0) -> QtWidgets.QWidget:  # noqa: N802
        """Paper name of :meth:`add_widget`."""
        return self.add_widget(widget, stretch)

    def Add_Sidebar_Element(self, widget: QtWidgets.QWidget) -> QtWidgets.QWidget:  # noqa: N802
        return self.add_sidebar_widget(widget)

    def Add_plot(self, title: str | None = None, x_label: str | None = None,  # noqa: N802
                 y_label: str | None = None, **kwargs) -> UIPlotItem:
        return self.add_plot(title=title, x_label=x_label, y_label=y_label, **kwargs)

    def Add_plot_curve(self, title: str | None = None, x_label: str | None = None,  # noqa: N802
                       y_label: str | None = None, color: Any = (0, 0, 0), **kwargs):
        """Add a plot with one curve and return that curve (the paper's contract)."""
        plot = self.add_plot(title=title, x_label=x_label, y_label=y_label, **kwargs)
        return plot.add_curves(1, colors=[color])[0]

    def Add_Image_Item(self, title: str | None = None, **kwargs) -> pg.ImageItem:  # noqa: N802
        return self.add_image_plot(title=title, **kwargs)

    # -- recording ------------------------------------------------------------
    def add_recording_variable(self, group: Any, expression: str, timesteps: int = 1000) -> None:
        """Ask the UI to record ``expression`` on ``group`` for the last ``timesteps`` steps.

        Requests for the same expression are merged into one recording as
        long as the longest request; the result is readable with
        ``network[expression, i, 'np']`` or :meth:`get_recorded`.
        """
        self.recordings.request(group, expression, timesteps)
        if getattr(self, "timer", None) is not None:  # after construction: build at once
            self.recordings.build()

    def get_recorded(self, group: Any, expression: str, column: Any = None,
                     last: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """``(iterations, values)`` recorded by the UI, oldest first, equal lengths."""
        return self.recordings.series(group, expression, column, last)

    def is_recorded(self, group: Any, expression: str) -> bool:
        return self.recordings.has(group, expression)

    def group_has(self, group: Any, attribute: str) -> bool:
        """True when ``group`` has ``attribute`` or some behaviour may assign it (see ``may_be_assigned``)."""
        from .recording import may_be_assigned

        return may_be_assigned(group, attribute)

    # -- selection ------------------------------------------------------------
    def selected_neuron_group(self):
        return self._selected_group

    def selected_neuron_id(self) -> int:
        return self._selected_ids[-1]

    def selected_neuron_ids(self) -> list[int]:
        return list(self._selected_ids)

    def selected_neuron_mask(self) -> np.ndarray:
        mask = np.zeros(self._selected_group.size, dtype=bool)
        mask[self._selected_ids] = True
        return mask

    def select_neuron(self, group: Any, neuron_id: int, add: bool = False) -> None:
        """Select neuron ``neuron_id`` of ``group`` (``add``: keep the others, as Ctrl-click)."""
        if group not in self.neuron_groups:
            raise ValueError(f"select_neuron: {group!r} is not shown by this UI")
        neuron_id = int(neuron_id)
        if not 0 <= neuron_id < group.size:
            raise ValueError(f"select_neuron: neuron id {neuron_id} outside 0..{group.size - 1} of {group!r}")
        if add and group is self._selected_group:
            if neuron_id in self._selected_ids:
                if len(self._selected_ids) > 1:
                    self._selected_ids.remove(neuron_id)
            else:
                self._selected_ids.append(neuron_id)
        else:
            self._selected_group = group
            self._selected_ids = [neuron_id]
        if self._ready:
            for module in self.modules:
                self._call(module, "on_selected_neuron_changed")
        self.update_modules()

    def get_selected_synapses(self, direction: str = "afferent") -> list:
        group = self._selected_group
        table = group.afferent_synapses if direction == "afferent" else group.efferent_synapses
        return list(table["All"])

    def group_color(self, group: Any) -> tuple[int, int, int]:
        color = getattr(group, "color", None)
        if color is not None:
            return tuple(int(c) for c in color[:3])
        index = self.network.NeuronGroups.index(group) if group in self.network.NeuronGroups else 0
        return PALETTE[index % len(PALETTE)]

    @staticmethod
    def grid_shape(group: Any) -> tuple[int, int]:
        """``(width, rows)`` of the group's sidebar image (layers stacked vertically)."""
        width = getattr(group, "width", None)
        height = getattr(group, "height", None)
        if isinstance(width, int) and isinstance(height, int) and width * height * getattr(group, "depth", 1) == group.size:
            return width, height * getattr(group, "depth", 1)
        width = math.ceil(math.sqrt(group.size))
        return width, math.ceil(group.size / width)

    # -- running ----------------------------------------------------------------
    @staticmethod
    def _check_steps(steps: Any) -> int:
        if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 1:
            raise MonntoValueError(f"Network_UI: steps per frame must be a positive int, got {steps!r}")
        return int(steps)

    def set_steps_per_frame(self, steps: int) -> None:
        self.steps_per_frame = self._check_steps(steps)

    def step(self, steps: int | None = None) -> None:
        """One frame: simulate ``steps`` (default ``steps_per_frame``) iterations, then update modules."""
        n = self.steps_per_frame if steps is None else self._check_steps(steps)
        self.network.simulate_iterations(n, progress=False)
        self.frames += 1
        self.update_modules()

    def update_modules(self) -> None:
        """Call every module's ``update`` (errors are logged once per module unless raise_errors)."""
        if not self._ready:
            return
        for module in self.modules:
            self._call(module, "update")

    def _call(self, module: Any, method: str) -> None:
        if self.raise_errors:
            getattr(module, method)(self)
            return
        try:
            getattr(module, method)(self)
        except Exception:
            if id(module) not in self._failed_modules:
                self._failed_modules.add(id(module))
                log.exception("Network_UI: %r.%s failed (further errors of this module are not logged)",
                              module, method)

    def _on_timer(self) -> None:
        if not self.paused:
            self.step()

    def start(self) -> None:
        """Run: each timer tick simulates ``steps_per_frame`` iterations."""
        self.paused = False
        self.timer.start()
        self._notify_run_state()

    def pause(self) -> None:
        self.paused = True
        self._notify_run_state()

    def toggle_pause(self) -> None:
        self.start() if self.paused else self.pause()

    def _notify_run_state(self) -> None:
        for module in self.modules:
            hook = getattr(module, "on_run_state_changed", None)
            if hook is not None:
                hook(self)

    def fast_forward(self, steps: int, record: bool | None = None, progress=None, chunk: int | None = None) -> None:
        """Simulate ``steps`` iterations with UI recorders off (unless ``record``).

        ``progress(done, total)`` is called after each chunk of steps.
        """
        steps = self._check_steps(steps)
        record = self.record_fast_forward if record is None else record
        was_paused = self.paused
        self.paused = True
        if not record:
            self.recordings.set_enabled(False)
        try:
            chunk = chunk or max(1, min(1000, steps // 100))
            done = 0
            while done < steps:
                k = min(chunk, steps - done)
                self.network.simulate_iterations(k, progress=False)
                done += k
                if progress is not None:
                    progress(done, steps)
        finally:
            if not record:
                self.recordings.set_enabled(True)
            self.paused = was_paused
        self.update_modules()

    # -- save / load --------------------------------------------------------------
    def state_folder(self) -> Path:
        """Where the save button writes (the storage manager's folder, else Data/NetworkStates)."""
        sm = self.storage_manager
        base = getattr(sm, "absolute_path", None) or getattr(sm, "path", None)
        if base is not None:
            return Path(base) / "NetworkStates"
        from ..storage import get_data_folder

        return Path(get_data_folder(create=True)) / "NetworkStates"

    def save_state(self, path: str | Path | None = None, name: str = "network_state") -> Path:
        """Save the network's state (iteration, arrays, generator) to ``path``."""
        path = Path(path) if path is not None else self.state_folder() / name
        return save_state(self.network, path)

    def load_state(self, path: str | Path) -> None:
        """Load a saved state into the running network; the UI's recordings restart."""
        load_state(self.network, path)
        self.recordings.clear()
        self.update_modules()

    # -- showing -------------------------------------------------------------------
    def show(self, block: bool | None = None) -> Network_UI:
        """Show the window and run the Qt event loop until it closes.

        Parameters
        ----------
        block : bool, optional
            Run the event loop (default, except on the ``offscreen`` and
            ``minimal`` Qt platforms, where nobody could close the window).
            ``False`` only shows the window (tests, notebooks,
            :func:`~monnto.ui.launch.run_ui_command`).
        """
        if _LAUNCH_CONTEXT["capture"] is not None:
            _LAUNCH_CONTEXT["capture"].append(self)
        if block is None:
            block = _LAUNCH_CONTEXT["block"] and self.app.platformName() not in ("offscreen", "minimal")
        self.main_window.show()
        self.timer.start()
        self.update_modules()
        if block:
            self.app.exec()
        return self

    def close(self) -> None:
        self.timer.stop()
        self.main_window.close()

    def render_png(self, path: str | Path) -> Path:
        """Render the window as it looks now into a PNG file."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        self.app.processEvents()
        pixmap = self.main_window.grab()
        if not pixmap.save(str(path), "PNG"):
            raise OSError(f"render_png: could not write {path}")
        return path

    def __repr__(self) -> str:
        return f"<Network_UI {self.label!r} of {self.network!r}, {len(self.modules)} modules>"

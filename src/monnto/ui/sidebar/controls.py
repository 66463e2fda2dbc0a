"""Run controls: start/pause, single step, steps per frame, fast forward."""
from __future__ import annotations

from PySide6 import QtWidgets

from ..tab_base import TabBase

DEFAULT_STEPS = (100, 1000, 5000, 10000, 50000, 100000)


def _short(n: int) -> str:
    return f"{n // 1000}k" if n >= 1000 and n % 1000 == 0 else str(n)


class UI_sidebar_controls(TabBase):  # noqa: N801
    """Sidebar: iteration label, start/pause, step, steps per frame, fast forward.

    Parameters
    ----------
    step_list : sequence of int
        Fast-forward sizes (iterations).
    """

    def __init__(self, step_list=DEFAULT_STEPS, title: str = "Controls"):
        super().__init__(title)
        if not all(isinstance(s, int) and s > 0 for s in step_list):
            raise ValueError(f"UI_sidebar_controls: step_list must hold positive ints, got {step_list!r}")
        self.step_list = list(step_list)

    def initialize(self, ui) -> None:
        box = QtWidgets.QGroupBox("Run")
        grid = QtWidgets.QGridLayout(box)
        self.iteration_label = QtWidgets.QLabel("iteration 0")
        grid.addWidget(self.iteration_label, 0, 0, 1, 3)
        self.start_button = QtWidgets.QPushButton("Start")
        self.start_button.clicked.connect(lambda: ui.toggle_pause())
        self.step_button = QtWidgets.QPushButton("Step")
        self.step_button.setToolTip("simulate one frame (steps per frame iterations) and redraw")
        self.step_button.clicked.connect(lambda: ui.step())
        grid.addWidget(self.start_button, 1, 0)
        grid.addWidget(self.step_button, 1, 1)
        grid.addWidget(QtWidgets.QLabel("steps/frame"), 2, 0)
        self.steps_spin = QtWidgets.QSpinBox()
        self.steps_spin.setRange(1, 100000)
        self.steps_spin.setValue(ui.steps_per_frame)
        self.steps_spin.valueChanged.connect(ui.set_steps_per_frame)
        grid.addWidget(self.steps_spin, 2, 1, 1, 2)
        self.ff_buttons = {}
        for i, n in enumerate(self.step_list):
            button = QtWidgets.QPushButton(f">> {_short(n)}")
            button.setToolTip(f"fast forward {n} iterations")
            button.clicked.connect(lambda _=False, n=n: self.fast_forward(ui, n))
            grid.addWidget(button, 3 + i // 3, i % 3)
            self.ff_buttons[n] = button
        row = 4 + (len(self.step_list) - 1) // 3
        self.record_box = QtWidgets.QCheckBox("record during fast forward")
        self.record_box.toggled.connect(lambda on: setattr(ui, "record_fast_forward", bool(on)))
        grid.addWidget(self.record_box, row, 0, 1, 3)
        self.progress = QtWidgets.QProgressBar()
        self.progress.setRange(0, 100)
        self.progress.setValue(0)
        grid.addWidget(self.progress, row + 1, 0, 1, 3)
        self.box = box
        self.tab = box
        ui.add_sidebar_widget(box)

    def fast_forward(self, ui, steps: int) -> None:
        app = QtWidgets.QApplication.instance()

        def progress(done: int, total: int) -> None:
            self.progress.setValue(int(100 * done / total))
            self.iteration_label.setText(f"iteration {ui.network.iteration}")
            app.processEvents()

        self.progress.setValue(0)
        ui.fast_forward(steps, progress=progress)
        self.progress.setValue(100)

    def on_run_state_changed(self, ui) -> None:
        self.start_button.setText("Start" if ui.paused else "Pause")

    def update(self, ui) -> None:
        self.iteration_label.setText(f"iteration {ui.network.iteration}")

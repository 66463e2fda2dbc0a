"""Python console tab: run code with ``net`` bound to the network."""
from __future__ import annotations

import contextlib
import io
import traceback

import numpy as np
from PySide6 import QtGui, QtWidgets

from ..tab_base import TabBase

EXAMPLE = "# net, ui, n (selected group) and np are bound\nprint(net.iteration, n.tag)\n"


class ConsoleTab(TabBase):
    """An editor and an output pane; Execute (or Ctrl+Return) runs the code.

    The namespace holds ``net``/``network``, ``ui``, ``n``/``neurons`` (the
    selected group) and ``np``; it persists between runs. With "every
    frame" checked the code runs after each frame.
    """

    def __init__(self, title: str = "Console"):
        super().__init__(title)
        self.namespace: dict = {}

    def initialize(self, ui) -> None:
        self.tab = ui.add_tab(self.title)
        self.editor = QtWidgets.QPlainTextEdit(EXAMPLE)
        self.editor.setFont(QtGui.QFontDatabase.systemFont(QtGui.QFontDatabase.SystemFont.FixedFont))
        ui.add_widget(self.editor, 1)
        ui.add_row()
        run = QtWidgets.QPushButton("Execute (Ctrl+Return)")
        run.clicked.connect(lambda: self.execute(ui))
        QtGui.QShortcut(QtGui.QKeySequence("Ctrl+Return"), self.editor, activated=lambda: self.execute(ui))
        self.every_frame = QtWidgets.QCheckBox("every frame")
        ui.add_widget(run)
        ui.add_widget(self.every_frame)
        ui.add_widget(QtWidgets.QWidget(), 1)
        ui.add_row()
        self.output = QtWidgets.QPlainTextEdit()
        self.output.setReadOnly(True)
        ui.add_widget(self.output, 1)

    def execute(self, ui, code: str | None = None) -> str:
        """Run ``code`` (default: the editor's text); returns what it printed."""
        code = self.editor.toPlainText() if code is None else code
        group = ui.selected_neuron_group()
        self.namespace.update(net=ui.network, network=ui.network, ui=ui, n=group, neurons=group, np=np)
        buffer = io.StringIO()
        with contextlib.redirect_stdout(buffer), contextlib.redirect_stderr(buffer):
            try:
                exec(compile(code, "<console>", "exec"), self.namespace)
            except Exception:
                traceback.print_exc(limit=-1)
        text = buffer.getvalue()
        if text:
            self.output.appendPlainText(text.rstrip("\n"))
        ui.update_modules()
        return text

    def update(self, ui) -> None:
        if self.every_frame.isChecked() and not getattr(self, "_running", False):
            self._running = True
            try:
                self.execute(ui)
            finally:
                self._running = False

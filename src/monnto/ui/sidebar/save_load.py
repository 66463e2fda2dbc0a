"""Save and load the network state from the sidebar."""
from __future__ import annotations

import logging
from pathlib import Path

from PySide6 import QtWidgets

from ..tab_base import TabBase

log = logging.getLogger("monnto.ui")


class UI_sidebar_save_load(TabBase):  # noqa: N801
    """Sidebar: a name box, Save, a list of saved states and Load.

    States go to :meth:`Network_UI.state_folder` (the storage manager's
    folder, else ``Data/NetworkStates``) unless ``folder`` is given.
    """

    def __init__(self, folder: str | Path | None = None, title: str = "Save/Load"):
        super().__init__(title)
        self.folder = Path(folder) if folder is not None else None

    def initialize(self, ui) -> None:
        box = QtWidgets.QGroupBox("State")
        layout = QtWidgets.QGridLayout(box)
        self.name_edit = QtWidgets.QLineEdit("state")
        self.save_button = QtWidgets.QPushButton("Save")
        self.save_button.clicked.connect(lambda: self.save(ui))
        self.states = QtWidgets.QComboBox()
        self.load_button = QtWidgets.QPushButton("Load")
        self.load_button.clicked.connect(lambda: self.load(ui))
        self.message = QtWidgets.QLabel("")
        self.message.setWordWrap(True)
        layout.addWidget(self.name_edit, 0, 0)
        layout.addWidget(self.save_button, 0, 1)
        layout.addWidget(self.states, 1, 0)
        layout.addWidget(self.load_button, 1, 1)
        layout.addWidget(self.message, 2, 0, 1, 2)
        self.tab = box
        ui.add_sidebar_widget(box)

    def _folder(self, ui) -> Path:
        return self.folder if self.folder is not None else ui.state_folder()

    def refresh(self, ui) -> None:
        folder = self._folder(ui)
        names = sorted(p.name for p in folder.glob("*")) if folder.exists() else []
        self.states.clear()
        self.states.addItems(names)

    def save(self, ui) -> Path | None:
        name = self.name_edit.text().strip() or "state"
        try:
            path = ui.save_state(self._folder(ui) / name)
        except Exception as err:  # report in the window, keep running
            self.message.setText(f"save failed: {err}")
            log.exception("Network_UI: save failed")
            return None
        self.message.setText(f"saved iteration {ui.network.iteration} to {path.name}")
        self.refresh(ui)
        return path

    def load(self, ui, name: str | None = None) -> None:
        name = name or self.states.currentText()
        if not name:
            self.message.setText("nothing to load")
            return
        try:
            ui.load_state(self._folder(ui) / name)
        except Exception as err:
            self.message.setText(f"load failed: {err}")
            log.exception("Network_UI: load failed")
            return
        self.message.setText(f"loaded {name} (iteration {ui.network.iteration})")

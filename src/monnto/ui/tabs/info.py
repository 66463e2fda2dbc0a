"""Info tab: every behaviour's parameters, editable live, with on/off switches."""
from __future__ import annotations

import numbers
from typing import Any

import numpy as np
from PySide6 import QtWidgets

from ..tab_base import TabBase


def editable_parameters(behaviour) -> dict[str, Any]:
    """Public numeric attributes of a behaviour (scalars and numeric arrays)."""
    out = {}
    for name, value in vars(behaviour).items():
        if name.startswith("_") or name in ("key", "initialized", "behaviour_enabled", "max_length",
                                            "gapwidth", "chunk"):
            continue
        if isinstance(value, (bool, np.bool_)) or (isinstance(value, numbers.Real) and not isinstance(value, np.ndarray)):
            out[name] = value
        elif isinstance(value, np.ndarray) and value.dtype.kind in "biuf":
            out[name] = value
    return out


def format_value(value: Any) -> str:
    if isinstance(value, np.ndarray):
        if value.size == 1:
            return repr(value.item())
        return f"{float(np.mean(value)):.6g}"
    return repr(value.item() if isinstance(value, np.generic) else value)


def parse_like(text: str, current: Any) -> Any:
    """Parse ``text`` into the type of ``current`` (arrays are filled with the number)."""
    text = text.strip()
    if isinstance(current, (bool, np.bool_)):
        if text.lower() in ("true", "1", "yes", "on"):
            return True
        if text.lower() in ("false", "0", "no", "off"):
            return False
        raise ValueError(f"expected True or False, got {text!r}")
    number = float(text)
    if isinstance(current, np.ndarray):
        return np.full_like(current, number)
    if isinstance(current, numbers.Integral):
        if number != int(number):
            raise ValueError(f"expected an integer, got {text!r}")
        return type(current)(int(number))
    return type(current)(number) if isinstance(current, np.floating) else number


class InfoTab(TabBase):
    """One section per group: each behaviour with an on/off switch, its keyword
    arguments, and its numeric attributes in editable fields (Enter applies;
    an array attribute is filled with the number entered).
    """

    def __init__(self, title: str = "Info"):
        super().__init__(title)
        self.switches: dict[int, QtWidgets.QCheckBox] = {}
        self.editors: dict[tuple[int, str], QtWidgets.QLineEdit] = {}
        self.behaviours: dict[int, Any] = {}

    def initialize(self, ui) -> None:
        self.tab = ui.add_tab(self.title)
        scroll = QtWidgets.QScrollArea()
        scroll.setWidgetResizable(True)
        inner = QtWidgets.QWidget()
        layout = QtWidgets.QVBoxLayout(inner)
        net = ui.network
        self.status = QtWidgets.QLabel("")
        layout.addWidget(self.status)
        for obj in [*net.NeuronGroups, *net.SynapseGroups, net]:
            behaviours = sorted(obj.behaviour.items(), key=lambda kv: kv[0])
            behaviours = [(k, b) for k, b in behaviours if "UI_rec" not in b.tags]
            if not behaviours:
                continue
            kind = "NeuronGroup" if obj in net.NeuronGroups else type(obj).__name__
            extra = f" size {obj.size}" if obj in net.NeuronGroups else (
                f" {obj.src.tag} -> {obj.dst.tag}" if obj in net.SynapseGroups else "")
            box = QtWidgets.QGroupBox(f"{kind} {obj.tag!r}{extra}")
            grid = QtWidgets.QGridLayout(box)
            row = 0
            for key, b in behaviours:
                self.behaviours[id(b)] = b
                switch = QtWidgets.QCheckBox(f"{key}: {type(b).__name__}")
                switch.setChecked(b.behaviour_enabled)
                switch.toggled.connect(lambda on, b=b: self.set_enabled(ui, b, on))
                self.switches[id(b)] = switch
                grid.addWidget(switch, row, 0, 1, 2)
                reinit = QtWidgets.QPushButton("re-initialize")
                reinit.setToolTip("run set_variables again (resets this behaviour's state)")
                reinit.clicked.connect(lambda _=False, b=b: self.reinitialize(ui, b))
                grid.addWidget(reinit, row, 2)
                row += 1
                kwargs = {k: v for k, v in b.init_kwargs.items()}
                if kwargs:
                    text = ", ".join(f"{k}={v!r}" for k, v in kwargs.items())
                    label = QtWidgets.QLabel(f"args: {text}")
                    label.setWordWrap(True)
                    grid.addWidget(label, row, 0, 1, 3)
                    row += 1
                for name, value in editable_parameters(b).items():
                    grid.addWidget(QtWidgets.QLabel(f"  {name}" + (" (array, mean)" if isinstance(value, np.ndarray)
                                                                   and value.size > 1 else "")), row, 0)
                    edit = QtWidgets.QLineEdit(format_value(value))
                    edit.editingFinished.connect(lambda b=b, name=name, edit=edit: self.apply(ui, b, name,
                                                                                              edit.text()))
                    self.editors[(id(b), name)] = edit
                    grid.addWidget(edit, row, 1, 1, 2)
                    row += 1
            layout.addWidget(box)
        layout.addStretch(1)
        scroll.setWidget(inner)
        ui.add_widget(scroll, 1)

    def editor(self, behaviour, name: str) -> QtWidgets.QLineEdit:
        return self.editors[(id(behaviour), name)]

    def switch(self, behaviour) -> QtWidgets.QCheckBox:
        return self.switches[id(behaviour)]

    def apply(self, ui, behaviour, name: str, text: str) -> bool:
        """Set ``behaviour.name`` from ``text``; returns whether it was applied."""
        current = getattr(behaviour, name)
        try:
            value = parse_like(text, current)
        except ValueError as err:
            self.status.setText(f"{type(behaviour).__name__}.{name}: {err}")
            self.editor(behaviour, name).setText(format_value(current))
            return False
        if isinstance(current, np.ndarray):
            current[...] = value
        else:
            setattr(behaviour, name, value)
        self.status.setText(f"{type(behaviour).__name__}.{name} = {format_value(getattr(behaviour, name))}")
        return True

    def set_enabled(self, ui, behaviour, enabled: bool) -> None:
        behaviour.behaviour_enabled = bool(enabled)
        ui.network._structure_changed(clear_tags=False)  # rebuild the step list
        self.status.setText(f"{type(behaviour).__name__} {'on' if enabled else 'off'}")

    def reinitialize(self, ui, behaviour) -> None:
        behaviour.run_initialize(behaviour.parent)
        self.refresh()

    def refresh(self) -> None:
        """Show the current values (after edits made elsewhere)."""
        for (bid, name), edit in self.editors.items():
            b = self.behaviours[bid]
            if not edit.hasFocus() and hasattr(b, name):
                edit.setText(format_value(getattr(b, name)))
        for bid, switch in self.switches.items():
            b = self.behaviours[bid]
            if switch.isChecked() != b.behaviour_enabled:
                switch.blockSignals(True)
                switch.setChecked(b.behaviour_enabled)
                switch.blockSignals(False)

    def update(self, ui) -> None:
        if self.tab.isVisible():
            self._frames = getattr(self, "_frames", 0) + 1
            if self._frames % 10 == 1:
                self.refresh()

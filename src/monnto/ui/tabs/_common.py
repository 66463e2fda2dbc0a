"""Helpers shared by the default tabs."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg

SELECTED_PEN = pg.mkPen((0, 200, 0), width=1.5)


def group_pen(ui, group, width: float = 1.5, dash: bool = False):
    from PySide6 import QtCore

    style = QtCore.Qt.PenStyle.DashLine if dash else QtCore.Qt.PenStyle.SolidLine
    return pg.mkPen(ui.group_color(group), width=width, style=style)


def neuron_expression(variable: str) -> str:
    """``'voltage'`` -> ``'n.voltage'`` (expressions pass unchanged)."""
    return variable if ("." in variable or "(" in variable) else f"n.{variable}"


def mean_expression(variable: str) -> str:
    return f"np.mean({neuron_expression(variable)})"


def is_number(text) -> bool:
    try:
        float(text)
    except (TypeError, ValueError):
        return False
    return True


def has_vector(ui, group, variable: str) -> bool:
    """True when ``group.variable`` is (or will be, by a behaviour) a per-neuron array."""
    if "." in variable or "(" in variable:
        return True
    value = getattr(group, variable, None)
    if isinstance(value, np.ndarray):
        return value.shape[:1] == (group.size,)
    return value is None and ui.group_has(group, variable)


def spike_times(spikes: np.ndarray) -> list[np.ndarray]:
    """Per neuron: the row indices (time steps) of nonzero entries of a (T, N) array."""
    t, i = np.nonzero(spikes)
    order = np.argsort(i, kind="stable")
    t, i = t[order], i[order]
    bounds = np.searchsorted(i, np.arange(spikes.shape[1] + 1))
    return [t[bounds[k]:bounds[k + 1]] for k in range(spikes.shape[1])]


def grid_image(ui, group, values: np.ndarray) -> np.ndarray:
    """Values (size,) laid out on the group's sidebar grid (rows, width), NaN padding."""
    width, rows = ui.grid_shape(group)
    out = np.full(width * rows, np.nan)
    out[: group.size] = np.asarray(values, dtype=np.float64).ravel()[: group.size]
    return out.reshape(rows, width)


def dense_row(matrix, row: int) -> np.ndarray:
    if hasattr(matrix, "getrow"):
        return np.asarray(matrix.getrow(row).toarray()).ravel()
    return np.asarray(matrix)[row]


def dense_column(matrix, col: int) -> np.ndarray:
    if hasattr(matrix, "getcol"):
        return np.asarray(matrix.getcol(col).toarray()).ravel()
    return np.asarray(matrix)[:, col]


def all_values(matrix) -> np.ndarray:
    if hasattr(matrix, "data") and hasattr(matrix, "nnz"):
        return np.asarray(matrix.data)
    return np.asarray(matrix).ravel()

"""``TabBase``: the base class of every Network_UI module (tabs and sidebar parts).

A module is a plain object with four hooks that Network_UI calls:

1. ``add_recorder_variables(net_obj, Network_UI)`` once per displayed
   NeuronGroup, to request recordings with
   ``Network_UI.add_recording_variable(group, expression, timesteps)``;
2. ``initialize(Network_UI)`` once, to build widgets with the layout calls
   (``Next_Tab``/``add_tab``, ``Add_element``/``add_widget``,
   ``Next_H_Block``/``add_row``, ``Add_plot_curve``, ``add_plot``);
3. ``update(Network_UI)`` after every frame (guard expensive work with
   ``self.tab.isVisible()``);
4. ``on_selected_neuron_changed(Network_UI)`` when the selection changes.

This module does not import Qt, so ``TabBase`` can be subclassed in scripts
that are also run without the GUI.
"""
from __future__ import annotations

from typing import Any


class TabBase:
    """Base class of Network_UI modules (paper code block 11).

    Parameters
    ----------
    title : str
        Title of the tab the module creates (if any).
    """

    def __init__(self, title: str = "Title"):
        if not isinstance(title, str):
            raise TypeError(f"{type(self).__name__}: title must be a string, got {title!r}")
        self.title = title
        #: The tab widget created in initialize (set by subclasses).
        self.tab: Any = None

    def add_recorder_variables(self, net_obj: Any, Network_UI: Any) -> None:
        """Request recordings for ``net_obj`` (a NeuronGroup); default: none."""

    # PymoNNto's prose name for the same hook.
    def add_recording_variables(self, net_obj: Any, Network_UI: Any) -> None:
        self.add_recorder_variables(net_obj, Network_UI)

    def initialize(self, Network_UI: Any) -> None:
        """Build the widgets of this module."""

    def update(self, Network_UI: Any) -> None:
        """Redraw after a frame."""

    def on_selected_neuron_changed(self, Network_UI: Any) -> None:
        """React to a new selection (``Network_UI.selected_neuron_group()`` ...)."""

    def is_visible(self) -> bool:
        """True when the module's tab exists and is shown."""
        tab = self.tab
        return tab is not None and tab.isVisible()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(title={self.title!r})"

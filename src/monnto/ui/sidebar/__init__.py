"""Sidebar modules of Network_UI: the neuron grid, run controls, save/load."""
from .controls import UI_sidebar_controls
from .neuron_grid import UI_sidebar_neuron_grid
from .save_load import UI_sidebar_save_load

#: PymoNNto's names.
UI_sidebar_activity_module = UI_sidebar_neuron_grid
sidebar_fast_forward_module = UI_sidebar_controls
sidebar_save_load_module = UI_sidebar_save_load

__all__ = ["UI_sidebar_activity_module", "UI_sidebar_controls", "UI_sidebar_neuron_grid",
           "UI_sidebar_save_load", "sidebar_fast_forward_module", "sidebar_save_load_module"]

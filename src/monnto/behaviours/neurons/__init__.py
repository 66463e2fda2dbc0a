"""Pre-implemented neuron models: a pure step function plus a Behaviour wrapper each.

Input convention (all models): input and synapse behaviours **add** to the
per-neuron vector ``n.I_input`` before the neuron model runs (smaller key);
the model uses it once and then clears it in place. ``n.I_input`` is in
amperes for the SI models (LIF, ConductanceLIF, HodgkinHuxley, HHCable,
WangBuzsaki, AdEx) and in the model's own unit for Izhikevich (the 2003
paper's dimensionless current, mV/ms) and HindmarshRose (dimensionless).
ConductanceLIF also owns ``n.g_e`` / ``n.g_i`` (S), to which synapses add
conductance jumps. Every model sets ``n.spike`` (bool) each step. The step
size is the group's ``n.dt`` (s, from a Clock) when present, else the
wrapper's ``dt=`` argument, else the model's default. See
:mod:`monnto.behaviours.neurons._common`.
"""
from ._common import INPUT_NAME, input_vector
from .adex import ADEX_PATTERNS, AdEx, AdExParams, adex_step
from .hindmarsh_rose import HindmarshRose, HindmarshRoseParams, hindmarsh_rose_step
from .hodgkin_huxley import (
                             HHCable,
                             HHCableParams,
                             HHParams,
                             HodgkinHuxley,
                             hh_cable_step,
                             hh_rates,
                             hh_steady_state,
                             hh_step,
)
from .izhikevich import IZHIKEVICH_CELL_TYPES, Izhikevich, IzhikevichParams, izhikevich_step
from .lif import (
                             LIF,
                             ConductanceLIF,
                             ConductanceLIFParams,
                             LIFParams,
                             conductance_lif_step,
                             lif_rate,
                             lif_step,
)
from .wang_buzsaki import WangBuzsaki, WangBuzsakiParams, wang_buzsaki_rates, wang_buzsaki_step

__all__ = [
    "INPUT_NAME", "input_vector",
    "LIF", "LIFParams", "lif_step", "lif_rate",
    "ConductanceLIF", "ConductanceLIFParams", "conductance_lif_step",
    "Izhikevich", "IzhikevichParams", "IZHIKEVICH_CELL_TYPES", "izhikevich_step",
    "HodgkinHuxley", "HHParams", "hh_step", "hh_rates", "hh_steady_state",
    "HHCable", "HHCableParams", "hh_cable_step",
    "HindmarshRose", "HindmarshRoseParams", "hindmarsh_rose_step",
    "WangBuzsaki", "WangBuzsakiParams", "wang_buzsaki_step", "wang_buzsaki_rates",
    "AdEx", "AdExParams", "ADEX_PATTERNS", "adex_step",
]

"""monnto: a modular toolbox for brain-inspired (spiking) neural networks.

``from monnto import *`` gives the paper's API: Network, NeuronGroup,
SynapseGroup, Behaviour, Recorder, EventRecorder, NeuronDimension, ... and
the later PymoNNto names as aliases. Importing has no side effects.
"""
from .behaviours.recorder import EventRecorder, Recorder
from .core import (
    Behavior,
    Behaviour,
    Network,
    NeuronDimension,
    NeuronGroup,
    NeuronSubGroup,
    SynapseGroup,
    afferent,
    efferent,
    get_gene,
    get_genome,
    get_squared_dim,
    is_evolution_mode,
    post,
    pre,
    set_genome,
)

__version__ = "0.1.0"

#: PymoNNto's later names.
NeuronGrid = Grid = NeuronDimension
getGrid = get_squared_dim
SubNeuronGroup = NeuronSubGroup

__all__ = [
    "Behavior", "Behaviour", "EventRecorder", "Grid", "Network", "NeuronDimension", "NeuronGrid",
    "NeuronGroup", "NeuronSubGroup", "Recorder", "SubNeuronGroup", "SynapseGroup", "afferent",
    "efferent", "getGrid", "get_gene", "get_genome", "get_squared_dim", "is_evolution_mode",
    "post", "pre", "set_genome",
]

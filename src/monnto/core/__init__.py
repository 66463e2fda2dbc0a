"""Layer 1: the core simulator (numpy only; no units, GUI, storage or search)."""
from .behaviour import Behavior, Behaviour
from .dimension import NeuronDimension, get_squared_dim
from .genome import get_gene, get_genome, is_evolution_mode, set_genome
from .init_strings import InitStringError, make_array
from .network import Network
from .neuron_group import NeuronGroup, NeuronSubGroup, afferent, efferent, post, pre
from .synapse_group import SynapseGroup
from .tagging import LiveData, TaggableObject

__all__ = [
    "Behavior", "Behaviour", "InitStringError", "LiveData", "Network", "NeuronDimension",
    "NeuronGroup", "NeuronSubGroup", "SynapseGroup", "TaggableObject", "afferent", "efferent",
    "get_gene", "get_genome", "get_squared_dim", "is_evolution_mode", "make_array", "post",
    "pre", "set_genome",
]

"""monnto: a modular toolbox for brain-inspired (spiking) neural networks.

``from monnto import *`` gives the paper's API (Network, NeuronGroup,
SynapseGroup, Behaviour, Recorder, EventRecorder, NeuronDimension, Clock,
Variable, Equation, StorageManager, Network_UI, ...), the model library and
the later PymoNNto names as aliases.

``import monnto`` has no side effects and stays light: the parts with heavy
dependencies (the equation modules need sympy, the GUI needs Qt) are loaded
on first use of one of their names.
"""
from importlib import import_module
from typing import Any

from .behaviours.embedding import Brian2Embedding, NestEmbedding
from .behaviours.inputs import (
    AudioInput,
    EventStreamInput,
    ImageSequenceInput,
    PatternSequenceInput,
    PoissonGenerator,
    PoissonInput,
    SymbolSequenceInput,
    VideoInput,
)
from .behaviours.neurons import (
    LIF,
    AdEx,
    ConductanceLIF,
    HHCable,
    HindmarshRose,
    HodgkinHuxley,
    Izhikevich,
    WangBuzsaki,
)
from .behaviours.plasticity import (
    STDP,
    DiscreteSTDP,
    IntrinsicPlasticity,
    Normalization,
    Refractoriness,
    ShortTermPlasticity,
    SpikeFrequencyAdaptation,
    SynapticNormalization,
    TripletSTDP,
    TsodyksMarkram,
    VoltageHomeostasis,
)
from .behaviours.recorder import EventRecorder, Recorder
from .behaviours.synapses import (
    Box_Receptive_Fields,
    Circle_Receptive_Fields,
    Delay,
    Partition,
    Remove_Autapses,
    distance_dependent,
    fixed_indegree,
    fixed_probability,
    propagate,
)
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
from .core.errors import ConfigurationError, LoadError, MonntoError, UnsafeLoadError
from .storage import (
    StorageManager,
    StorageManagerGroup,
    get_data_folder,
    load_network,
    register_loadable,
    save_network,
)

__version__ = "0.1.0"

#: PymoNNto's later names.
NeuronGrid = Grid = NeuronDimension
getGrid = get_squared_dim
SubNeuronGroup = NeuronSubGroup

#: Names loaded on first use: ``name -> module`` (relative to this package).
_LAZY = {
    **dict.fromkeys(("Clock", "Equation", "EquationError", "OnPost", "OnPre", "Refractory", "Reset", "Threshold",
                     "Variable"), ".behaviours.equations"),
    **dict.fromkeys(("Network_UI", "TabBase", "get_default_UI_modules"), ".ui"),
    "set_score": ".evolution.score",
    "compiled": ".targets.behaviour_compiler",
}
#: Loaded on first use but left out of ``from monnto import *``: it needs the
#: optional ``evolution`` extra (optuna), which a star import must not require.
_LAZY_NOT_STARRED = {"Evolution": ".evolution"}


def plot(*args: Any, **kwargs: Any) -> Any:
    """``matplotlib.pyplot.plot`` (imported on use), as in the paper's code block 8."""
    import matplotlib.pyplot as plt

    return plt.plot(*args, **kwargs)


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name) or _LAZY_NOT_STARRED.get(name)
    if module is None:
        raise AttributeError(f"module 'monnto' has no attribute {name!r}")
    value = getattr(import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY) | set(_LAZY_NOT_STARRED))


__all__ = [
    "STDP", "Box_Receptive_Fields", "Circle_Receptive_Fields", "Delay", "DiscreteSTDP",
    "IntrinsicPlasticity", "Normalization", "Partition", "Refractoriness", "Remove_Autapses",
    "ShortTermPlasticity", "SpikeFrequencyAdaptation", "SynapticNormalization", "TripletSTDP",
    "TsodyksMarkram", "VoltageHomeostasis", "distance_dependent", "fixed_indegree", "fixed_probability",
    "propagate",
    "LIF", "AdEx", "Behavior", "Behaviour", "Brian2Embedding", "ConductanceLIF", "EventRecorder", "Grid",
    "HHCable", "HindmarshRose", "HodgkinHuxley", "ImageSequenceInput", "Izhikevich", "NestEmbedding",
    "Network", "NeuronDimension", "NeuronGrid", "NeuronGroup", "NeuronSubGroup", "PatternSequenceInput",
    "PoissonGenerator", "PoissonInput", "Recorder", "StorageManager", "StorageManagerGroup",
    "SubNeuronGroup", "SymbolSequenceInput", "SynapseGroup", "WangBuzsaki", "afferent", "efferent",
    "getGrid", "get_data_folder", "get_gene", "get_genome", "get_squared_dim", "is_evolution_mode",
    "load_network", "plot", "post", "pre", "save_network", "set_genome",
    "ConfigurationError", "LoadError", "MonntoError", "UnsafeLoadError", "register_loadable",
    "AudioInput", "EventStreamInput", "VideoInput",
    *sorted(_LAZY),
]

"""Plasticity and homeostasis behaviours (dense numpy/torch and scipy CSR weights)."""
from monnto.behaviours.plasticity.adaptation import Refractoriness, SpikeFrequencyAdaptation
from monnto.behaviours.plasticity.intrinsic import IntrinsicPlasticity, VoltageHomeostasis
from monnto.behaviours.plasticity.normalization import (
    Normalization,
    SynapticNormalization,
    normalize_synapses,
)
from monnto.behaviours.plasticity.short_term import ShortTermPlasticity, TsodyksMarkram
from monnto.behaviours.plasticity.stdp import STDP, DiscreteSTDP, TripletSTDP

__all__ = [
    "STDP", "DiscreteSTDP", "IntrinsicPlasticity", "Normalization", "Refractoriness",
    "ShortTermPlasticity", "SpikeFrequencyAdaptation", "SynapticNormalization", "TripletSTDP",
    "TsodyksMarkram", "VoltageHomeostasis", "normalize_synapses",
]

"""Behaviours that embed whole external simulators (paper, code blocks 9 and 10).

:class:`Brian2Embedding` runs a Brian2 ``NeuronGroup`` and :class:`NestEmbedding`
runs NEST nodes inside a monnto NeuronGroup: each monnto step advances the
external simulator by one step ``dt`` and mirrors its state and spikes into
the group, so monnto behaviours (plasticity, inputs, recorders) act on it.
The simulators are imported only when the behaviour initializes.
"""
from .brian2 import Brian2Embedding
from .nest import NestEmbedding

__all__ = ["Brian2Embedding", "NestEmbedding"]

"""Input generators: Poisson spikes and currents, pattern, symbol, text and image sequences,
and sensory streams (video, event cameras, audio).

All add to a group variable (``n.I_input`` by default; see the input
convention in :mod:`monnto.behaviours.neurons`) or set the group's
``spike`` vector, and draw random numbers from the network's ``net.rng``.
"""
from .audio import AudioInput
from .events import EventStreamInput
from .patterns import (
    ImageSequenceInput,
    PatternSequenceInput,
    SymbolSequenceInput,
    counting_task_sequence,
    random_word_sequence,
    symbol_masks,
)
from .poisson import PoissonGenerator, PoissonInput, poisson_counts, poisson_spikes
from .video import VideoInput

__all__ = [
    "PoissonGenerator", "PoissonInput", "poisson_counts", "poisson_spikes",
    "PatternSequenceInput", "SymbolSequenceInput", "ImageSequenceInput",
    "counting_task_sequence", "random_word_sequence", "symbol_masks",
    "VideoInput", "EventStreamInput", "AudioInput",
]

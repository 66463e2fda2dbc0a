"""Layer 2: behaviours that run inside the step loop."""
from .recorder import EventRecorder, Recorder

__all__ = ["EventRecorder", "Recorder"]

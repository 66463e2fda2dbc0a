"""Brian2-like equations: Clock, Variable, Equation, Threshold, Reset, Refractory, OnPre.

Models are written as strings with physical units (resolved with
:mod:`sympy.physics.units`), checked for dimensional consistency and
compiled once, at initialize, into vectorized numpy code that updates the
group's arrays in place. **Stored values are SI base units** (V, s, A, S, F,
ohm, Hz): ``Variable(eq='v=1*mV')`` stores ``0.001``. See
:mod:`.modules` for timing and :mod:`.events` for refractoriness.
"""

from .events import OnPre, Refractory, Reset, Threshold
from .modules import Clock, Equation, Variable
from .parser import EquationError

__all__ = ["Clock", "Equation", "EquationError", "OnPre", "Refractory", "Reset", "Threshold", "Variable"]

"""Brian2-like equations: Clock, Variable, Equation, Threshold, Reset, Refractory, OnPre, OnPost.

Models are written as strings with physical units (resolved with
:mod:`sympy.physics.units`), checked for dimensional consistency and
compiled once, at initialize, into vectorized numpy code that updates the
group's arrays in place. **Stored values are SI base units** (V, s, A, S, F,
ohm, Hz): ``Variable(eq='v=1*mV')`` stores ``0.001``. See
:mod:`.modules` for timing and :mod:`.events` for refractoriness.

Constants can be passed as ``namespace={'taum': '20*ms'}`` to every one of
these behaviours (inlined as numbers, like Brian2's namespace) instead of
being stored as per-neuron Variables.

Example (a leaky integrate-and-fire group, Brian2 style)::

    net = Network(seed=1, behaviour={1: Clock(step='0.1*ms')})
    NeuronGroup(net=net, size=100, behaviour={
        2: Variable(eq='El=-65*mV; v=normal(-65, 2)*mV; tau=10*ms; I=1.8*nA; R=10*Mohm'),
        3: Refractory('2*ms'),
        4: Equation(eq='dv/dt = (El - v + R*I)/tau : volt (unless refractory)'),
        5: Threshold('v > -50*mV'),
        7: Reset('v = El'),
    })
    net.initialize()
    net.simulate_iterations('100*ms')
"""

from .base import EquationError
from .events import Refractory, Reset, Threshold
from .modules import Clock, Equation, Variable
from .synaptic import OnPost, OnPre

__all__ = ["Clock", "Equation", "EquationError", "OnPost", "OnPre", "Refractory", "Reset", "Threshold",
           "Variable"]

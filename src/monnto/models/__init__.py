"""Layer 3: whole networks built from behaviours, each a function returning an initialized Network.

==================================  ==============================================
``basic_network``                   the paper's code blocks 2-3 (Vieth et al. 2021)
``extended_network``                the same with homeostasis, STDP, normalization
``izhikevich_network``              Izhikevich (2003) 1000-neuron E/I network
``cuba_network``/``coba_network``   Vogels & Abbott (2005) / Brette et al. (2007)
``brunel_network``                  Brunel (2000): SR, AI, SI fast, SI slow regimes
``brunel_hakim_network``            Brunel & Hakim (1999) inhibitory oscillation
``synfire_network``                 Diesmann et al. (1999) synfire chain
``hopfield_network``                Hopfield (1982) associative memory
``sorn_network``                    Lazar, Pipa & Triesch (2009) SORN
==================================  ==============================================
"""
from .basic_network import basic_network
from .brunel import brunel_hakim_network, brunel_network
from .cuba_coba import coba_network, cuba_network
from .hopfield import hopfield_network
from .izhikevich_network import izhikevich_network
from .paper_tutorial import extended_network
from .sorn import sorn_network
from .synfire import synfire_network

__all__ = [
    "basic_network", "brunel_hakim_network", "brunel_network", "coba_network", "cuba_network",
    "extended_network", "hopfield_network", "izhikevich_network", "sorn_network", "synfire_network",
]

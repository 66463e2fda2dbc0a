"""Toy evolution slave (paper section 2.3): score = a + b + c + d.

Runs on its own with the default genes (prints score 6.0 at INFO level) and
unchanged under ``examples/evolution_toy.py``, which evolves the genes.
"""
from monnto import get_gene, set_score

a = get_gene("a", 0.5)
b = get_gene("b", 2.5)
c = get_gene("c", 1.5)
d = get_gene("d", 1.5)

set_score(a + b + c + d, info={"sum_ab": a + b})

"""Physical dimensions as plain data (no sympy): :class:`Dim`, ``DIMENSIONLESS``, ``TIME``.

A :class:`Dim` is the tuple of exponents of the SI base dimensions. It lives
here, apart from the unit table of :mod:`.units` (which needs sympy), so that
a group's registered dimensions can be rebuilt from the equation cache
(:mod:`.eqcache`) without importing sympy. Only printing a dimension for a
message (``str(dim)``) loads the unit table.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

__all__ = ["DIMENSIONLESS", "TIME", "Dim", "dim_from_data", "dim_to_data"]


def _plain_exponent(e):
    """``e`` as an int when it is integral, else as a ``fractions.Fraction``.

    Plain Python numbers: a saved network stores them as JSON numbers
    (``{"$fraction": [1, 2]}``), never as pickled sympy objects.
    """
    if type(e) is int:
        return e
    r = e if isinstance(e, Fraction) else Fraction(str(e))
    return int(r) if r.denominator == 1 else r


@dataclass(frozen=True)
class Dim:
    """A physical dimension: exponents of sympy's SI base dimensions.

    ``exps`` is a sorted tuple of ``(base_dimension_name, exponent)`` pairs,
    e.g. voltage is ``(('current', -1), ('length', 2), ('mass', 1),
    ('time', -3))``; the empty tuple is dimensionless.
    """

    exps: tuple = ()

    def __post_init__(self):
        # integral exponents as plain ints, others as Fractions (1/2 for the white noise xi): a
        # saved network stores plain numbers
        object.__setattr__(self, "exps", tuple((k, _plain_exponent(e)) for k, e in self.exps))

    def __mul__(self, other: Dim) -> Dim:
        out = dict(self.exps)
        for k, e in other.exps:
            out[k] = out.get(k, 0) + e
        return Dim(tuple(sorted((k, e) for k, e in out.items() if e != 0)))

    def __truediv__(self, other: Dim) -> Dim:
        return self * other ** -1

    def __pow__(self, p) -> Dim:
        p = _plain_exponent(p)
        return Dim(tuple(sorted((k, e * p) for k, e in self.exps if e * p != 0)))

    @property
    def is_dimensionless(self) -> bool:
        return not self.exps

    @property
    def si_base(self) -> str:
        """The dimension in SI base units (``'kg*m**2/(A*s**3)'`` for a voltage)."""
        from .units import _base_text

        return _base_text(self)

    def __str__(self) -> str:
        from .units import dim_name

        return dim_name(self)


DIMENSIONLESS = Dim()
TIME = Dim((("time", 1),))


def dim_to_data(d: Dim) -> list:
    """``d`` as JSON data: ``[[base, numerator, denominator], ...]``."""
    return [[k, Fraction(e).numerator, Fraction(e).denominator] for k, e in d.exps]


def dim_from_data(data) -> Dim:
    """The :class:`Dim` written by :func:`dim_to_data` (checked: names and integers only)."""
    if not isinstance(data, list):
        raise ValueError(f"a dimension must be a list, got {type(data).__name__}")
    exps = []
    for item in data:
        if not (isinstance(item, list) and len(item) == 3 and isinstance(item[0], str) and item[0].isidentifier()
                and all(type(x) is int for x in item[1:]) and item[2] > 0):
            raise ValueError(f"a dimension entry must be [name, numerator, denominator], got {item!r}")
        exps.append((item[0], Fraction(item[1], item[2])))
    return Dim(tuple(sorted(exps)))

"""Physical units for equation strings, built on :mod:`sympy.physics.units`.

Every unit name an equation may use (``ms``, ``mV``, ``nS``, ``Mohm``, ...)
is resolved through sympy's SI unit system: sympy supplies the definition of
each unit, its SI prefixes and its dimension.  This module only names the
units and turns each one into a pair ``(factor, dimension)`` where ``factor``
is the value of the unit in SI base units (``mV`` -> ``1e-3``, since a
millivolt is 1e-3 V) and ``dimension`` is a :class:`Dim`, the unit's
dimension expressed as exponents of sympy's SI base dimensions.

Stored values are SI base units: a quantity written ``1*mV`` is stored as the
float ``0.001`` (volt), ``100*ms`` as ``0.1`` (second), ``5*nS`` as ``5e-9``
(siemens).  Units exist only at compile time; arrays hold plain floats.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import sympy
import sympy.physics.units as su
from sympy.physics.units.prefixes import PREFIXES
from sympy.physics.units.systems.si import SI

from .dims import DIMENSIONLESS, TIME, Dim, _plain_exponent  # noqa: F401 - re-exported

__all__ = [
    "DIMENSIONLESS",
    "TIME",
    "Dim",
    "UnitInfo",
    "dim_of_quantity",
    "is_unit_name",
    "lookup_unit",
    "unit_names",
]


def _deps_to_dim(deps: dict) -> Dim:
    out = {}
    for base, e in deps.items():
        name = str(base.name) if hasattr(base, "name") else str(base)
        out[name] = out.get(name, 0) + sympy.Rational(e)
    return Dim(tuple(sorted((k, e) for k, e in out.items() if e != 0)))


def dim_of_quantity(q) -> Dim:
    """Dimension of a sympy Quantity or of a product/power of Quantities."""
    dim_sys = SI.get_dimension_system()
    if isinstance(q, su.Quantity):
        d = SI.get_quantity_dimension(q)
    else:
        d = SI.get_dimensional_expr(q)
        d = su.Dimension(d)
    return _deps_to_dim(dim_sys.get_dimensional_dependencies(d))



# Named dimensions used to print readable error messages; each is computed
# from sympy's own unit definition.
_NAMED_UNITS = {
    "second": su.second,
    "volt": su.volt,
    "amp": su.ampere,
    "siemens": su.siemens,
    "farad": su.farad,
    "ohm": su.ohm,
    "hertz": su.hertz,
    "metre": su.meter,
    "mole": su.mole,
    "kilogram": su.kilogram,
    "coulomb": su.coulomb,
    "joule": su.joule,
    "watt": su.watt,
    "kelvin": su.kelvin,
}


@functools.cache
def _named_dims() -> dict:
    return {dim_of_quantity(q): name for name, q in _NAMED_UNITS.items()}


_BASE_SYMBOLS = {
    "mass": "kg",
    "length": "m",
    "time": "s",
    "current": "A",
    "temperature": "K",
    "amount_of_substance": "mol",
    "luminous_intensity": "cd",
}

# Units a dimension may be written with, in order of preference; hertz,
# joule, watt and coulomb are left out of products (``volt/second`` reads
# better than ``volt*hertz``, ``volt**2/second`` than ``watt/farad``).
_DISPLAY_UNITS = ("second", "volt", "amp", "siemens", "farad", "ohm", "metre", "mole", "kilogram", "kelvin")
_DISPLAY_EXPONENTS = tuple(sympy.Rational(e) for e in ("1", "-1", "2", "-2", "3", "-3", "1/2", "-1/2",
                                                        "3/2", "-3/2", "4", "-4"))


def _power_of(d: Dim, unit: str):
    """The exponent ``e`` with ``d == dim(unit)**e`` (one of the display exponents), else None."""
    base = _display_dims()[unit]
    for e in _DISPLAY_EXPONENTS:
        if base**e == d:
            return e
    return None


@functools.cache
def _display_dims() -> dict:
    return {name: dim_of_quantity(_NAMED_UNITS[name]) for name in _DISPLAY_UNITS}


def _write(factors) -> str:
    """``[('volt', 1), ('second', -1)]`` -> ``'volt/second'``."""
    def one(name, e):
        e = abs(e)
        if e == 1:
            return name
        return f"{name}**{e}" if e.q == 1 else f"{name}**({e})"

    factors = sorted(factors, key=lambda f: f[0] in ("second", "metre", "s", "m"))  # time and length last
    top = [one(n, e) for n, e in factors if e > 0]
    bottom = [one(n, e) for n, e in factors if e < 0]
    text = "*".join(top) or "1"
    if bottom:
        text += "/" + (bottom[0] if len(bottom) == 1 else "(" + "*".join(bottom) + ")")
    return text


def _base_text(d: Dim) -> str:
    """SI base units, Brian2's way: ``'kg*m**2/(A*s**3)'``."""
    return _write([(_BASE_SYMBOLS.get(k, k), e) for k, e in d.exps])


@functools.cache
def dim_name(d: Dim) -> str:
    """A readable name of a dimension, in units users write.

    ``'volt'``, ``'volt/second'`` (a rate of change of a voltage; the same
    dimension as mV/ms), ``'siemens/metre**2'``, ``'1/second**(1/2)'`` (the
    white-noise ``xi``); SI base units (``'kg*m**2/(A*s**4)'``) only when no
    product of two named units fits.
    """
    if d.is_dimensionless:
        return "1 (dimensionless)"
    named = _named_dims().get(d)
    if named is not None:
        return named
    for unit in _DISPLAY_UNITS:  # one unit to a power: volt**2, 1/second**(1/2)
        e = _power_of(d, unit)
        if e is not None:
            return _write([(unit, e)])
    best = None
    for i, first in enumerate(_DISPLAY_UNITS):  # two units: volt/second, amp/metre**2
        for e1 in _DISPLAY_EXPONENTS:
            rest = d / _display_dims()[first] ** e1
            if rest.is_dimensionless:
                continue
            for j, second in enumerate(_DISPLAY_UNITS):
                if j == i:
                    continue
                e2 = _power_of(rest, second)
                if e2 is not None:
                    score = (abs(e1) + abs(e2), min(i, j) + max(i, j) * 0.1)
                    if best is None or score < best[0]:
                        best = (score, [(first, e1), (second, e2)])
    return _write(best[1]) if best else _base_text(d)


@dataclass(frozen=True)
class UnitInfo:
    """A unit: its name, its value in SI base units and its dimension."""

    name: str
    factor: float
    dim: Dim


# (sympy quantity, short symbols that take prefixes, long names that take
# prefixes, names without prefixes)
_BASE_UNITS = (
    (su.second, ("s",), ("second", "sec"), ()),
    (su.volt, ("V",), ("volt",), ()),
    (su.ampere, ("A",), ("amp", "ampere"), ()),
    (su.siemens, ("S",), ("siemens",), ()),
    (su.farad, ("F",), ("farad",), ()),
    (su.ohm, ("ohm", "Ohm"), (), ()),
    (su.hertz, ("Hz",), ("hertz",), ()),
    (su.meter, (), ("metre", "meter"), ()),
    (su.mole, ("mol",), ("mole",), ()),
    (su.mole / su.liter, (), ("molar",), ()),
    (su.liter, (), ("liter", "litre"), ()),
    (su.gram, (), ("gram",), ()),
    (su.kilogram, (), (), ("kg", "kilogram")),
    (su.coulomb, (), ("coulomb",), ()),
    (su.joule, (), ("joule",), ()),
    (su.watt, (), ("watt",), ()),
    (su.kelvin, (), ("kelvin",), ()),
)

# Prefixes allowed in front of unit symbols; sympy supplies each factor.
_PREFIX_KEYS = {
    "f": "f",
    "p": "p",
    "n": "n",
    "u": "mu",
    "\u00b5": "mu",
    "m": "m",
    "c": "c",
    "k": "k",
    "M": "M",
    "G": "G",
}

# Extra short forms in common use: mm, um, cm, mM, uM, nM.
_EXTRA = {
    "mm": ("m", su.meter),
    "cm": ("c", su.meter),
    "um": ("u", su.meter),
    "nm": ("n", su.meter),
    "mM": ("m", su.mole / su.liter),
    "uM": ("u", su.mole / su.liter),
    "nM": ("n", su.mole / su.liter),
}

_SI_BASE = [su.kilogram, su.meter, su.second, su.ampere, su.kelvin, su.mole, su.candela]


@functools.cache
def _name_table() -> dict:
    """Map each unit name to (prefix key or None, sympy quantity)."""
    table = {}
    for q, shorts, longs, plain in _BASE_UNITS:
        for name in shorts + longs + plain:
            table[name] = (None, q)
        for p in _PREFIX_KEYS:
            for name in shorts + longs:
                table.setdefault(p + name, (p, q))
    for name, (p, q) in _EXTRA.items():
        table[name] = (p, q)
    table.pop("\u00b5" + "sec", None)
    return table


def unit_names() -> list:
    """All unit names accepted in equation strings."""
    return sorted(_name_table())


def is_unit_name(name: str) -> bool:
    """True if ``name`` is a unit name (``'mV'``, ``'ms'``, ``'nsiemens'``, ...)."""
    return name in _name_table()


@functools.cache
def lookup_unit(name: str) -> UnitInfo | None:
    """Resolve a unit name through sympy; ``None`` if it is not a unit.

    Examples
    --------
    >>> lookup_unit('mV').factor
    0.001
    >>> str(lookup_unit('nS').dim)
    'siemens'
    >>> str(lookup_unit('mV').dim / lookup_unit('ms').dim)
    'volt/second'
    """
    entry = _name_table().get(name)
    if entry is None:
        return None
    prefix, q = entry
    in_si = su.convert_to(q, _SI_BASE)
    factor = in_si.subs({b: 1 for b in _SI_BASE})
    if prefix is not None:
        factor = factor * PREFIXES[_PREFIX_KEYS[prefix]].scale_factor
    return UnitInfo(name, float(factor), dim_of_quantity(q))

"""Units come from sympy.physics.units; values are SI floats."""
import pytest

from monnto.behaviours.equations.units import DIMENSIONLESS, TIME, is_unit_name, lookup_unit


@pytest.mark.parametrize(
    ("name", "factor", "dim_name"),
    [
        ("ms", 1e-3, "second"),
        ("us", 1e-6, "second"),
        ("second", 1.0, "second"),
        ("mV", 1e-3, "volt"),
        ("volt", 1.0, "volt"),
        ("nA", 1e-9, "amp"),
        ("pA", 1e-12, "amp"),
        ("nS", 1e-9, "siemens"),
        ("msiemens", 1e-3, "siemens"),
        ("pF", 1e-12, "farad"),
        ("ohm", 1.0, "ohm"),
        ("Mohm", 1e6, "ohm"),
        ("Hz", 1.0, "hertz"),
        ("kHz", 1e3, "hertz"),
        ("um", 1e-6, "metre"),
        ("cm", 1e-2, "metre"),
        ("kg", 1.0, "kilogram"),
    ],
)
def test_unit_factor_is_si_value_and_dimension_is_named(name, factor, dim_name):
    unit = lookup_unit(name)
    assert unit.factor == pytest.approx(factor, rel=1e-15)
    assert str(unit.dim).startswith(dim_name)


def test_molar_is_mol_per_litre():
    assert lookup_unit("mM").factor == pytest.approx(1.0)  # 1 mmol/L = 1 mol/m**3
    assert lookup_unit("molar").factor == pytest.approx(1000.0)


def test_derived_dimensions_agree():
    volt, amp, ohm = (lookup_unit(n).dim for n in ("volt", "amp", "ohm"))
    assert amp * ohm == volt
    siemens, farad, second = (lookup_unit(n).dim for n in ("siemens", "farad", "second"))
    assert farad / siemens == second == TIME
    assert lookup_unit("Hz").dim * TIME == DIMENSIONLESS


def test_unknown_names_are_not_units():
    assert lookup_unit("mVolt") is None
    assert not is_unit_name("tau")
    assert not is_unit_name("m")  # left free for gating variables

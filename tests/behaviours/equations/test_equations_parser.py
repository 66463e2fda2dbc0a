"""Parsing, dimension checks and error messages."""
import pytest
import sympy

from monnto.behaviours.equations.parser import (
    EquationError,
    ExpressionConverter,
    parse_duration,
    parse_equation_lines,
    parse_statements,
    parse_unit,
)
from monnto.behaviours.equations.units import DIMENSIONLESS, TIME, lookup_unit

VOLT = lookup_unit("volt").dim


def conv(**variables):
    table = {n: (sympy.Symbol(n, real=True), d) for n, d in variables.items()}
    return ExpressionConverter(table, "Equation 'test'")


def test_units_become_si_numbers():
    typed = conv(v=VOLT, tau=TIME).convert("(0*mV - v)/tau")
    v, tau = sympy.symbols("v tau", real=True)
    assert sympy.simplify(typed.expr - (-v / tau)) == 0
    assert typed.dim == VOLT / TIME
    assert float(conv().convert("1*mV").expr) == pytest.approx(1e-3)


def test_inconsistent_dimensions_name_term_and_both_dimensions():
    with pytest.raises(EquationError) as err:
        conv(v=VOLT).convert("v - 1*ms")
    msg = str(err.value)
    assert "Equation 'test'" in msg
    assert "'v - 1 * ms'" in msg
    assert "volt" in msg and "second" in msg


def test_unknown_unit_or_variable_is_named():
    with pytest.raises(EquationError, match="unknown name 'mVolt'"):
        conv(v=VOLT).convert("v + 1*mVolt")
    with pytest.raises(EquationError, match="unknown name 'w'"):
        conv(v=VOLT).convert("v + w")


def test_syntax_error_names_the_expression():
    with pytest.raises(EquationError, match="not a valid expression"):
        conv(v=VOLT).convert("(v + ")


def test_function_arguments_checked():
    assert conv(v=VOLT).convert("exp(v/mV)").dim == DIMENSIONLESS
    with pytest.raises(EquationError, match="must be dimensionless"):
        conv(v=VOLT).convert("exp(v)")
    assert conv(v=VOLT).convert("sqrt(v*v)").dim == VOLT
    assert conv(v=VOLT).convert("v**2").dim == VOLT * VOLT
    with pytest.raises(EquationError, match="unknown function"):
        conv(v=VOLT).convert("foo(v)")


def test_conditions():
    typed = conv(v=VOLT).convert("v > -50*mV and v < 0*mV")
    assert typed.is_bool
    with pytest.raises(EquationError, match="inconsistent"):
        conv(v=VOLT).convert("v > 1*ms")


def test_zero_literal_fits_any_dimension():
    assert conv(v=VOLT).convert("0 - v").dim == VOLT


def test_equation_lines_brian2_style():
    lines = parse_equation_lines(
        """
        dv/dt = (ge - (v - El))/taum : volt (unless refractory)  # comment
        dge/dt = -ge/taue : volt
        I = ge/ohm : amp
        tau : second
        """,
        "ctx",
    )
    assert [(ln.kind, ln.name) for ln in lines] == [("diff", "v"), ("diff", "ge"), ("sub", "I"), ("param", "tau")]
    assert lines[0].flags == ("unless refractory",)
    assert lines[0].unit == "volt"
    one_line = parse_equation_lines("dv/dt=(0*mV-v)/tau", "ctx")
    assert one_line[0].unit is None and one_line[0].expr == "(0*mV-v)/tau"


@pytest.mark.parametrize("bad", ["d v/dt = -v/tau", "dv/d t = -v/tau", "dv/dt -v/tau", "dv/dt = "])
def test_bad_equation_lines_name_the_equation(bad):
    with pytest.raises(EquationError) as err:
        parse_equation_lines(bad, f"Equation(eq={bad!r})")
    assert repr(bad) in str(err.value)


def test_space_in_derivative_gives_a_hint():
    with pytest.raises(EquationError, match="without spaces"):
        parse_equation_lines("d v/dt = -v/tau", "ctx")


def test_unknown_flag_rejected():
    with pytest.raises(EquationError, match="unknown flag"):
        parse_equation_lines("dv/dt = -v/tau : volt (sometimes)", "ctx")


def test_statements():
    stmts = parse_statements("v = -60*mV; w += 1*nA", "ctx")
    assert [(s.target, s.op, s.expr) for s in stmts] == [("v", "=", "-60*mV"), ("w", "+=", "1*nA")]
    with pytest.raises(EquationError, match="cannot parse statement"):
        parse_statements("v == 3", "ctx")


def test_units_and_durations():
    assert parse_unit("volt", "ctx") == (1.0, VOLT)
    assert parse_unit("1", "ctx") == (1.0, DIMENSIONLESS)
    assert parse_duration("0.1*ms", "ctx") == pytest.approx(1e-4, rel=1e-15)
    with pytest.raises(EquationError, match="expected a duration"):
        parse_duration("1*mV", "ctx")

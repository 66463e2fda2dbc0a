"""The printers of the equation emitter: one expression language, rendered per target."""
import math

import numpy as np
import pytest

from monnto.behaviours.equations.printers import NotCompilable, NumpyPrinter, ScalarPrinter, check_expression

pytestmark = [pytest.mark.numpy_only, pytest.mark.numpy_target]


@pytest.mark.parametrize("text", [
    "__import__('os').system('true')", "v.__class__", "(lambda: 1)()", "v[0]", "open('x')",
    "numpy.load('x')", "numpy.exp(v, out=v)", "'text'", "[v for v in w]", "v if w else (yield)",
])
def test_the_grammar_refuses_anything_but_arithmetic_on_names(text):
    with pytest.raises(ValueError):
        check_expression(text)


@pytest.mark.parametrize("text, scalar", [
    ("numpy.exp(-v/tau)", "math.exp(-v / tau)"),
    ("x**2", "x * x"),
    ("x**(-1.0)", "1.0 / x"),
    ("x**0.5", "math.sqrt(x)"),
    ("((numpy.greater(v, 1)) & (numpy.less(w, 2)))", "v > 1 and w < 2"),
    ("numpy.logical_not(numpy.equal(v, 0))", "not v == 0"),
    ("numpy.where(c, a, b)", "a if c else b"),
    ("clip(w + a, 0, numpy.inf)", "_eq_clip(w + a, 0, math.inf)"),
    ("_phi1(2*x)*numpy.pi", "_eq_phi1(2 * x) * math.pi"),
])
def test_the_scalar_printer_writes_the_one_element_form(text, scalar):
    assert NumpyPrinter().expr(text) == text
    assert ScalarPrinter().expr(text) == scalar


def test_scalar_forms_compute_the_numpy_numbers(rng):
    from monnto.behaviours.equations.printers import SCALAR_HELPERS

    helpers = {"math": math}
    exec(SCALAR_HELPERS, helpers)  # noqa: S102 - the module's own helper text
    x = rng.uniform(-2, 2, 50)
    for text in ("x**2 + x**(-1.0)", "clip(x, -1, 0.5)", "numpy.sign(x)*numpy.sqrt(numpy.abs(x))",
                 "numpy.where(numpy.greater(x, 0), x, 0.5*x)"):
        array = eval(text, {"numpy": np, "clip": np.clip, "x": x})  # noqa: S307
        scalar = [eval(ScalarPrinter().expr(text), dict(helpers, x=float(v))) for v in x]  # noqa: S307
        np.testing.assert_array_equal(array, scalar)


def test_numpy_functions_without_a_scalar_form_are_refused_by_the_scalar_printer():
    with pytest.raises(NotCompilable):
        ScalarPrinter().expr("numpy.select([numpy.greater(x, 1), True], [x, y], default=numpy.nan)")

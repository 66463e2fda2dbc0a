"""Pure integrator functions (no network)."""
import numpy as np
import pytest
import sympy

from monnto.behaviours.equations.codegen import print_expr
from monnto.behaviours.equations.integrators import NotApplicable, choose_method, integrate, linear_system
from monnto.behaviours.equations.runtime import make_phi1

x, y, t, tau = sympy.symbols("x y t tau", real=True)


def test_automatic_method_choice():
    assert choose_method({x: -x / tau}) == "exact"
    assert choose_method({x: y, y: -x}) == "exact"
    assert choose_method({x: -x * y, y: -y}) == "exponential_euler"
    assert choose_method({x: x**2}) == "rk4"
    assert choose_method({x: -x + sympy.sin(t)}, t=t) == "exponential_euler"


def test_linear_system_rejects_nonlinear_and_time_dependent():
    M, b = linear_system({x: -x / tau + 3, y: x - y})
    assert M == sympy.Matrix([[-1 / tau, 0], [1, -1]]) and b == sympy.Matrix([3, 0])
    with pytest.raises(NotApplicable, match="not linear"):
        linear_system({x: x * y, y: -y})
    with pytest.raises(NotApplicable, match="depends on time"):
        linear_system({x: -x * t}, t)


def test_exact_harmonic_oscillator_is_a_rotation():
    h = 0.3
    scheme = integrate({x: y, y: -x}, "exact", sympy.Float(h))
    new_x = sympy.lambdify((x, y), scheme.updates[x])(1.0, 0.0)
    new_y = sympy.lambdify((x, y), scheme.updates[y])(1.0, 0.0)
    assert new_x == pytest.approx(np.cos(h), rel=1e-14)
    assert new_y == pytest.approx(-np.sin(h), rel=1e-14)


def test_exact_handles_pure_integration():
    scheme = integrate({x: 2 + 0 * x}, "exact", sympy.Float(0.5))
    assert sympy.simplify(scheme.updates[x] - (x + 1)) == 0


def test_phi1_is_accurate_near_zero():
    phi1 = make_phi1(np)
    z = np.array([0.0, 1e-12, -1e-8, 1.0])
    np.testing.assert_allclose(phi1(z), [1.0, 1.0 + 5e-13, 1.0 - 5e-9, np.e - 1], rtol=1e-15)
    assert phi1(0.0) == 1.0


def test_unknown_method():
    with pytest.raises(ValueError, match="unknown integration method 'milstein'"):
        integrate({x: -x}, "milstein", 0.1)


def test_printed_floats_keep_full_precision():
    assert print_expr(sympy.Float(1 / 3) * x) == f"{1 / 3!r}*x"


def test_triangular_exp_matches_scipy_expm():
    from scipy.linalg import expm

    from monnto.behaviours.equations.integrators import triangular_exp

    rng = np.random.default_rng(7)
    T = np.triu(rng.normal(size=(5, 5)))
    F = np.array(triangular_exp(sympy.Matrix(T)).evalf(), dtype=float)
    np.testing.assert_allclose(F, expm(T), rtol=1e-12, atol=1e-14)
    assert triangular_exp(sympy.Matrix([[1, 2], [0, 1]])) is None  # repeated diagonal


def test_exact_coupled_triangular_system_matches_expm():
    from scipy.linalg import expm

    v, ge, gi = sympy.symbols("v ge gi", real=True)
    rhs = {v: (ge + gi - (v + 0.049)) / 0.02, ge: -ge / 0.005, gi: -gi / 0.01}
    scheme = integrate(rhs, "exact", sympy.Float(1e-4))
    state = {v: -0.055, ge: 0.002, gi: -0.001}
    new = [float(scheme.updates[s].subs(state)) for s in (v, ge, gi)]
    A = np.array([[-50, 50, 50, -0.049 * 50], [0, -200, 0, 0], [0, 0, -100, 0], [0, 0, 0, 0]])
    expected = expm(A * 1e-4) @ np.array([-0.055, 0.002, -0.001, 1.0])
    np.testing.assert_allclose(new, expected[:3], rtol=1e-12)

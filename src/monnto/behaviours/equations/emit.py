"""The emitter of the equation behaviours: a program (plain data) in, a step function's source out.

Compilation has three stages, as in Brian2:

1. **parse and check** (:mod:`.parser`, :mod:`.units`; sympy): names,
   units and dimensions;
2. **choose the integration scheme** (:mod:`.integrators`): the updates
   of one step as sympy assignments;
3. **emit** (this module): the assignments, printed into the expression
   language of :mod:`.printers`, form a *program*, a JSON-ready dict; the
   program is rendered by one printer per target.

A program says what one step computes, element by element (neurons, or
synapses of a SynapseGroup), and nothing about loops or arrays. Kinds:

``'equation'`` (:class:`~.modules.Equation`)
    ``reads`` (group variables), ``time``/``t0`` (uses ``t``, ``t - dt``),
    ``noise`` (white-noise symbols, one standard normal each),
    ``freeze`` (``(unless refractory)``), ``lets`` (``[name, expr]``
    computed in order) and ``writes`` (``[variable, mode, name]``, mode
    ``'+='``, ``'*='``, ``'='`` or ``'where'``: only where not refractory);
    ``summed``: sums over synapses (see :mod:`.synaptic_program`).
``'threshold'`` (:class:`~.events.Threshold`)
    ``reads``, ``rand`` (uniform symbols), ``cond``.
``'reset'`` (:class:`~.events.Reset`)
    ``statements``: ``{target, op, expr, reads: [[local, name, per_element]]}``.
``'synaptic'`` (:class:`~.synaptic.OnPre`, :class:`~.synaptic.OnPost`)
    see :mod:`.synaptic_program`.

:func:`numpy_source` renders a program for the numpy target (and torch,
through the group's array namespace); :mod:`monnto.targets.numba_equations`
renders the same program with the :class:`~.printers.ScalarPrinter` into a
per-element loop for numba. Because the program is data, it is also what the
equation cache stores (:mod:`.eqcache`): a model seen before is emitted
again without parsing, and without importing sympy.
"""

from __future__ import annotations

from .printers import NumpyPrinter

__all__ = ["METHODS", "check_program", "numpy_source"]

#: the integration methods (:mod:`.integrators`), named here so that checking ``method=`` needs no sympy
METHODS = ("euler", "rk2", "rk4", "exponential_euler", "exact", "heun")

_WRITE_MODES = ("+=", "*=", "=", "where")
_STATEMENT_OPS = ("=", "+=", "-=", "*=", "/=")


def _name(value, what: str) -> str:
    if not isinstance(value, str) or not value.isidentifier() or value.startswith("__"):
        raise ValueError(f"program: {what} must be an identifier, got {value!r}")
    return value


def _names(values, what: str) -> list:
    if not isinstance(values, list):
        raise ValueError(f"program: {what} must be a list, got {type(values).__name__}")
    return [_name(v, what) for v in values]


def check_program(program: dict) -> dict:
    """Check the structure of a program (names are identifiers, expressions in the grammar).

    Every program is checked before it is emitted, whether it was just made
    or read from the equation cache.

    Raises
    ------
    ValueError
        Naming the first field that is not as expected.
    """
    from .printers import check_expression

    if not isinstance(program, dict) or not isinstance(program.get("kind"), str):
        raise ValueError("program: expected a dict with a 'kind'")
    kind = program["kind"]
    if kind == "equation":
        from .dims import dim_from_data

        _names(program["reads"], "reads")
        _names(program["noise"], "noise")
        _names(program["ensure_params"], "ensure_params")
        _names(program["ensure_states"], "ensure_states")
        for name, data in program["dims"].items():
            _name(name, "a variable with a dimension")
            dim_from_data(data)
        if not all(isinstance(w, str) for w in program["warnings"]):
            raise ValueError("program: warnings must be strings")
        if program["method"] is not None and program["method"] not in METHODS:
            raise ValueError(f"program: method {program['method']!r} is not one of {METHODS}")
        for name, expr in program["lets"]:
            _name(name, "a let name")
            check_expression(expr)
        for var, mode, temp in program["writes"]:
            _name(var, "a written variable")
            _name(temp, "a write's value")
            if mode not in _WRITE_MODES:
                raise ValueError(f"program: write mode {mode!r} is not one of {_WRITE_MODES}")
        if not isinstance(program["dt"], float):
            raise ValueError(f"program: dt must be a float, got {program['dt']!r}")
        for key in ("time", "t0", "freeze"):
            if not isinstance(program[key], bool):
                raise ValueError(f"program: {key} must be True or False, got {program[key]!r}")
        if program.get("summed"):
            from .synaptic_program import check_summed

            check_summed(program["summed"])
    elif kind == "threshold":
        _names(program["reads"], "reads")
        _names(program["rand"], "rand")
        check_expression(program["cond"])
    elif kind == "reset":
        for stmt in program["statements"]:
            _name(stmt["target"], "a statement's target")
            if stmt["op"] not in _STATEMENT_OPS:
                raise ValueError(f"program: statement operator {stmt['op']!r} is not one of {_STATEMENT_OPS}")
            check_expression(stmt["expr"])
            for local, name, per_element in stmt["reads"]:
                _name(local, "a local name")
                _name(name, "a variable")
                if not isinstance(per_element, bool):
                    raise ValueError(f"program: per_element must be True or False, got {per_element!r}")
    elif kind == "synaptic":
        from .synaptic_program import check_synaptic

        check_synaptic(program)
    else:
        raise ValueError(f"program: unknown kind {kind!r}")
    return program


# -- numpy ----------------------------------------------------------------------


def numpy_source(program: dict) -> str:
    """Source of ``def _step(_grp)`` for the numpy target (whole arrays, in place).

    Globals the function uses besides ``numpy``: ``_normal``/``_uniform``,
    ``_key``, ``_shape``, ``_start`` and ``_from_numpy`` for random terms (see
    :func:`monnto.behaviours.equations.noise.normal`).
    """
    check_program(program)
    return {"equation": _numpy_equation, "threshold": _numpy_threshold, "reset": _numpy_reset,
            "synaptic": _numpy_synaptic}[program["kind"]](program, NumpyPrinter())


def _numpy_equation(program: dict, printer) -> str:
    lines = ["def _step(_grp):"]
    lines += [f"    {n} = _grp.{n}" for n in sorted(program["reads"])]
    if program["time"]:
        lines.append("    t = _grp.t")
    if program["t0"]:
        lines.append(f"    _t0 = _grp.t - {program['dt']!r}")
    for k, name in enumerate(program["noise"]):  # one standard normal per element, step and xi
        lines.append(f"    {name} = _from_numpy(_normal(_key, _grp.network.iteration, _shape, {k}, _start))")
    if program["freeze"]:
        lines.append("    _nr = _grp.not_refractory")
    lines += [f"    {name} = {printer.expr(expr)}" for name, expr in program["lets"]]
    for var, mode, temp in program["writes"]:
        if mode == "where":
            lines.append(f"    {var}[...] = numpy.where(_nr, {temp}, {var})")
        elif mode == "=":
            lines.append(f"    {var}[...] = {temp}")
        else:
            lines.append(f"    {var} {mode} {temp}")
    if not program["lets"] and not program["writes"]:
        lines.append("    pass")
    source = "\n".join(lines) + "\n"
    if program.get("summed"):
        from .synaptic_program import numpy_summed_lines

        source += "".join(line + "\n" for line in numpy_summed_lines(program["summed"], printer))
    return source


def _numpy_threshold(program: dict, printer) -> str:
    lines = ["def _step(_grp):"]
    lines += [f"    {n} = _grp.{n}" for n in sorted(program["reads"])]
    lines += [f"    {name} = _from_numpy(_uniform(_key, _grp.network.iteration, _shape, {k}, _start))"
              for k, name in enumerate(program["rand"])]
    lines += [
        "    _spk = _grp.spike",
        f"    _spk[...] = {printer.expr(program['cond'])}",
        "    _ref = _grp.__dict__.get('refractory')",
        "    if _ref is not None:",
        "        _nr = _grp.not_refractory",
        "        _spk &= _nr",
        "        _t = _grp.t",
        "        _ls = _grp.lastspike",
        "        _ls[_spk] = _t",
        "        _dt = _grp.dt",
        "        _nr[...] = numpy.greater(_t + _dt - _ls, _ref - 0.5 * _dt)",
    ]
    return "\n".join(lines) + "\n"


def _numpy_reset(program: dict, printer) -> str:
    lines = ["def _step(_grp):",
             "    _spk = _grp.spike",
             "    if _spk.any():",  # no early return: the network may fuse this step with others
             "        _i = numpy.nonzero(_spk)[0]"]
    for stmt in program["statements"]:
        lines.append(f"        _tgt = _grp.{stmt['target']}")
        for local, name, per_element in stmt["reads"]:
            lines.append(f"        {local} = _grp.{name}" + ("[_i]" if per_element else ""))
        expr = printer.expr(stmt["expr"])
        if stmt["op"] == "=":
            lines.append(f"        _tgt[_i] = {expr}")
        else:
            lines.append(f"        _tgt[_i] {stmt['op']} {expr}")
    return "\n".join(lines) + "\n"


def _numpy_synaptic(program: dict, printer) -> str:
    from .synaptic_program import numpy_synaptic_source

    return numpy_synaptic_source(program, printer)


# -- per-element loops (numba) ----------------------------------------------------

#: decorator of generated loop kernels: float division by zero gives inf/NaN as in numpy
LOOP_DECORATOR = "@njit(cache=True, nogil=True, error_model='numpy')"
#: the same, with the outer loop over elements split over threads (``Network(threads=...)``)
PARALLEL_DECORATOR = "@njit(cache=True, nogil=True, error_model='numpy', parallel=True)"


class LoopLayout:
    """How a loop kernel receives each variable of a program.

    Parameters
    ----------
    shape : tuple of int
        The elements: ``(N,)`` for a NeuronGroup, ``(D, S)`` for a SynapseGroup.
    kinds : dict
        ``{name: 'e' | 's'}``: one value per element (an array of ``shape``)
        or one value for all (a number).
    has_refractory : bool
        Threshold only: the group has ``refractory`` (then ``refractory``
        is in ``kinds`` too).
    parallel : bool
        Split the outer loop over threads (``prange``); every element's
        work is independent and its random draws are counter-based, so the
        results do not change.
    """

    def __init__(self, shape: tuple, kinds: dict, has_refractory: bool = False, parallel: bool = False):
        self.shape = tuple(shape)
        self.kinds = dict(kinds)
        self.has_refractory = has_refractory
        self.parallel = parallel

    def signature(self) -> str:
        return f"{self.shape!r}|{sorted(self.kinds.items())!r}|{self.has_refractory}|{self.parallel}"


def _loop_head(shape: tuple, parallel: bool = False, indent: str = "    ") -> tuple[list, str, str, str]:
    """Loop lines over the elements; returns ``(lines, body indent, index, flat index)``."""
    outer = "prange" if parallel else "range"
    if len(shape) == 1:
        return [f"{indent}for _e in {outer}(_n0):"], indent + "    ", "_e", "_e"
    return ([f"{indent}for _r in {outer}(_n0):", f"{indent}    for _c in range(_n1):"], indent + "        ",
            "_r, _c", "_r * _n1 + _c")


def _arg(name: str, kind: str) -> str:
    return f"_a_{name}" if kind == "e" else f"_c_{name}"


def loop_source(program: dict, function: str, layout: LoopLayout, printer) -> str:
    """Source of the per-element kernel ``function(it, ...)`` of a neuron or synapse program.

    The arguments after ``it`` are listed by :func:`loop_arguments`. The
    kernel does element by element what :func:`numpy_source` does array by
    array, in the same order of operations (see :mod:`.printers`).
    """
    check_program(program)
    kind = program["kind"]
    if kind not in ("equation", "threshold", "reset"):
        from .printers import NotCompilable

        raise NotCompilable(f"a {kind} program has no loop form")
    args = loop_arguments(program, layout)
    lines = [PARALLEL_DECORATOR if layout.parallel else LOOP_DECORATOR, f"def {function}(it, {', '.join(args)}):"]
    elementwise = kind != "equation" or bool(program["writes"])
    if elementwise:
        lines += [f"    _n{d} = {_first_array(program, layout)}.shape[{d}]" for d in range(len(layout.shape))]
    lines += ["    t = (it + _t_off) * _dt"]
    loop, ind, index, flat = _loop_head(layout.shape, layout.parallel)
    k = layout.kinds
    if kind == "equation" and program.get("summed"):
        from .synaptic_program import loop_summed_lines

        summed = loop_summed_lines(program["summed"], printer, layout.parallel)
    else:
        summed = []
    if kind == "equation" and not elementwise:
        pass
    elif kind == "equation":
        if program["t0"]:
            lines.append(f"    _t0 = t - {program['dt']!r}")
        lines += [f"    {n} = _c_{n}" for n in sorted(program["reads"]) if k[n] == "s"]
        lines += loop
        lines += [f"{ind}{n} = _a_{n}[{index}]" for n in sorted(program["reads"]) if k[n] == "e"]
        for j, name in enumerate(program["noise"]):
            lines.append(f"{ind}{name} = _eq_normal(_key, it, _start + {flat}, {j})")
        if program["freeze"]:
            lines.append(f"{ind}_nr = _a_not_refractory[{index}]")
        lines += [f"{ind}{name} = {printer.expr(expr)}" for name, expr in program["lets"]]
        for var, mode, temp in program["writes"]:
            value = {"+=": f"{var} + {temp}", "*=": f"{var} * {temp}", "=": temp,
                     "where": f"{temp} if _nr else {var}"}[mode]
            lines.append(f"{ind}_a_{var}[{index}] = {value}")
    if summed:  # after the synaptic variables were integrated, as on the numpy target
        lines += summed
    if kind == "equation":
        pass
    elif kind == "threshold":
        lines += [f"    {n} = _c_{n}" for n in sorted(program["reads"]) if n != "t" and k[n] == "s"]
        if layout.has_refractory and k["refractory"] == "s":
            lines.append("    _ref = _c_refractory")
        lines += loop
        lines += [f"{ind}{n} = _a_{n}[{index}]" for n in sorted(program["reads"]) if n != "t" and k[n] == "e"]
        for j, name in enumerate(program["rand"]):
            lines.append(f"{ind}{name} = _eq_uniform(_key, it, _start + {flat}, {j})")
        lines.append(f"{ind}_s = bool({printer.expr(program['cond'])})")
        if layout.has_refractory:
            if k["refractory"] == "e":
                lines.append(f"{ind}_ref = _a_refractory[{index}]")
            lines += [f"{ind}_s = _s and _a_not_refractory[{index}]",
                      f"{ind}if _s:",
                      f"{ind}    _a_lastspike[{index}] = t",
                      f"{ind}_a_not_refractory[{index}] = (t + _dt - _a_lastspike[{index}]) > (_ref - 0.5 * _dt)"]
        lines.append(f"{ind}_a_spike[{index}] = _s")
    else:  # reset
        lines += loop + [f"{ind}if _a_spike[{index}]:"]
        ind += "    "
        for stmt in program["statements"]:
            for local, name, _ in stmt["reads"]:
                if name == "t":
                    lines.append(f"{ind}{local} = t")
                else:
                    lines.append(f"{ind}{local} = " + (f"_a_{name}[{index}]" if k[name] == "e" else f"_c_{name}"))
            value = printer.expr(stmt["expr"])
            target = f"_a_{stmt['target']}[{index}]"
            if stmt["op"] == "=":
                lines.append(f"{ind}{target} = {value}")
            else:
                lines.append(f"{ind}{target} = {target} {stmt['op'][0]} ({value})")
        ind = ind[:-4]
    return "\n".join(lines) + "\n"


def loop_variables(program: dict) -> list[str]:
    """The group variables a program's loop kernel reads or writes (its array or number arguments;
    summed variables' operands come after them, see :func:`.synaptic_program.summed_arguments`)."""
    kind = program["kind"]
    if kind == "equation":
        names = set(program["reads"]) | {v for v, _, _ in program["writes"]}
        if program["freeze"]:
            names.add("not_refractory")
    elif kind == "threshold":
        names = set(program["reads"]) - {"t"} | {"spike"}
    else:
        names = {"spike"} | {s["target"] for s in program["statements"]}
        names |= {name for s in program["statements"] for _, name, _ in s["reads"] if name != "t"}
    return sorted(names)


def loop_arguments(program: dict, layout: LoopLayout) -> list[str]:
    """Names of a loop kernel's arguments after ``it``: ``_t_off``, ``_dt``, ``_key``, ``_start`` (the first
    element's global number, for draws), then the variables
    (``_a_<name>`` arrays, ``_c_<name>`` numbers) in :func:`loop_variables` order (Threshold with
    refractoriness: then ``refractory``, ``not_refractory``, ``lastspike``)."""
    args = ["_t_off", "_dt", "_key", "_start"]
    args += [_arg(n, layout.kinds[n]) for n in loop_variables(program)]
    if program["kind"] == "threshold" and layout.has_refractory:
        args += [_arg("refractory", layout.kinds["refractory"]), "_a_not_refractory", "_a_lastspike"]
    if program["kind"] == "equation" and program.get("summed"):
        from .synaptic_program import summed_arguments

        args += summed_arguments(program["summed"])
    return list(dict.fromkeys(args))


def _first_array(program: dict, layout: LoopLayout) -> str:
    if program["kind"] == "equation":
        return f"_a_{program['writes'][0][0]}"
    return "_a_spike"


#: scalar random helpers of loop kernels (the draws of :mod:`.noise`, one element at a time)
LOOP_RANDOM = '''
def _eq_unit(key, it, i, sub):
    return bits_to_unit(draw_bits(key, np.uint64(it), np.uint64(i), np.uint64(sub)))


def _eq_uniform(key, it, i, k):
    return _eq_unit(key, it, i, k)


def _eq_normal(key, it, i, k):
    u1 = _eq_unit(key, it, i, 2 * k)
    u2 = _eq_unit(key, it, i, 2 * k + 1)
    return math.sqrt(-2.0 * math.log(1.0 - u1)) * math.cos(2.0 * math.pi * u2)
'''

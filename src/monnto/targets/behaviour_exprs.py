"""Expressions of a compiled step: the part of the translator that writes values.

Reads of monnto objects' attributes, arithmetic, numpy and math calls, matrix
products (``W.dot(x)``, ``W @ x``, ``np.dot``) and the init helpers inside a
step (``neurons.get_neuron_vec('uniform', density=0.01)``, drawn from the
network's generator in numpy's order). Used by
:class:`monnto.targets.behaviour_translate._Translator`; see that module.
"""
from __future__ import annotations

import ast
from typing import Any

import numpy as np

from .random_streams import COUNTER_DISTRIBUTIONS, parse_counter_distribution

__all__ = ["ARRAY_METHODS", "BUILTINS", "ExpressionMixin", "MATH_FUNCTIONS", "NP_FUNCTIONS"]

#: numpy functions a compiled step may call (numba compiles each of them)
NP_FUNCTIONS = frozenset({
    "abs", "absolute", "all", "any", "arange", "arccos", "arcsin", "arctan", "argmax", "argmin", "ceil", "clip",
    "copy", "cos", "cosh", "empty", "empty_like", "exp", "expm1", "flatnonzero", "floor", "full", "full_like",
    "isfinite", "isnan", "log", "log1p", "log2", "log10", "logical_and", "logical_not", "logical_or",
    "logical_xor", "max", "maximum", "mean", "min", "minimum", "outer", "power", "round", "sign", "sin", "sinh",
    "sqrt", "square", "std", "sum", "tan", "tanh", "where", "zeros", "zeros_like", "ones", "ones_like"})
#: numpy names read as values (constants and dtypes)
NP_VALUES = frozenset({"pi", "e", "inf", "nan", "float64", "float32", "int64", "int32", "bool_"})
MATH_FUNCTIONS = frozenset({"exp", "log", "sqrt", "tanh", "sin", "cos", "floor", "ceil", "fabs", "pow", "log1p",
                            "expm1", "isnan", "isfinite"})
MATH_VALUES = frozenset({"pi", "e", "inf", "nan"})
BUILTINS = frozenset({"abs", "min", "max", "float", "int", "bool", "len", "round"})
ARRAY_METHODS = frozenset({"copy", "sum", "mean", "max", "min", "any", "all", "astype", "fill", "argmax",
                           "argmin", "nonzero", "std"})
ARRAY_ATTRIBUTES = frozenset({"T", "shape", "size", "ndim"})
_CONSTANT_MODES = {"zeros": 0.0, "ones": 1.0}
_OPS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.FloorDiv: "//", ast.Mod: "%",
        ast.Pow: "**", ast.BitAnd: "&", ast.BitOr: "|", ast.BitXor: "^", ast.LShift: "<<", ast.RShift: ">>"}
_CMP = {ast.Gt: ">", ast.GtE: ">=", ast.Lt: "<", ast.LtE: "<=", ast.Eq: "==", ast.NotEq: "!="}
_UNARY = {ast.USub: "-", ast.UAdd: "+", ast.Invert: "~", ast.Not: "not "}
_MISSING = object()


class ExpressionMixin:
    """The translator's expression methods (``expr_<node kind>``, calls, products, draws)."""

    def expr(self, node: ast.AST) -> tuple[str, str]:
        """(code, kind): kind is 'bool' when the value is boolean, else 'num'."""
        method = getattr(self, f"expr_{type(node).__name__}", None)
        if method is None:
            raise self.fail(node, f"the expression kind `{type(node).__name__}` is not compiled")
        return method(node)

    def expr_Constant(self, node: ast.Constant) -> tuple[str, str]:
        value = node.value
        if value is None or isinstance(value, (bool, int, float)):
            return repr(value), "bool" if isinstance(value, bool) else "num"
        raise self.fail(node, f"a {type(value).__name__} constant outside get_neuron_vec's mode")

    def expr_Name(self, node: ast.Name) -> tuple[str, str]:
        if node.id in self.locals:
            return f"_l_{node.id}", "num"
        if node.id in self.scope:
            raise self.fail(node, "a monnto object itself (use its attributes)")
        value = self.globals.get(node.id, _MISSING)
        if isinstance(value, (bool, int, float, np.integer, np.floating)):  # a constant, read at initialize
            value = value.item() if isinstance(value, np.generic) else value
            if isinstance(value, float) and not np.isfinite(value):
                return ("np.nan" if np.isnan(value) else "np.inf" if value > 0 else "(-np.inf)"), "num"
            return repr(value), "bool" if isinstance(value, bool) else "num"
        raise self.fail(node, f"the name `{node.id}` (compiled steps see their locals, self, the group, "
                              f"np, math and number constants of the module)")

    def expr_Attribute(self, node: ast.Attribute) -> tuple[str, str]:
        if isinstance(node.value, ast.Name) and node.value.id not in self.locals and node.value.id not in self.scope:
            module = self.globals.get(node.value.id)
            if module is np and node.attr in NP_VALUES:
                return f"np.{node.attr}", "num"
            if getattr(module, "__name__", None) == "math" and node.attr in MATH_VALUES:
                return f"math.{node.attr}", "num"
        if self.ref(node.value) is not None:
            if self.ref(node) is not None:
                raise self.fail(node, "a monnto object itself (use its attributes)")
            name, kind = self.attribute(node)
            if kind == "sparse":
                raise self.fail(node, "a sparse matrix can only be used as W.dot(x) or W @ x")
            arg = self.arguments.get(name)
            is_bool = arg is not None and arg.kind == "array" and (
                arg.create is np.bool_ or getattr(getattr(arg.owner, arg.attr, None), "dtype", None) == np.bool_)
            return name, "bool" if is_bool else "num"
        if node.attr in ARRAY_ATTRIBUTES:
            return f"{self.expr(node.value)[0]}.{node.attr}", "num"
        raise self.fail(node, f"the attribute `{node.attr}` of a value that is no monnto object")

    def expr_BinOp(self, node: ast.BinOp) -> tuple[str, str]:
        if isinstance(node.op, ast.MatMult):
            return self.matmul(node.left, node.right, node), "num"
        op = _OPS.get(type(node.op))
        left, lk = self.expr(node.left)
        right, rk = self.expr(node.right)
        kind = "bool" if op in "&|^" and lk == rk == "bool" else "num"
        return f"({left} {op} {right})", kind

    def expr_UnaryOp(self, node: ast.UnaryOp) -> tuple[str, str]:
        code, kind = self.expr(node.operand)
        op = _UNARY[type(node.op)]
        return f"({op}{code})", "bool" if isinstance(node.op, (ast.Not, ast.Invert)) and kind == "bool" else (
            "bool" if isinstance(node.op, ast.Not) else "num")

    def expr_Compare(self, node: ast.Compare) -> tuple[str, str]:
        parts = [self.expr(node.left)[0]]
        for op, right in zip(node.ops, node.comparators):
            if type(op) not in _CMP:
                raise self.fail(node, "comparisons with is / in (only <, <=, >, >=, ==, !=)")
            parts += [_CMP[type(op)], self.expr(right)[0]]
        return f"({' '.join(parts)})", "bool"

    def expr_BoolOp(self, node: ast.BoolOp) -> tuple[str, str]:
        op = " and " if isinstance(node.op, ast.And) else " or "
        return "(" + op.join(self.expr(v)[0] for v in node.values) + ")", "bool"

    def expr_IfExp(self, node: ast.IfExp) -> tuple[str, str]:
        body, kind = self.expr(node.body)
        return f"({body} if {self.expr(node.test)[0]} else {self.expr(node.orelse)[0]})", kind

    def expr_Subscript(self, node: ast.Subscript) -> tuple[str, str]:
        value, kind = self.expr(node.value)
        return f"{value}[{self.expr(node.slice)[0]}]", kind

    def expr_Slice(self, node: ast.Slice) -> tuple[str, str]:
        parts = [self.expr(p)[0] if p is not None else "" for p in (node.lower, node.upper, node.step)]
        return (":".join(parts[:2]) + (":" + parts[2] if node.step is not None else "")), "num"

    def expr_Tuple(self, node: ast.Tuple) -> tuple[str, str]:
        items = [self.expr(e)[0] for e in node.elts]
        return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")", "num"

    def call_arguments(self, node: ast.Call) -> str:
        parts = [self.dtype_name(a) or self.expr(a)[0] for a in node.args]
        for kw in node.keywords:
            if kw.arg is None:
                raise self.fail(node, "**kwargs")
            parts.append(f"{kw.arg}={self.dtype_name(kw.value) or self.expr(kw.value)[0]}")
        return ", ".join(parts)

    @staticmethod
    def dtype_name(node: ast.AST) -> str | None:
        if isinstance(node, ast.Name) and node.id in ("float", "int", "bool"):
            return {"float": "np.float64", "int": "np.int64", "bool": "np.bool_"}[node.id]
        return None

    def expr_Call(self, node: ast.Call) -> tuple[str, str]:
        func = node.func
        if isinstance(func, ast.Name) and func.id in BUILTINS and func.id not in self.locals:
            return f"{func.id}({self.call_arguments(node)})", "bool" if func.id == "bool" else "num"
        if not isinstance(func, ast.Attribute):
            raise self.fail(node, "calls of functions other than np.*, math.* and abs/min/max/float/int/bool/len")
        base_name = func.value.id if isinstance(func.value, ast.Name) else None
        module = self.globals.get(base_name) if base_name and base_name not in self.locals else None
        if module is np and base_name not in self.scope:
            if func.attr == "dot" and len(node.args) == 2 and not node.keywords:
                return self.matmul(node.args[0], node.args[1], node), "num"
            if func.attr not in NP_FUNCTIONS:
                raise self.fail(node, f"np.{func.attr} is not in the compiled subset's numpy functions")
            kind = "bool" if func.attr.startswith("logical_") or func.attr in ("isnan", "isfinite") else "num"
            return f"np.{func.attr}({self.call_arguments(node)})", kind
        if getattr(module, "__name__", None) == "math" and base_name not in self.scope:
            if func.attr not in MATH_FUNCTIONS:
                raise self.fail(node, f"math.{func.attr} is not in the compiled subset")
            return f"math.{func.attr}({self.call_arguments(node)})", "num"
        owner = self.ref(func.value)
        if owner is not None and func.attr in ("get_neuron_vec", "vector"):
            return self.draw(owner, node)
        if func.attr == "dot" and len(node.args) == 1 and not node.keywords:
            return self.matmul(func.value, node.args[0], node), "num"
        if owner is None and func.attr in ARRAY_METHODS:
            code = f"{self.expr(func.value)[0]}.{func.attr}({self.call_arguments(node)})"
            return code, "bool" if func.attr in ("any", "all") else "num"
        raise self.fail(node, "this call (compiled steps call np.*, math.*, get_neuron_vec/vector, W.dot and "
                              "array methods such as .sum() and .copy())")

    def matmul(self, left: ast.AST, right: ast.AST, node: ast.AST) -> str:
        x = self.expr(right)[0]
        if isinstance(left, ast.Attribute) and self.ref(left.value) is not None:
            name, kind = self.attribute(left)
            if kind == "sparse":
                base = self.ref(left.value)
                W = getattr(base.value, left.attr)
                if W.format != "csr":
                    raise self.fail(node, f"the sparse matrix is {W.format.upper()}; compiled steps use CSR")
                if hasattr(W, "_column_index"):  # monnto's event-driven CSR: walk the spiking columns
                    self.argument(name, base.value, left.attr, "csc")
                    return (f"_mt_dot_csc({name}__data, {name}__colptr, {name}__rows, {name}__order, "
                            f"{name}__nrows, {name}__bycol, {x})")
                self.argument(name, base.value, left.attr, "csr")
                return f"_mt_dot_csr({name}__data, {name}__indices, {name}__indptr, {x})"
            return f"_mt_dot_dense({name}, {x})"
        return f"_mt_dot_dense({self.expr(left)[0]}, {x})"

    # -- the init helpers inside a step ----------------------------------------
    def draw(self, owner: Any, node: ast.Call) -> tuple[str, str]:
        if owner.kind != "group":
            raise self.fail(node, "get_neuron_vec of a synapse group or network")
        names = ("mode", "scale", "density", "plot")
        given: dict[str, ast.AST] = dict(zip(names, node.args))
        for kw in node.keywords:
            if kw.arg not in names or kw.arg in given:
                raise self.fail(node, f"get_neuron_vec's argument {kw.arg!r}")
            given[kw.arg] = kw.value
        if "plot" in given:
            raise self.fail(node, "plot=... inside a step")
        mode = given.get("mode")
        if isinstance(mode, ast.Name) and mode.id in ("bool", "int"):
            dtype = "np.bool_" if mode.id == "bool" else "np.int64"
            counter = self.argument(f"{owner.prefix}__dctr", owner.value, "draw_counter", "draw_counter")
            size = self.argument(f"{owner.prefix}__size", owner.value, "size", "size")
            return f"_counted_zeros({counter}, _it, {size}, {dtype})", "bool" if mode.id == "bool" else "num"
        sample = self.mode_sample(mode, node)
        k = len(self.helpers)
        # the framework's keyed draws (monnto.core.keyed_draws): call number `take` of the group in this
        # iteration, element i from the counter -- the numbers numpy's get_neuron_vec gives
        params = ["_dkey", "_dctr", "_it", "_first", "n"] + [p for p in ("density", "scale") if p in given]
        lines = [f"def _draw{k}({', '.join(params)}):",
                 "    step = np.uint64(_it)",
                 "    key = call_key(_dkey, np.uint64(take_draw(_dctr, _it)))",
                 f"    out = np.empty(n, dtype=np.{self.dtype.name})",
                 "    for i in range(n):",
                 f"        out[i] = {sample}"]
        if "density" in given:
            lines += ["    keep = call_key(_dkey, np.uint64(take_draw(_dctr, _it)))",
                      "    for i in range(n):",
                      "        out[i] = out[i] * (1.0 if sample(0, 0.0, 0.0, keep, step, np.uint64(_first + i))"
                      " < density else 0.0)"]
        if "scale" in given:
            lines.append("    out *= scale")
        lines.append("    return out")
        self.helpers.append("\n".join(lines) + "\n")
        key = self.argument(f"{owner.prefix}__dkey", owner.value, "draw_key", "draw_key")
        counter = self.argument(f"{owner.prefix}__dctr", owner.value, "draw_counter", "draw_counter")
        first = self.argument(f"{owner.prefix}__first", owner.value, "first", "first")
        size = self.argument(f"{owner.prefix}__size", owner.value, "size", "size")
        extra = [self.expr(given[p])[0] for p in ("density", "scale") if p in given]
        return f"_draw{k}({', '.join([key, counter, '_it', first, size, *extra])})", "num"

    def mode_sample(self, mode: ast.AST | None, node: ast.AST) -> str:
        """The per-element draw (or constant) of an init mode given as a literal."""
        if mode is None:
            return "0.0"
        if isinstance(mode, ast.Constant) and isinstance(mode.value, (int, float)) and not isinstance(
                mode.value, bool):
            return repr(float(mode.value))
        if not (isinstance(mode, ast.Constant) and isinstance(mode.value, str)):
            raise self.fail(node, "the init mode must be a literal string or number")
        text = mode.value.strip()
        if ";" in text:
            raise self.fail(node, "';plot' inside a step")
        try:
            parsed = ast.parse(text, mode="eval").body
        except SyntaxError:
            raise self.fail(node, f"the init string {text!r} does not parse") from None
        name = parsed.id if isinstance(parsed, ast.Name) else (
            parsed.func.id if isinstance(parsed, ast.Call) and isinstance(parsed.func, ast.Name) else None)
        if name in _CONSTANT_MODES and isinstance(parsed, ast.Name):
            return repr(_CONSTANT_MODES[name])
        simple = parse_counter_distribution(text)
        if simple is None:
            if name in COUNTER_DISTRIBUTIONS:
                raise self.fail(node, f"the arguments of {text!r} (expected number literals)")
            raise self.fail(node, f"the init string {text!r}: inside a compiled step get_neuron_vec draws "
                                  f"{sorted(COUNTER_DISTRIBUTIONS)} (bare or with number arguments), 'zeros', "
                                  f"'ones', a number, bool or int")
        kind, a, b = simple
        return f"sample({kind}, {a!r}, {b!r}, key, step, np.uint64(_first + i))"

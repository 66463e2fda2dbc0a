"""Element-wise statements of a compiled step as one loop over the neurons.

``neurons.voltage *= self.leak_factor`` left to numba's array expressions
costs an allocation and a pass per operator; the paper's step has five such
statements per step. When a statement assigns to a 1-D array attribute and
its right side is element-wise (numbers, 1-D arrays of the same length,
arithmetic, comparisons, scalar ufuncs), it is written as one loop::

    _h0 = _draw0(g0__dkey, g0__dctr, _it, g0__first, g0__size, 0.01)   # array-valued calls first
    if _h0.shape[0] != g0__voltage.shape[0]: raise ValueError(...)
    for _i in range(g0__voltage.shape[0]):
        g0__voltage[_i] += _h0[_i]

and ``a[mask] = x`` (``mask`` a boolean array attribute, ``x`` a number) as
``if mask[_i]: a[_i] = x``. Each element is computed with the same
operations as numpy's (in the same order), so results do not change; only
the temporaries go. Anything else stays an array expression.
"""
from __future__ import annotations

import ast
from typing import Any

import numpy as np

__all__ = ["FusionMixin"]

#: numpy functions applied element-wise to numbers inside a fused loop
SCALAR_UFUNCS = frozenset({"abs", "absolute", "exp", "log", "sqrt", "tanh", "sin", "cos", "maximum", "minimum",
                           "sign", "floor", "ceil", "expm1", "log1p", "square"})
_ARITH = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.FloorDiv: "//", ast.Mod: "%",
          ast.Pow: "**", ast.BitAnd: "&", ast.BitOr: "|", ast.BitXor: "^"}
_CMP = {ast.Gt: ">", ast.GtE: ">=", ast.Lt: "<", ast.LtE: "<=", ast.Eq: "==", ast.NotEq: "!="}


class _NotFused(Exception):
    """The expression is not element-wise (left to numba's array expressions)."""


class FusionMixin:
    """Methods of the translator that write element-wise statements as loops (see the module docstring)."""

    def fused_assign(self, node: ast.AST, target: ast.AST, value: ast.AST, depth: int, op: str) -> bool:
        """Emit ``target op value`` as one loop when possible; False when not (nothing emitted)."""
        mask = None
        if isinstance(target, ast.Subscript):
            mask, target = target.slice, target.value
        if not (isinstance(target, ast.Attribute) and self.ref(target.value) is not None):
            return False
        base = self.ref(target.value)
        current = getattr(base.value, target.attr, None)
        if self.arguments.get(f"{base.prefix}__{target.attr}") is None and not (
                isinstance(current, np.ndarray) and current.ndim == 1) and not (
                current is None and base.kind == "group" and op == "=" and mask is None):
            return False
        self._hoisted: list[str] = []
        self._vectors: dict[str, Any] = {}
        try:
            code, kind, vector = self.fuse(value)
            mask_code = None
            if mask is not None:
                if vector:
                    raise _NotFused  # a[mask] = array: a gather, not element-wise
                mask_code, mask_kind, mask_vector = self.fuse(mask)
                if mask_kind != "bool" or not mask_vector:
                    raise _NotFused
        except _NotFused:
            return False
        create = (np.bool_ if kind == "bool" else self.dtype) if op == "=" and mask is None else None
        name, akind = self.attribute(target, store=True, create=create)
        if akind != "array":
            return False
        for line in self._hoisted:
            self.emit(node, depth, line)
        for other in self._vectors:
            if other != name:
                self.emit(node, depth, f"if {other}.shape[0] != {name}.shape[0]: raise ValueError("
                                       f"'compiled step: arrays of different lengths in one statement')")
        self.emit(node, depth, f"for _i in range({name}.shape[0]):")
        if mask_code is not None:
            self.emit(node, depth + 1, f"if {mask_code}:")
            depth += 1
        self.emit(node, depth + 1, f"{name}[_i] {op} {code}")
        return True

    def fuse(self, node: ast.AST) -> tuple[str, str, bool]:
        """(scalar code at index ``_i``, kind, whether it varies per element); raises _NotFused."""
        if isinstance(node, ast.Constant) and isinstance(node.value, (bool, int, float)):
            return repr(node.value), "bool" if isinstance(node.value, bool) else "num", False
        if isinstance(node, ast.Attribute) and self.ref(node.value) is not None and self.ref(node) is None:
            return self.fuse_attribute(node)
        if isinstance(node, ast.BinOp) and type(node.op) in _ARITH:
            left, lk, lv = self.fuse(node.left)
            right, rk, rv = self.fuse(node.right)
            op = _ARITH[type(node.op)]
            kind = "bool" if op in "&|^" and lk == rk == "bool" else "num"
            return f"({left} {op} {right})", kind, lv or rv
        if isinstance(node, ast.UnaryOp):
            code, kind, vector = self.fuse(node.operand)
            if isinstance(node.op, (ast.Not, ast.Invert)):
                if kind != "bool":
                    raise _NotFused
                return f"(not {code})", "bool", vector
            return f"({'-' if isinstance(node.op, ast.USub) else '+'}{code})", kind, vector
        if isinstance(node, ast.Compare) and len(node.ops) == 1 and type(node.ops[0]) in _CMP:
            left, _, lv = self.fuse(node.left)
            right, _, rv = self.fuse(node.comparators[0])
            return f"({left} {_CMP[type(node.ops[0])]} {right})", "bool", lv or rv
        if isinstance(node, ast.Call):
            return self.fuse_call(node)
        raise _NotFused

    def fuse_attribute(self, node: ast.Attribute) -> tuple[str, str, bool]:
        name, kind = self.attribute(node)
        if kind == "sparse":
            raise _NotFused
        if name == "_it" or kind == "scalar" and not isinstance(self.value_of(name), np.ndarray):
            arg = self.arguments.get(name)
            if arg is not None:
                arg.elementwise = "scalar"
            return name, "num", False
        value = self.value_of(name)
        arg = self.arguments[name]
        created = arg.create is not None and not isinstance(value, np.ndarray)
        if not created and not (isinstance(value, np.ndarray) and value.ndim == 1):
            raise _NotFused
        if kind == "scalar":
            arg.elementwise = "vector"
        self._vectors[name] = None
        dtype = arg.create if arg.create is not None else value.dtype
        return f"{name}[_i]", "bool" if np.dtype(dtype) == np.bool_ else "num", True

    def value_of(self, name: str) -> Any:
        arg = self.arguments.get(name)
        if arg is None or arg.owner is None:
            return None
        if arg.kind == "size":
            return int(arg.owner.size)
        return getattr(arg.owner, arg.attr, None)

    def fuse_call(self, node: ast.Call) -> tuple[str, str, bool]:
        func = node.func
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) \
                and self.globals.get(func.value.id) is np and func.value.id not in self.locals \
                and func.attr in SCALAR_UFUNCS and not node.keywords:
            parts = [self.fuse(a) for a in node.args]
            return f"np.{func.attr}({', '.join(p[0] for p in parts)})", "num", any(p[2] for p in parts)
        owner = self.ref(func.value) if isinstance(func, ast.Attribute) else None
        is_draw = owner is not None and func.attr in ("get_neuron_vec", "vector")
        is_dot = isinstance(func, ast.Attribute) and func.attr == "dot" and len(node.args) == 1 \
            and not node.keywords and owner is None
        if not (is_draw or is_dot):
            raise _NotFused
        code, kind = self.expr(node)  # an array: computed before the loop, in the statement's order
        temp = f"_h{self.temporaries}"
        self.temporaries += 1
        self._hoisted.append(f"{temp} = {code}")
        self._vectors[temp] = None
        return f"{temp}[_i]", kind, True

"""Recorder expressions: compile ``'np.mean(n.voltage)'`` once into fast functions.

``n``, ``neurons``, ``s`` and ``synapse`` name the parent; ``np`` is numpy (on
the torch backend: the backend's array namespace); ``xp`` is the parent's
array namespace; a module the user imported (``torch``, ``math``) is
available by its name; a bare name that is an attribute of the parent is read
from it (``'voltage'`` means ``n.voltage``).
"""
from __future__ import annotations

import ast
import sys
from typing import Any

import numpy as np

from ..core.behaviour import Behaviour
from ..core.errors import MonntoValueError

PARENT_NAMES = ("n", "neurons", "s", "synapse", "syn")
#: Short names of modules usable in expressions once the user imported them.
MODULE_ALIASES = {"tf": "tensorflow", "pd": "pandas"}


class RecorderExpressionError(MonntoValueError):
    """A recorded expression that cannot be evaluated on its parent."""


#: numpy functions a recorded expression read from a file may call (``np.mean(n.v)``).
SAFE_NUMPY_FUNCTIONS = frozenset({
    "abs", "absolute", "all", "amax", "amin", "any", "argmax", "argmin", "array", "asarray", "ceil",
    "clip", "concatenate", "copy", "cos", "count_nonzero", "cumsum", "diff", "dot", "exp", "flatnonzero",
    "float32", "float64", "floor", "int32", "int64", "isfinite", "isnan", "linalg.norm", "log", "log10",
    "log2", "logical_and", "logical_not", "logical_or", "max", "maximum", "mean", "median", "min",
    "minimum", "nanmax", "nanmean", "nanmin", "nansum", "nonzero", "outer", "percentile", "prod",
    "ravel", "round", "sign", "sin", "sqrt", "square", "stack", "std", "sum", "tanh", "var", "where",
})
#: numpy constants such an expression may read.
SAFE_NUMPY_CONSTANTS = frozenset({"pi", "e", "inf", "nan", "newaxis"})
#: Array methods and attributes it may use on a group variable (``n.v.mean()``, ``n.W.T``).
SAFE_ARRAY_METHODS = frozenset({
    "all", "any", "argmax", "argmin", "astype", "copy", "cumsum", "dot", "flatten", "item", "max", "mean",
    "min", "nonzero", "prod", "ravel", "reshape", "std", "sum", "toarray", "var",
})
#: Module names such an expression may use for those functions; all of them
#: mean the group's array namespace (numpy, or torch on the torch backend).
ARRAY_MODULE_NAMES = ("np", "xp", "torch")
SAFE_KEYWORDS = frozenset({"axis", "dtype", "keepdims", "ddof", "q", "ord"})
MAX_EXPRESSION_LENGTH = 1000
MAX_EXPRESSION_NODES = 300


class _RestrictedCheck(ast.NodeVisitor):
    """Accept only the expression grammar a file may carry (see :func:`check_restricted`)."""

    def __init__(self, parent: Any, fail) -> None:
        self.parent = parent
        self.fail = fail

    def generic_visit(self, node: ast.AST) -> None:
        allowed = (ast.Expression, ast.BinOp, ast.UnaryOp, ast.BoolOp, ast.Compare, ast.IfExp,
                   ast.Subscript, ast.Slice, ast.Tuple, ast.List, ast.Load, ast.operator, ast.unaryop,
                   ast.boolop, ast.cmpop, ast.keyword)
        if not isinstance(node, allowed):
            self.fail(f"{type(node).__name__} is not allowed")
        super().generic_visit(node)

    def visit_Constant(self, node: ast.Constant) -> None:
        if not isinstance(node.value, (int, float, bool, str)) and node.value is not None:
            self.fail(f"the constant {node.value!r} is not allowed")
        if isinstance(node.value, int) and abs(node.value) > 2 ** 63:
            self.fail(f"the integer {node.value} is too large")

    def visit_BinOp(self, node: ast.BinOp) -> None:
        if isinstance(node.op, ast.Pow) and not (
                isinstance(node.right, ast.Constant) and isinstance(node.right.value, (int, float))
                and abs(node.right.value) <= 64):
            if not any(isinstance(n, ast.Name) for n in ast.walk(node.right)) \
                    or isinstance(node.left, ast.Constant):
                self.fail("a power needs a constant exponent of at most 64 or a variable exponent "
                          "of a variable base")
        self.generic_visit(node)

    def visit_Name(self, node: ast.Name) -> None:
        if node.id in PARENT_NAMES or node.id in (*ARRAY_MODULE_NAMES, "True", "False", "None"):
            return
        if node.id.startswith("_") or not hasattr(self.parent, node.id):
            self.fail(f"the name {node.id!r} is neither a variable of the group nor np/torch")

    def _numpy_path(self, node: ast.AST) -> str | None:
        parts = []
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        if isinstance(node, ast.Name) and node.id in ARRAY_MODULE_NAMES:
            return ".".join(reversed(parts))
        return None

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if node.attr.startswith("_"):
            self.fail(f"the attribute {node.attr!r} is private")
        path = self._numpy_path(node)
        if path is not None:
            if path not in SAFE_NUMPY_CONSTANTS:
                self.fail(f"np.{path} is not a numpy constant a file may read")
            return
        self.visit(node.value)

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        path = self._numpy_path(func)
        if path is not None:
            if path not in SAFE_NUMPY_FUNCTIONS:
                self.fail(f"np.{path}() is not among the numpy functions a file may call "
                          f"({', '.join(sorted(SAFE_NUMPY_FUNCTIONS))})")
        elif isinstance(func, ast.Attribute) and func.attr in SAFE_ARRAY_METHODS:
            self.visit(func.value)
        else:
            self.fail(f"the call {ast.unparse(func)}() is not allowed (only numpy functions and "
                      "array methods such as .mean())")
        for arg in node.args:
            if isinstance(arg, ast.Starred):
                self.fail("*arguments are not allowed")
            self.visit(arg)
        for kw in node.keywords:
            if kw.arg not in SAFE_KEYWORDS:
                self.fail(f"the keyword argument {kw.arg!r} is not allowed")
            self.visit(kw.value)


def check_restricted(expression: str, parent: Any, owner: str) -> ast.Expression:
    """Parse ``expression`` with the grammar a recorded expression read from a file may use.

    Group variables (``n.voltage``, ``voltage``, ``n.W.T``), numbers,
    arithmetic, comparisons, boolean logic, indexing and slicing, array
    methods such as ``.mean()`` and the numpy functions in
    :data:`SAFE_NUMPY_FUNCTIONS` (``np.mean(n.voltage)``). Anything else
    (other calls, private attributes, other names, huge powers) raises
    :class:`RecorderExpressionError` naming the construct; such expressions
    load only with ``trusted=True``.
    """
    def fail(why: str):
        raise RecorderExpressionError(
            f"{owner}: the recorded expression {expression!r} read from a file is refused: {why}. "
            "Files may carry group variables, arithmetic, comparisons, indexing, array methods and "
            "common numpy functions; load the file with trusted=True if you trust its sender")

    if not isinstance(expression, str):
        fail(f"expected a string, got {type(expression).__name__}")
    if len(expression) > MAX_EXPRESSION_LENGTH:
        fail(f"it is longer than {MAX_EXPRESSION_LENGTH} characters")
    try:
        tree = ast.parse(expression.strip(), mode="eval")
    except SyntaxError as err:
        fail(f"it is not valid Python ({err.msg})")
    except RecursionError:
        fail("it is nested too deeply")
    if sum(1 for _ in ast.walk(tree)) > MAX_EXPRESSION_NODES:
        fail(f"it has more than {MAX_EXPRESSION_NODES} parts")
    _RestrictedCheck(parent, fail).visit(tree)
    return tree


def compile_expression(expression: str, parent: Any, owner: str, restricted: bool = False):
    """Compile ``expression`` into ``f(parent) -> value``.

    Bare names that are attributes of ``parent`` are read from it
    (``'voltage'`` means ``n.voltage``). With ``restricted`` (expressions
    read from a saved file) only the grammar of :func:`check_restricted` is
    accepted, and no module but numpy is looked up.
    """
    if restricted:
        check_restricted(expression, parent, owner)
    try:
        tree = ast.parse(expression.strip(), mode="eval")
    except SyntaxError as err:
        raise RecorderExpressionError(f"{owner}: expression {expression!r} is not valid Python "
                                      f"({err.msg})") from None

    xp = getattr(parent, "xp", np)
    # 'np' is numpy, except on another backend, where it is that backend's array
    # namespace, so 'np.mean(n.voltage)' works on torch tensors (on any device)
    namespace: dict[str, Any] = {"np": np if xp is np else xp, "xp": xp}
    if restricted:  # 'torch.mean(n.v)' from a file: the same safe functions, of the group's namespace
        namespace["torch"] = namespace["np"]

    class _Prefix(ast.NodeTransformer):
        def visit_Name(self, node: ast.Name):
            if not isinstance(node.ctx, ast.Load) or node.id in PARENT_NAMES or node.id in namespace:
                return node
            if not restricted and node.id in MODULE_ALIASES and MODULE_ALIASES[node.id] in sys.modules:
                namespace[node.id] = sys.modules[MODULE_ALIASES[node.id]]
            elif not restricted and node.id in sys.modules and not hasattr(parent, node.id):  # an imported module (torch, math)
                namespace[node.id] = sys.modules[node.id]
            elif hasattr(parent, node.id):
                return ast.copy_location(
                    ast.Attribute(value=ast.Name(id="n", ctx=ast.Load()), attr=node.id, ctx=ast.Load()),
                    node)
            return node

    tree = ast.fix_missing_locations(_Prefix().visit(tree))
    body = ast.unparse(tree)
    source = f"def _record(n):\n    neurons = s = synapse = syn = n\n    return {body}\n"
    exec(compile(source, f"<recorder {expression!r}>", "exec"), namespace)
    record = namespace["_record"]
    record.body = body
    return record


def compile_recording_step(functions: list, owner: str, grow):
    """One function ``step(n)`` that records every expression straight into its block.

    ``functions`` holds ``(fn, block)`` pairs (``fn`` from
    :func:`compile_expression`, ``block`` a growable
    :class:`~.recording_blocks.SampleBlock` without ``max_length``). Blocks
    that share a ``counter`` list are written at the same index and counted
    once; they must have buffers of the same length (they grow together).
    The function skips the step when ``n.recording`` is off and evaluates
    all expressions in one frame, writing into the buffers, so a Recorder
    costs about what hand-written stores cost. When the buffers are full it
    calls ``grow(n)`` instead, which must record the step. The function has
    no ``return``, so the network can fuse it with the steps before it.
    """
    namespace: dict[str, Any] = {"_grow": grow}
    cohorts: dict[int, list] = {}
    for fn, block in functions:
        cohorts.setdefault(id(block.counter), []).append((fn, block))
    lines = ["def _record_all(n):", "    if n.recording:", "        neurons = s = synapse = syn = n"]
    room = []
    writes = []
    i = 0
    for k, members in enumerate(cohorts.values()):
        namespace[f"_n{k}"] = members[0][1].counter
        lines += [f"        _c{k} = _n{k}[0]", f"        _d{i} = _b{i}.data"]
        room.append(f"_c{k} < len(_d{i})")
        for j, (fn, block) in enumerate(members):
            namespace.update({name: value for name, value in fn.__globals__.items()
                              if not name.startswith("__") and name != "_record"})
            namespace[f"_b{i}"] = block
            target = f"_d{i}" if j == 0 else f"_b{i}.data"
            writes.append(f"            {target}[_c{k}] = {fn.body}")
            i += 1
        writes.append(f"            _n{k}[0] = _n{k}[1] = _c{k} + 1")
    lines.append(f"        if {' and '.join(room)}:")
    lines += writes
    lines += ["        else:", "            _grow(n)"]
    source = "\n".join(lines) + "\n"
    exec(compile(source, f"<recorder step of {owner}>", "exec"), namespace)  # noqa: S102
    record_all = namespace["_record_all"]
    record_all.__source__ = source  # lets the network fuse it with the steps before it
    return record_all


def assigned_by_some_behaviour(network, attribute: str) -> bool:
    """True when the source of some behaviour class assigns ``<obj>.<attribute>``."""
    for behaviour in network.all_behaviours():
        assigned = _assigned_attributes(type(behaviour))
        if assigned is None or attribute in assigned:  # unreadable source: give it the benefit of the doubt
            return True
    return False


_ASSIGNED_CACHE: dict[type, frozenset | None] = {}


def _assigned_attributes(cls: type) -> frozenset | None:
    """Attribute names assigned (``x.name = ...``, ``x.name += ...``) in a class's source.

    None when some class of the MRO has no readable source (defined in an
    interactive session or a script run with runpy).
    """
    if cls not in _ASSIGNED_CACHE:
        import inspect
        import textwrap

        names: set[str] = set()
        for klass in cls.__mro__:
            if klass is Behaviour or klass is object:
                break
            try:
                tree = ast.parse(textwrap.dedent(inspect.getsource(klass)))
            except (OSError, TypeError, SyntaxError):
                _ASSIGNED_CACHE[cls] = None
                return None
            for node in ast.walk(tree):
                targets = []
                if isinstance(node, ast.Assign):
                    targets = node.targets
                elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
                    targets = [node.target]
                for target in targets:
                    for sub in ast.walk(target):
                        if isinstance(sub, ast.Attribute) and isinstance(sub.ctx, ast.Store):
                            names.add(sub.attr)
                if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "setattr" \
                        and len(node.args) >= 2 and isinstance(node.args[1], ast.Constant):
                    names.add(str(node.args[1].value))
        _ASSIGNED_CACHE[cls] = frozenset(names)
    return _ASSIGNED_CACHE[cls]

"""Fuse consecutive generated step functions of one parent into one function.

Code generators (equation modules, Recorders, the Clock) produce plain
functions ``def f(parent): ...`` from source text. When several of them run
one after the other on the same parent, the network's step list calls one
function made of all their bodies instead, which removes a Python call and a
loop iteration per behaviour and step; for small groups (the paper's code
block 8: 100 neurons) those calls cost as much as the array work.

A function can be fused when it carries its source in ``fn.__source__``
(one ``def`` with one positional parameter) and its body has no ``return``,
``yield``, ``global``/``nonlocal``, nested function, lambda or class. The
bodies are made hygienic before they are joined: every local name and every
global name of function ``k`` is renamed ``_f{k}_{name}`` (globals are bound
in the fused function's namespace under that name), and every parameter
becomes ``_p``; attribute names are untouched. The globals are bound by
value when fusing, so a generator that rebinds a global of its function must
make a new function (and rebuild the step list) instead.
"""
from __future__ import annotations

import ast
import builtins
import collections
import itertools
import linecache
import types
import weakref
from collections.abc import Callable
from typing import Any

from .errors import MonntoValueError

__all__ = ["fusable", "fuse", "make_run_loop"]

_PARAM = "_p"
_counter = itertools.count()
_KEEP_SOURCES = 256
_registered: collections.deque = collections.deque()
_FORBIDDEN = (ast.Return, ast.Yield, ast.YieldFrom, ast.Await, ast.Global, ast.Nonlocal,
              ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)


def _parse(fn: Callable) -> ast.FunctionDef | None:
    """The function definition of ``fn`` if it can be fused, else None."""
    if not isinstance(fn, types.FunctionType):  # bound methods, builtins, callables
        return None
    source = getattr(fn, "__source__", None)
    if not isinstance(source, str):
        return None
    try:
        module = ast.parse(source)
    except SyntaxError:
        return None
    defs = [node for node in module.body if isinstance(node, ast.FunctionDef)]
    if len(defs) != 1 or defs[0].name != fn.__name__:
        return None
    func = defs[0]
    args = func.args
    if (len(args.args) != 1 or args.posonlyargs or args.kwonlyargs or args.vararg or args.kwarg
            or func.decorator_list):
        return None
    for stmt in func.body:
        for node in ast.walk(stmt):
            if isinstance(node, _FORBIDDEN):
                return None
    if args.args[0].arg in _names(func)[0]:  # the parameter is rebound: it cannot be shared
        return None
    return func


_FUSABLE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def fusable(fn: Callable) -> bool:
    """Whether :func:`fuse` accepts ``fn`` (cached per function)."""
    try:
        return _FUSABLE[fn]
    except KeyError:
        pass
    except TypeError:  # not weak-referenceable (a builtin): never generated code
        return False
    result = _FUSABLE[fn] = _parse(fn) is not None
    return result


class _Renamer(ast.NodeTransformer):
    def __init__(self, mapping: dict[str, str]):
        self.mapping = mapping

    def visit_Name(self, node: ast.Name) -> ast.Name:
        new = self.mapping.get(node.id)
        if new is not None:
            return ast.copy_location(ast.Name(id=new, ctx=node.ctx), node)
        return node


def _inline(fn: Callable, prefix: str, param_target: str, namespace: dict[str, Any]) -> list[ast.stmt]:
    """The body of ``fn`` with its names prefixed and its parameter renamed ``param_target``.

    The globals the body reads are added to ``namespace`` under their new names.
    """
    func = _parse(fn)
    if func is None:
        raise MonntoValueError(f"fuse: {fn!r} cannot be fused (no __source__, or a return/yield/nested "
                               "function in its body)")
    param = func.args.args[0].arg
    assigned, loaded = _names(func)
    mapping = {name: prefix + name for name in assigned}
    mapping[param] = param_target
    for name in loaded - assigned - {param}:
        if name in fn.__globals__:
            mapping[name] = prefix + name
            namespace[mapping[name]] = fn.__globals__[name]
        elif not hasattr(builtins, name):
            # unbound in the original function too: keep the NameError it raises
            mapping[name] = prefix + name
    renamer = _Renamer(mapping)
    return [renamer.visit(stmt) for stmt in func.body]


def _names(func: ast.FunctionDef) -> tuple[set[str], set[str]]:
    """(names assigned, names read) in the body of ``func``."""
    assigned: set[str] = set()
    loaded: set[str] = set()
    for stmt in func.body:
        for node in ast.walk(stmt):
            if isinstance(node, ast.Name):
                (loaded if isinstance(node.ctx, ast.Load) else assigned).add(node.id)
            elif isinstance(node, ast.arg):
                assigned.add(node.arg)
    return assigned, loaded


def _compile(module_body: list[ast.stmt], name: str, namespace: dict[str, Any], label: str) -> Callable:
    module = ast.fix_missing_locations(ast.Module(body=module_body, type_ignores=[]))
    source = ast.unparse(module) + "\n"
    filename = f"<monnto {label} {next(_counter)}>"
    # tracebacks through generated code show its lines (the newest few sources are kept)
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    _registered.append(filename)
    if len(_registered) > _KEEP_SOURCES:
        linecache.cache.pop(_registered.popleft(), None)
    exec(compile(source, filename, "exec"), namespace)  # noqa: S102
    fn = namespace[name]
    fn.__source__ = source
    return fn


def fuse(functions: list[Callable], label: str = "step") -> Callable:
    """One function ``f(parent)`` running the bodies of ``functions`` in order.

    Raises
    ------
    ValueError
        If a function cannot be fused (see :func:`fusable`).
    """
    namespace: dict[str, Any] = {"__builtins__": builtins}
    body: list[ast.stmt] = []
    for k, fn in enumerate(functions):
        body.extend(_inline(fn, f"_f{k}_", _PARAM, namespace))
    func = ast.parse(f"def _fused_step({_PARAM}):\n    pass\n").body[0]
    func.body = body or func.body
    fused = _compile([func], "_fused_step", namespace, f"fused {label}")
    fused.parts = tuple(functions)
    return fused


_LOOP_TEMPLATE = """
def _run_loop(_net, _n):
    _done = 0
    for _done in range(1, _n + 1):
        _net.iteration += 1
        STEPS
        if _net._steps is not _STEPS:
            break
    return _n - _done
"""


def make_run_loop(steps: list[tuple[Callable, Any]], label: str = "network") -> Callable:
    """A function ``run(net, n) -> steps left`` running ``n`` network steps.

    Each step increments ``net.iteration`` and runs ``steps`` (the network's
    ``(function, parent)`` list) in order: the bodies of fusable functions
    inline (their parent bound as a global), the others as calls. The loop
    stops early, after a whole step, when ``net._steps`` is no longer
    ``steps`` (a behaviour changed the network's structure), and returns the
    number of steps not run.
    """
    namespace: dict[str, Any] = {"__builtins__": builtins, "_STEPS": steps}
    body: list[ast.stmt] = []
    for j, (fn, parent) in enumerate(steps):
        namespace[f"_P{j}"] = parent
        if fusable(fn):
            body.extend(_inline(fn, f"_s{j}_", f"_P{j}", namespace))
        else:
            namespace[f"_F{j}"] = fn
            body.append(ast.parse(f"_F{j}(_P{j})").body[0])
    func = ast.parse(_LOOP_TEMPLATE).body[0]
    loop = func.body[1]
    index = next(i for i, stmt in enumerate(loop.body)
                 if isinstance(stmt, ast.Expr) and getattr(stmt.value, "id", None) == "STEPS")
    loop.body[index:index + 1] = body or [ast.Pass()]
    return _compile([func], "_run_loop", namespace, f"run loop of {label}")

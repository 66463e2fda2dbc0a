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


def compile_expression(expression: str, parent: Any, owner: str):
    """Compile ``expression`` into ``f(parent) -> value``.

    Bare names that are attributes of ``parent`` are read from it
    (``'voltage'`` means ``n.voltage``).
    """
    try:
        tree = ast.parse(expression.strip(), mode="eval")
    except SyntaxError as err:
        raise RecorderExpressionError(f"{owner}: expression {expression!r} is not valid Python "
                                      f"({err.msg})") from None

    xp = getattr(parent, "xp", np)
    # 'np' is numpy, except on another backend, where it is that backend's array
    # namespace, so 'np.mean(n.voltage)' works on torch tensors (on any device)
    namespace: dict[str, Any] = {"np": np if xp is np else xp, "xp": xp}

    class _Prefix(ast.NodeTransformer):
        def visit_Name(self, node: ast.Name):
            if not isinstance(node.ctx, ast.Load) or node.id in PARENT_NAMES or node.id in namespace:
                return node
            if node.id in MODULE_ALIASES and MODULE_ALIASES[node.id] in sys.modules:
                namespace[node.id] = sys.modules[MODULE_ALIASES[node.id]]
            elif node.id in sys.modules and not hasattr(parent, node.id):  # an imported module (torch, math)
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

"""Translate a user behaviour's ``new_iteration`` into numba kernel source.

The translation works on the method's syntax tree (``inspect.getsource``,
``ast``) together with the objects it touches at initialize: the behaviour,
its parent group and the synapse groups of ``afferent_synapses[tag]`` loops.
Every attribute the step reads or writes becomes one argument of the kernel,
read from its owner before each compiled run::

    neurons.voltage          ->  g__voltage      (the group's array, in place)
    self.threshold           ->  p__threshold    (a number or an array)
    synapse.src.spike        ->  g__spike        (one name per object, aliases shared)
    synapse.W.dot(x)         ->  _mt_dot_dense(s0__W, x)   (or the CSR / CSC form)
    neurons.get_neuron_vec('uniform', density=0.01)
                             ->  _draw0(g__dkey, g__dctr, _it, g__first, g__size, 0.01)
                                 (the network's keyed draws, monnto.core.keyed_draws)

Array expressions are left to numba, which compiles numpy's element-wise
operations, boolean-mask assignment and in-place operators on arrays.
Rebinding a group attribute (``neurons.spike = v > th``) writes into the
existing array (a missing one is created with the inferred dtype), because
a compiled loop keeps its arrays for the whole run. Loops over
``afferent_synapses[tag]`` / ``efferent_synapses[tag]`` are unrolled over
the list as it is at initialize.

Anything else raises :class:`CompileSubsetError` naming the behaviour, the
file and line, the construct and the reason. The subset is documented in
``docs/compiled_user_behaviours.md``.
"""
from __future__ import annotations

import ast
import inspect
import textwrap
import types
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

from monnto.core.errors import MonntoValueError

from .behaviour_exprs import _MISSING, _OPS, ExpressionMixin
from .behaviour_fuse import FusionMixin

__all__ = ["CompileSubsetError", "KernelArgument", "Translation", "translate"]


class CompileSubsetError(MonntoValueError):
    """A compiled behaviour's step uses a construct outside the compilable subset.

    Attributes
    ----------
    behaviour : str
        The behaviour (its repr).
    line : int
        Line in the behaviour's source file (0 when unknown).
    construct : str
        The source text of the construct.
    """

    def __init__(self, message: str, behaviour: str = "", line: int = 0, construct: str = ""):
        super().__init__(message)
        self.behaviour, self.line, self.construct = behaviour, line, construct




@dataclass
class KernelArgument:
    """One argument of a generated kernel: ``owner.<attr>`` read before each compiled run.

    ``kind`` is ``'array'``, ``'scalar'``, ``'csr'`` (three arrays: data,
    indices, indptr), ``'csc'`` (six: data, column pointers, rows by
    column, column order of the entries, number of rows, whether data is
    column-ordered), ``'size'`` (``len(owner)``), or for the keyed draws
    ``'draw_key'`` (the group's key), ``'draw_counter'`` (its draw counter)
    and ``'first'`` (its first global neuron index). ``create`` is the dtype to make
    a missing (or differently typed) array of a rebinding target with.
    """

    name: str
    owner: Any
    attr: str
    kind: str
    create: Any = None
    elementwise: str | None = None  #: 'scalar' or 'vector' when a fused loop relies on it


@dataclass
class Translation:
    """The generated kernel: its source (body of one function), helpers and arguments."""

    name: str
    source: str
    helpers: list
    arguments: list
    line_map: dict


_SUBGROUP = ("a NeuronSubGroup's attributes are copies of its base group's (written back on assignment), "
             "which a compiled step cannot follow; compile the behaviour on whole groups")


def _is_subgroup(obj: Any) -> bool:
    from monnto.core.neuron_group import NeuronSubGroup

    return isinstance(obj, NeuronSubGroup)


class _Obj:
    """A monnto object the step names: the behaviour, a group, a synapse group or the network."""

    def __init__(self, prefix: str, value: Any, kind: str):
        self.prefix, self.value, self.kind = prefix, value, kind


def _kind_of(obj: Any) -> str:
    from monnto.core.network import Network
    from monnto.core.synapse_group import SynapseGroup

    if isinstance(obj, SynapseGroup):
        return "synapse"
    if isinstance(obj, Network):
        return "network"
    return "group"


class _Translator(ExpressionMixin, FusionMixin):
    def __init__(self, behaviour: Any, parent: Any, function: Any, dtype: Any):
        self.behaviour, self.parent, self.dtype = behaviour, parent, np.dtype(dtype)
        lines, self.first_line = inspect.getsourcelines(function)
        self.filename = inspect.getsourcefile(function) or "<unknown>"
        self.text = textwrap.dedent("".join(lines))
        tree = ast.parse(self.text)
        self.fn = tree.body[0]
        self.globals = getattr(function, "__globals__", {})
        self.where = f"{type(behaviour).__qualname__}.{function.__name__}"
        self.arguments: dict[str, KernelArgument] = {}
        self.prefixes: dict[int, str] = {}
        self.scope: dict[str, _Obj] = {}
        self.locals: set[str] = set()
        self.helpers: list[str] = []
        self.out: list[str] = []
        self.line_map: dict[int, int] = {}
        self.unrolled = 0
        self.temporaries = 0

    # -- errors ---------------------------------------------------------------
    def fail(self, node: ast.AST, why: str) -> CompileSubsetError:
        line = self.first_line + getattr(node, "lineno", 1) - 1
        construct = ast.get_source_segment(self.text, node) or ast.unparse(node)
        construct = construct if len(construct) <= 80 else construct[:77] + "..."
        return CompileSubsetError(
            f"{self.behaviour!r} is marked compiled, but {self.where} ({self.filename}, line {line}) uses "
            f"`{construct}`, which is outside the compilable subset: {why}. See docs/compiled_user_behaviours.md "
            f"for the subset; without strict mode the behaviour runs as Python",
            behaviour=repr(self.behaviour), line=line, construct=construct)

    # -- objects and arguments --------------------------------------------------
    def obj(self, value: Any, kind: str | None = None) -> _Obj:
        key = id(value)
        kind = kind or _kind_of(value)
        if key not in self.prefixes:
            letter = {"group": "g", "synapse": "s", "network": "net", "behaviour": "p"}[kind]
            count = sum(p.rstrip("0123456789") == letter for p in self.prefixes.values())
            self.prefixes[key] = f"{letter}{count}"
        return _Obj(self.prefixes[key], value, kind)

    def argument(self, name: str, owner: Any, attr: str, kind: str, create: Any = None) -> str:
        existing = self.arguments.get(name)
        if existing is None:
            self.arguments[name] = KernelArgument(name, owner, attr, kind, create)
        elif create is not None and existing.create is None:
            existing.create = create
        return name

    def ref(self, node: ast.AST) -> _Obj | None:
        """The object a Name/Attribute chain denotes (``neurons``, ``synapse.src``), or None."""
        if isinstance(node, ast.Name):
            return self.scope.get(node.id)
        if isinstance(node, ast.Attribute):
            base = self.ref(node.value)
            if base is None:
                return None
            if base.kind == "synapse" and node.attr in ("src", "dst"):
                group = getattr(base.value, node.attr)
                if _is_subgroup(group):
                    raise self.fail(node, _SUBGROUP)
                return self.obj(group)
            if node.attr == "network" and base.kind in ("group", "synapse"):
                return self.obj(base.value.network, "network")
        return None

    def attribute(self, node: ast.Attribute, store: bool = False, create: Any = None) -> tuple[str, str]:
        """(argument name, kind) of ``<object>.<attr>``."""
        base = self.ref(node.value)
        attr = node.attr
        if attr == "iteration" and base.kind in ("group", "network", "synapse"):
            if store:
                raise self.fail(node, "the iteration counter is read-only in a step")
            return "_it", "scalar"
        if attr == "t" and base.kind != "behaviour":
            raise self.fail(node, "the time t changes every step but a compiled run reads numbers once; use "
                                  "neurons.iteration * neurons.dt")
        if base.kind == "network":
            raise self.fail(node, "of the network only `iteration` can be read in a compiled step "
                                  "(draw random numbers with get_neuron_vec)")
        if attr == "size" and base.kind != "behaviour":
            return self.argument(f"{base.prefix}__size", base.value, "size", "size"), "scalar"
        name = f"{base.prefix}__{attr}"
        known = self.arguments.get(name)
        if known is not None and known.kind == "array":  # named by an earlier statement of this step
            if store and create is np.bool_ and known.create is None and \
                    getattr(getattr(base.value, attr, None), "dtype", None) != np.bool_:
                known.create = np.bool_  # rebinding to a comparison: a bool array, as Python's step leaves it
            return name, "array"
        value = getattr(base.value, attr, _MISSING)
        if value is _MISSING:
            if store and base.kind == "group" and create is not None:
                return self.argument(name, base.value, attr, "array", create), "array"
            raise self.fail(node, f"{base.value!r} has no attribute {attr!r} at initialize (create it in "
                                  f"set_variables)")
        if isinstance(value, np.ndarray):
            if value.dtype.kind not in "biuf":
                raise self.fail(node, f"the array has dtype {value.dtype}; compiled steps use bool, int and "
                                      f"float arrays")
            if store and create is np.bool_ and value.dtype != np.bool_:  # rebinding to a comparison
                return self.argument(name, base.value, attr, "array", create), "array"
            return self.argument(name, base.value, attr, "array"), "array"
        if sp.issparse(value):
            return name, "sparse"
        if isinstance(value, (bool, int, float, np.bool_, np.integer, np.floating)):
            if store:
                raise self.fail(node, "a number attribute cannot be reassigned in a compiled step (it is passed "
                                      "in by value); keep changing state in an array, e.g. np.zeros(1)")
            return self.argument(name, base.value, attr, "scalar"), "scalar"
        if callable(value):
            raise self.fail(node, "methods of monnto objects other than get_neuron_vec/vector and W.dot are "
                                  "not compiled")
        raise self.fail(node, f"the attribute holds a {type(value).__name__}; compiled steps read numbers and "
                              f"numpy arrays (and W.dot of dense or CSR matrices)")

    # -- statements --------------------------------------------------------------
    def emit(self, node: ast.AST, depth: int, text: str) -> None:
        line = self.first_line + getattr(node, "lineno", 1) - 1
        self.out.append(f"{'    ' * depth}{text}  # line {line}")
        self.line_map[len(self.out)] = line

    def body(self, nodes: list, depth: int) -> None:
        start = len(self.out)
        for node in nodes:
            self.statement(node, depth)
        if len(self.out) == start:
            self.emit(nodes[0] if nodes else self.fn, depth, "pass")

    def statement(self, node: ast.AST, depth: int) -> None:
        method = getattr(self, f"stmt_{type(node).__name__}", None)
        if method is None:
            raise self.fail(node, f"the statement kind `{type(node).__name__}` is not compiled")
        method(node, depth)

    def stmt_Expr(self, node: ast.Expr, depth: int) -> None:
        if isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            return  # docstring
        if not isinstance(node.value, ast.Call):
            raise self.fail(node, "an expression statement must be a call (np.clip(w, 0, 1, w), a.fill(0))")
        self.emit(node, depth, self.expr(node.value)[0])

    def stmt_Pass(self, node: ast.Pass, depth: int) -> None:
        self.emit(node, depth, "pass")

    def stmt_Break(self, node: ast.AST, depth: int) -> None:
        if self.unrolled:
            raise self.fail(node, "break/continue inside a loop over synapse groups (the loop is unrolled)")
        self.emit(node, depth, "break" if isinstance(node, ast.Break) else "continue")

    stmt_Continue = stmt_Break

    def stmt_Return(self, node: ast.Return, depth: int) -> None:
        if node.value is not None and not (isinstance(node.value, ast.Constant) and node.value.value is None):
            raise self.fail(node, "a step returns nothing")
        self.emit(node, depth, "return")

    def stmt_If(self, node: ast.If, depth: int) -> None:
        self.emit(node, depth, f"if {self.expr(node.test)[0]}:")
        self.body(node.body, depth + 1)
        if node.orelse:
            self.emit(node, depth, "else:")
            self.body(node.orelse, depth + 1)

    def stmt_While(self, node: ast.While, depth: int) -> None:
        if node.orelse:
            raise self.fail(node, "while ... else")
        self.emit(node, depth, f"while {self.expr(node.test)[0]}:")
        self.body(node.body, depth + 1)

    def stmt_For(self, node: ast.For, depth: int) -> None:
        if node.orelse:
            raise self.fail(node, "for ... else")
        if not isinstance(node.target, ast.Name):
            raise self.fail(node.target, "a loop variable must be one name")
        it = node.iter
        if isinstance(it, ast.Call) and isinstance(it.func, ast.Name) and it.func.id == "range" \
                and it.func.id not in self.locals:
            self.locals.add(node.target.id)
            args = ", ".join(self.expr(a)[0] for a in it.args)
            self.emit(node, depth, f"for _l_{node.target.id} in range({args}):")
            self.body(node.body, depth + 1)
            return
        synapses = self.synapse_list(it)
        name = node.target.id
        saved = self.scope.get(name)
        self.unrolled += 1
        for syn in synapses:
            self.scope[name] = self.obj(syn, "synapse")
            self.body(node.body, depth)
        self.unrolled -= 1
        if saved is None:
            self.scope.pop(name, None)
        else:
            self.scope[name] = saved

    def synapse_list(self, it: ast.AST) -> list:
        ok = isinstance(it, ast.Subscript) and isinstance(it.value, ast.Attribute) \
            and it.value.attr in ("afferent_synapses", "efferent_synapses") and self.ref(it.value.value) is not None
        if not ok:
            raise self.fail(it, "a for loop runs over range(...) or over neurons.afferent_synapses[tag] / "
                                "efferent_synapses[tag]")
        tag_node = it.slice
        if isinstance(tag_node, ast.Constant) and isinstance(tag_node.value, str):
            tag = tag_node.value
        elif isinstance(tag_node, ast.Attribute) and self.ref(tag_node.value) is not None \
                and isinstance(getattr(self.ref(tag_node.value).value, tag_node.attr, None), str):
            tag = getattr(self.ref(tag_node.value).value, tag_node.attr)
        else:
            raise self.fail(tag_node, "the synapse tag must be a string or a string attribute of self")
        return list(getattr(self.ref(it.value.value).value, it.value.attr)[tag])

    def stmt_Assign(self, node: ast.Assign, depth: int) -> None:
        if len(node.targets) != 1:
            raise self.fail(node, "chained assignment (a = b = ...)")
        self.assign(node, node.targets[0], node.value, depth, "=")

    def stmt_AugAssign(self, node: ast.AugAssign, depth: int) -> None:
        op = _OPS.get(type(node.op))
        if op is None:
            raise self.fail(node, "this in-place operator")
        self.assign(node, node.target, node.value, depth, op + "=")

    def assign(self, node: ast.AST, target: ast.AST, value: ast.AST, depth: int, op: str) -> None:
        if isinstance(target, (ast.Attribute, ast.Subscript)) and self.fused_assign(node, target, value, depth, op):
            return
        code, kind = self.expr(value)
        if isinstance(target, ast.Name):
            if target.id in self.scope:
                raise self.fail(target, f"`{target.id}` names a monnto object and cannot be reassigned")
            if op != "=" and target.id not in self.locals:
                raise self.fail(target, f"`{target.id}` is used before it is assigned")
            self.locals.add(target.id)
            self.emit(node, depth, f"_l_{target.id} {op} {code}")
        elif isinstance(target, ast.Attribute) and self.ref(target.value) is not None:
            create = (np.bool_ if kind == "bool" else self.dtype) if op == "=" else None
            name, akind = self.attribute(target, store=True, create=create)
            if akind != "array":
                raise self.fail(target, "only array attributes can be assigned in a compiled step")
            self.emit(node, depth, f"{name}[...] = {code}" if op == "=" else f"{name} {op} {code}")
        elif isinstance(target, ast.Subscript):
            self.emit(node, depth, f"{self.expr(target)[0]} {op} {code}")
        else:
            raise self.fail(target, "assignment to this kind of target (tuples, attributes of non-monnto "
                                    "objects)")

def _stale(function: Any, text: str) -> bool:
    """Whether ``text`` (the source on disk) does not compile to ``function``'s bytecode."""
    try:
        code = compile(text, "<source>", "exec")
    except SyntaxError:
        return True
    own = getattr(function, "__code__", None)

    def key(c: types.CodeType) -> tuple:  # names and constants (bytecode depends on compile flags)
        return c.co_names, c.co_varnames, tuple(k for k in c.co_consts if not isinstance(k, types.CodeType))

    for const in code.co_consts:
        if isinstance(const, types.CodeType) and const.co_name == function.__name__:
            return own is None or key(const) != key(own)
    return True


def translate(behaviour: Any, parent: Any, function: Any, dtype: Any) -> Translation:
    """Translate ``function`` (the behaviour's step method) for ``behaviour`` on ``parent``.

    Parameters
    ----------
    behaviour : Behaviour
        The instance (its attributes are the kernel's ``self``).
    parent : NeuronGroup or SynapseGroup
        The object the step receives.
    function : function
        The plain step function (``type(behaviour).new_iteration``).
    dtype : numpy dtype
        The network's float dtype (arrays a step creates).

    Raises
    ------
    CompileSubsetError
        A construct outside the subset (the message names behaviour, line and construct).
    OSError, TypeError
        The source of ``function`` is not available (defined in ``python -c`` or a string).
    """
    t = _Translator(behaviour, parent, function, dtype)
    params = [a.arg for a in t.fn.args.args]
    if len(params) != 2 or t.fn.args.vararg or t.fn.args.kwarg or t.fn.args.kwonlyargs:
        raise t.fail(t.fn, "a step takes exactly (self, parent)")
    if t.fn.decorator_list:
        raise t.fail(t.fn.decorator_list[0], "a decorated step method")
    if _stale(function, t.text):
        raise CompileSubsetError(
            f"{behaviour!r} is marked compiled, but the source of {t.where} in {t.filename} (line {t.first_line}) "
            f"is not the code Python runs (the file changed after it was imported?); it runs as Python until "
            f"the module is imported again", behaviour=repr(behaviour), line=t.first_line)
    if _is_subgroup(parent):
        raise t.fail(t.fn, _SUBGROUP)
    t.scope[params[0]] = t.obj(behaviour, "behaviour")
    t.scope[params[1]] = t.obj(parent)
    t.body(t.fn.body, 1)
    return Translation(t.where, "\n".join(t.out) + "\n", t.helpers, list(t.arguments.values()), t.line_map)

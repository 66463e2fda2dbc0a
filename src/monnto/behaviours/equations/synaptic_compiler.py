"""Code generation of OnPre/OnPost statements and of summed variables (see :mod:`.synaptic`).

Imported when such a behaviour is initialized (it needs sympy).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
import sympy

from .base import EquationError, is_state_array, registered_dims
from .codegen import print_expr
from .compiler import converter_for, sym
from .dims import dim_to_data
from .parser import ExpressionConverter, Statement, parse_unit
from .synaptic import _backend_name
from .synaptic_program import connection_mask
from .units import DIMENSIONLESS, TIME

__all__ = ["StatementCompiler", "connection_mask", "summed_records", "weights_record"]


class StatementCompiler:
    """Code lines for one statement of OnPre/OnPost (names and rules: :mod:`.synaptic`)."""

    def __init__(self, side: str, syn, stmt, context: str, namespace: dict | None = None,
                 arrival_mask: str | None = None):
        self.side, self.syn, self.stmt, self.context = side, syn, stmt, context
        #: with per-synapse delays, the name of the (slice-shaped) bool matrix of the
        #: synapses whose spike arrives this step (connections included)
        self.arrival_mask = arrival_mask
        self.namespace = namespace or {}
        self.spiking_group = syn.src if side == "pre" else syn.dst
        self.other_group = syn.dst if side == "pre" else syn.src
        self.used: dict[str, tuple[str, str]] = {}  # symbol name -> (kind, attribute)

    def error(self, msg: str) -> EquationError:
        return EquationError(f"{self.context}: '{self.stmt.source}': {msg}")

    # -- names --------------------------------------------------------------
    def _synaptic_names(self) -> set[str]:
        shape = (self.syn.dst.size, self.syn.src.size)
        names = {"W"}
        for name, value in vars(self.syn).items():
            if not name.startswith("_") and tuple(getattr(value, "shape", ())) == shape and name != "connected":
                names.add(name)
        return names

    def resolve(self, name: str):
        """``(kind, attribute)`` of ``name``: kind 'syn', 'pre' or 'post'; None if not a variable."""
        if name == "w":
            return "syn", "W"
        if name in self._synaptic_names() and name != "W":
            return "syn", name
        for suffix, kind in (("_pre", "pre"), ("_post", "post")):
            if name.endswith(suffix) and len(name) > len(suffix):
                base = name[: -len(suffix)]
                group = self.syn.src if kind == "pre" else self.syn.dst
                if hasattr(group, base):
                    return kind, base
                if not hasattr(self.syn.dst, name):  # not a postsynaptic variable called, say, g_pre
                    raise self.error(f"{group!r} has no variable '{base}' (named by '{name}')")
        if hasattr(self.syn.dst, name) and not name.startswith("_"):
            return "post", name
        return None

    def _dim(self, kind: str, attribute: str):
        obj = {"syn": self.syn, "pre": self.syn.src, "post": self.syn.dst}[kind]
        return registered_dims(obj).get(attribute, DIMENSIONLESS)

    def converter(self) -> ExpressionConverter:
        conv = converter_for(self.syn.dst, self.context)
        conv.variables = {"t": (sym("t"), TIME)}  # everything else is resolved below
        conv.constants.update(self.namespace)
        used = self.used

        def fallback(name):
            found = self.resolve(name)
            if found is None:
                return None
            kind, attribute = found
            value = getattr({"syn": self.syn, "pre": self.syn.src, "post": self.syn.dst}[kind], attribute)
            if not hasattr(value, "shape") and not isinstance(value, (int, float, np.integer, np.floating)):
                return None
            local = f"_{kind}_{attribute}"
            used[local] = (kind, attribute)
            return sym(local), self._dim(kind, attribute)

        conv.fallback = fallback
        return conv

    # -- code -----------------------------------------------------------------
    def record(self) -> dict:
        """The statement's record for the program of :mod:`.synaptic_program`."""
        stmt = self.stmt
        target = self.resolve(stmt.target)
        if target is None:
            raise self.error(f"'{stmt.target}' is neither w, a synaptic variable nor a variable of "
                             f"{self.syn.dst!r} (use x_pre / x_post for the neuron groups)")
        kind, attribute = target
        if kind == "syn":
            return self._synaptic(attribute)
        group = self.syn.src if kind == "pre" else self.syn.dst
        if not is_state_array(getattr(group, attribute, None), group.size):
            raise self.error(f"{group!r}.{attribute} is not a variable of the group")
        if kind == self.side:
            return self._spiking_side(kind, attribute)
        return self._other_side(kind, attribute)

    def _typed(self, target_dim, op: str):
        """The statement's value, dimension-checked against ``target_dim``."""
        typed = self.converter().convert(self.stmt.expr)
        if typed.is_bool:
            raise self.error("the value is a condition")
        want = target_dim if op in ("=", "+=", "-=") else DIMENSIONLESS
        if typed.dim != want and not typed.is_zero_literal:
            raise self.error(f"inconsistent dimensions: '{self.stmt.expr}' is {typed.dim} but "
                             f"{self.stmt.target} {op} needs {want}")
        return typed

    def _reads(self, expr) -> dict:
        """The read records (``[local, kind, attribute, is_array]``) and time flag of ``expr``."""
        reads = []
        for name in sorted(s.name for s in expr.free_symbols if s.name in self.used):
            kind, attribute = self.used[name]
            value = getattr({"syn": self.syn, "pre": self.syn.src, "post": self.syn.dst}[kind], attribute)
            is_array = hasattr(value, "shape") and getattr(value, "ndim", 1) != 0
            reads.append([name, kind, attribute, bool(is_array)])
        return {"reads": reads, "time": sym("t") in expr.free_symbols}

    def _all_connected(self) -> bool:
        return bool(connection_mask(self.syn).all())

    def _no_sparse(self, what: str) -> None:
        if sp.issparse(self.syn.W):
            raise self.error(f"{what} needs dense weights; {self.syn!r}.W is scipy.sparse "
                             "(use sparse=False)")

    def _synaptic(self, attribute: str) -> dict:
        stmt = self.stmt
        self._no_sparse("a statement on synaptic variables")
        typed = self._typed(self._dim("syn", attribute), stmt.op)
        return {"type": "syn", "attribute": attribute, "op": stmt.op, "expr": print_expr(typed.expr),
                **self._reads(typed.expr)}

    def _spiking_side(self, kind: str, attribute: str) -> dict:
        stmt = self.stmt
        group = self.spiking_group
        typed = self._typed(registered_dims(group).get(attribute, DIMENSIONLESS), stmt.op)
        if self.arrival_mask is not None:
            raise self.error(f"with per-synapse delays a statement acts on single synapses, so it may not "
                             f"change the {kind}synaptic variable {attribute} (use one delay for all synapses)")
        others = {k for k, _ in (self.used[s.name] for s in typed.expr.free_symbols if s.name in self.used)}
        if others - {kind}:
            raise self.error(f"the value of a {kind}synaptic variable may only use variables of {group!r} "
                             "(a sum over synapses goes the other way: e.g. 'ge += w' in OnPre)")
        return {"type": "spiking", "group": kind, "attribute": attribute, "op": stmt.op,
                "expr": print_expr(typed.expr), **self._reads(typed.expr)}

    def _other_side(self, kind: str, attribute: str) -> dict:
        stmt = self.stmt
        group = self.other_group
        if stmt.op not in ("+=", "-="):
            raise self.error(f"a {kind}synaptic variable receives a sum over synapses: use += or -=")
        target_dim = registered_dims(group).get(attribute, DIMENSIONLESS)
        fast = self._proportional_to_w(target_dim, kind, attribute)
        if fast is not None:  # x += c*w: one product of the weights with the spikes
            return fast
        self._no_sparse(f"'{stmt.source}'")
        typed = self._typed(target_dim, stmt.op)
        return {"type": "other_sum", "group": kind, "attribute": attribute, "op": stmt.op,
                "expr": print_expr(typed.expr), **self._reads(typed.expr)}

    def _proportional_to_w(self, target_dim, kind: str, attribute: str) -> dict | None:
        """The record of ``x += c*w`` with ``c`` free of synaptic and spiking-side variables, else None.

        Fixes the unit of ``w`` when none is registered (the unit the statement needs).
        """
        stmt = self.stmt
        w = sym("_syn_W")
        w_dim = registered_dims(self.syn).get("W")
        conv = self.converter()
        if w_dim is None:
            self.used["_syn_W"] = ("syn", "W")
            conv.variables["w"] = (w, DIMENSIONLESS)
        typed = conv.convert(stmt.expr)
        if typed.is_bool or w not in typed.expr.free_symbols:
            return None
        coeff = sympy.simplify(typed.expr / w)
        if coeff.free_symbols & {sym(n) for n, (k, _) in self.used.items() if k != self.other_kind}:
            return None
        if w_dim is None:
            w_dim = target_dim / typed.dim
            registered_dims(self.syn)["W"] = w_dim
        elif typed.dim != target_dim:
            raise self.error(f"inconsistent dimensions: '{stmt.expr}' is {typed.dim} (w is {w_dim}) "
                             f"but {stmt.target} is {target_dim}")
        return {"type": "other_w", "group": kind, "attribute": attribute, "op": stmt.op,
                "coeff": print_expr(coeff), "coeff_is_one": bool(coeff == 1),
                "numpy_columns": _backend_name(self.syn) == "numpy", "w_dim": dim_to_data(w_dim),
                **self._reads(coeff)}

    @property
    def other_kind(self) -> str:
        return "post" if self.side == "pre" else "pre"


def summed_records(syn, lines, context: str, namespace: dict | None = None) -> list[dict]:
    """Records (:mod:`.synaptic_program`) of ``(summed)`` equation lines on the SynapseGroup ``syn``.

    ``x_post = expression : unit (summed)`` sets ``syn.dst.x`` to the sum of
    the expression over the existing synapses of each destination neuron
    (``x_pre``: of each source neuron). The expression uses the names of
    OnPre/OnPost statements (``w``, synaptic variables, ``v_pre``,
    ``v_post``, constants).
    """
    out = []
    for ln in lines:
        where = f"{context}: '{ln.source}'"
        if ln.kind != "sub":
            raise EquationError(f"{where}: (summed) goes on a sub-expression 'x_post = ... : unit (summed)'")
        if ln.name.endswith("_post") and len(ln.name) > 5:
            group, kind, base, axis = syn.dst, "post", ln.name[:-5], 1
        elif ln.name.endswith("_pre") and len(ln.name) > 4:
            group, kind, base, axis = syn.src, "pre", ln.name[:-4], 0
        else:
            raise EquationError(f"{where}: a summed variable names the group it sums into, "
                                f"e.g. '{ln.name}_post' (destination) or '{ln.name}_pre' (source)")
        if not is_state_array(getattr(group, base, None), group.size):
            raise EquationError(f"{where}: {group!r} has no variable '{base}' to sum into "
                                "(set it with a Variable first)")
        want = registered_dims(group).get(base)
        if ln.unit is not None:
            declared = parse_unit(ln.unit, where)[1]
            if want is not None and want != declared:
                raise EquationError(f"{where}: {base} of {group!r} is {want}, not {declared}")
            want = declared
        want = DIMENSIONLESS if want is None else want
        stmt = Statement(ln.name, "=", ln.expr, ln.source)
        compiler = StatementCompiler("pre", syn, stmt, context, namespace)
        compiler._no_sparse("a summed variable")
        typed = compiler.converter().convert(ln.expr)
        if typed.is_bool or (typed.dim != want and not typed.is_zero_literal):
            raise EquationError(f"{where}: the expression is {typed.dim}, but {base} is {want}")
        out.append({"group": kind, "base": base, "axis": axis, "expr": print_expr(typed.expr),
                    "masked": not compiler._all_connected(), **compiler._reads(typed.expr)})
    return out


def weights_record(syn, weight: str, context, namespace=None) -> dict:
    """Parse and check OnPre's ``w`` string (sympy): ``{expr, rand, constant, dim}`` for
    :func:`.synaptic.make_weights`."""
    conv = converter_for(syn, context, random_calls=True, namespace=namespace)
    typed = conv.convert(weight)
    rand = [[s.name, init] for s, init in conv.random_placeholders]
    constant = None
    if not rand:
        from .parser import constant_value

        constant = repr(constant_value(typed, f"{context}, w={weight!r}", "a weight"))
    return {"expr": print_expr(typed.expr), "rand": rand, "constant": constant, "dim": dim_to_data(typed.dim)}

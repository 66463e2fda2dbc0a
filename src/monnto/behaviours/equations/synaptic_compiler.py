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
from .parser import ExpressionConverter, Statement, parse_unit
from .runtime import compile_function
from .synaptic import _backend_name
from .units import DIMENSIONLESS, TIME

__all__ = ["StatementCompiler", "connection_mask", "make_weights", "summed_code"]


def connection_mask(syn):
    """``syn.connected`` (bool, D x S), made from the nonzero weights when absent."""
    connected = getattr(syn, "connected", None)
    if connected is None:
        W = syn.W
        connected = (W.toarray() != 0) if sp.issparse(W) else (W != 0)
        if isinstance(connected, np.ndarray):
            connected = np.asarray(connected)  # a plain bool array, not an EventMatrix
        syn.connected = connected
    return connected


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
    def lines(self) -> list[str]:
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

    def _operand(self, local: str, layout: str) -> str:
        """Code reading the symbol ``local`` in ``layout``: 'matrix' (spiking slice) or 'spiking' (1-D)."""
        kind, attribute = self.used[local]
        obj = {"syn": "_syn", "pre": "_src", "post": "_dst"}[kind]
        index = "_j" if self.side == "pre" else "_i"
        value = getattr({"syn": self.syn, "pre": self.syn.src, "post": self.syn.dst}[kind], attribute)
        if layout == "full" or not hasattr(value, "shape") or getattr(value, "ndim", 1) == 0 \
                or (layout == "all" and kind == "syn"):
            return f"{obj}.{attribute}"
        if layout == "all":  # every synapse: rows are dst, columns src
            return f"{obj}.{attribute}[:, None]" if kind == "post" else f"{obj}.{attribute}[None, :]"
        if layout == "spiking":
            return f"{obj}.{attribute}[{index}]"
        if kind == "syn":
            return f"{obj}.{attribute}[:, _j]" if self.side == "pre" else f"{obj}.{attribute}[_i, :]"
        if self.side == "pre":  # matrix rows are dst, columns the spiking sources
            return f"{obj}.{attribute}[:, None]" if kind == "post" else f"{obj}.{attribute}[_j][None, :]"
        return f"{obj}.{attribute}[_i][:, None]" if kind == "post" else f"{obj}.{attribute}[None, :]"

    def _reads(self, expr, layout: str, indent: str = "        ") -> list[str]:
        """Lines binding the symbols of ``expr`` (layout: 'matrix', 'spiking', 'full' or 'all')."""
        names = sorted(s.name for s in expr.free_symbols if s.name in self.used)
        lines = [f"{indent}{n} = {self._operand(n, layout)}" for n in names]
        if sym("t") in expr.free_symbols:
            lines.append(f"{indent}t = _dst.t")
        return lines

    def _mask(self, whole: bool = False) -> str | None:
        """Code of the connection mask of the spiking slice (``whole``: of every synapse),
        or None when every synapse exists."""
        if self.arrival_mask is not None and not whole:
            return self.arrival_mask
        connected = connection_mask(self.syn)
        if bool(connected.all()):
            return None
        if whole:
            return "_syn.connected"
        return "_syn.connected[:, _j]" if self.side == "pre" else "_syn.connected[_i, :]"

    def _no_sparse(self, what: str) -> None:
        if sp.issparse(self.syn.W):
            raise self.error(f"{what} needs dense weights; {self.syn!r}.W is scipy.sparse "
                             "(use sparse=False)")

    def _synaptic(self, attribute: str) -> list[str]:
        stmt = self.stmt
        self._no_sparse("a statement on synaptic variables")
        typed = self._typed(self._dim("syn", attribute), stmt.op)
        value = print_expr(typed.expr)
        reads = self._reads(typed.expr, "matrix")
        ref = f"_syn.{attribute}[:, _j]" if self.side == "pre" else f"_syn.{attribute}[_i, :]"
        local = f"_syn_{attribute}"
        old = local if any(s.name == local for s in typed.expr.free_symbols) else ref  # gathered once
        lines = reads + [f"        _old = {old}"]
        new = value if stmt.op == "=" else f"_old {stmt.op[0]} ({value})"
        mask = self._mask()
        if mask is None:
            lines.append(f"        {ref} = {new}")
        else:
            lines.append(f"        {ref} = numpy.where({mask}, {new}, _old)")
        return lines

    def _spiking_side(self, kind: str, attribute: str) -> list[str]:
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
        obj = "_src" if kind == "pre" else "_dst"
        index = "_j" if self.side == "pre" else "_i"
        value = print_expr(typed.expr)
        lines = self._reads(typed.expr, "spiking")
        if stmt.op == "=":
            lines.append(f"        {obj}.{attribute}[{index}] = {value}")
        else:
            lines.append(f"        {obj}.{attribute}[{index}] {stmt.op} {value}")
        return lines

    def _other_side(self, kind: str, attribute: str) -> list[str]:
        stmt = self.stmt
        group = self.other_group
        if stmt.op not in ("+=", "-="):
            raise self.error(f"a {kind}synaptic variable receives a sum over synapses: use += or -=")
        target_dim = registered_dims(group).get(attribute, DIMENSIONLESS)
        fast = self._proportional_to_w(target_dim)
        obj = "_dst" if kind == "post" else "_src"
        if fast is not None:  # x += c*w: one product of the weights with the spikes
            return fast
        self._no_sparse(f"'{stmt.source}'")
        typed = self._typed(target_dim, stmt.op)
        value = print_expr(typed.expr)
        mask = self._mask()
        axis = 1 if self.side == "pre" else 0
        terms = f"({value})" if mask is None else f"numpy.where({mask}, {value}, 0.0)"
        shape = "(_dst.size, _j.shape[0])" if self.side == "pre" else "(_i.shape[0], _src.size)"
        return self._reads(typed.expr, "matrix") + [
            f"        {obj}.{attribute} {stmt.op} numpy.sum(numpy.broadcast_to({terms}, {shape}), axis={axis})"]

    def _proportional_to_w(self, target_dim) -> list[str] | None:
        """Lines for ``x += c*w`` with ``c`` free of synaptic and spiking-side variables, else None.

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
        reads = self._reads(coeff, "full")
        c = print_expr(coeff)
        if self.arrival_mask is not None:  # the arriving synapses of the slice only
            total = (f"numpy.sum(numpy.where({self.arrival_mask}, _W[:, _j], 0.0), axis=1)" if self.side == "pre"
                     else f"numpy.sum(numpy.where({self.arrival_mask}, _W[_i, :], 0.0), axis=0)")
            obj = "_dst" if self.side == "pre" else "_src"
            attribute = self.resolve(stmt.target)[1]
        elif self.side == "pre":
            columns = "_column_sum(_W, _j)" if _backend_name(self.syn) == "numpy" else "numpy.sum(_W[:, _j], axis=1)"
            total = f"_W @ numpy.astype(_spk, _W.dtype) if _issparse(_W) else {columns}"
            obj, attribute = "_dst", self.resolve(stmt.target)[1]
        else:
            total = ("(_W.T @ numpy.astype(_spk, _W.dtype)) if _issparse(_W) "
                     "else numpy.sum(_W[_i, :], axis=0)")
            obj, attribute = "_src", self.resolve(stmt.target)[1]
        inc = "_x" if coeff == 1 else f"({c}) * _x"
        return reads + ["        _W = _syn.W", f"        _x = {total}",
                        f"        {obj}.{attribute} {stmt.op} {inc}"]

    @property
    def other_kind(self) -> str:
        return "post" if self.side == "pre" else "pre"


def summed_code(syn, lines, context: str, namespace: dict | None = None) -> list[str]:
    """Code lines (inside a step function of ``_grp`` = ``syn``) for ``(summed)`` equation lines.

    ``x_post = expression : unit (summed)`` sets ``syn.dst.x`` to the sum of
    the expression over the existing synapses of each destination neuron
    (``x_pre``: of each source neuron). The expression uses the names of
    OnPre/OnPost statements (``w``, synaptic variables, ``v_pre``,
    ``v_post``, constants).
    """
    out = ["    _syn = _grp", "    _src = _grp.src", "    _dst = _grp.dst"]
    for ln in lines:
        where = f"{context}: '{ln.source}'"
        if ln.kind != "sub":
            raise EquationError(f"{where}: (summed) goes on a sub-expression 'x_post = ... : unit (summed)'")
        if ln.name.endswith("_post") and len(ln.name) > 5:
            group, obj, base, axis = syn.dst, "_dst", ln.name[:-5], 1
        elif ln.name.endswith("_pre") and len(ln.name) > 4:
            group, obj, base, axis = syn.src, "_src", ln.name[:-4], 0
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
        value = print_expr(typed.expr)
        mask = compiler._mask(whole=True)
        terms = value if mask is None else f"numpy.where({mask}, {value}, 0.0)"
        out += compiler._reads(typed.expr, "all", indent="    ")
        out.append(f"    {obj}.{base}[...] = numpy.sum(numpy.broadcast_to({terms}, (_dst.size, _src.size)), "
                   f"axis={axis})")
    return out


def make_weights(syn, weight, p, sparse, context, namespace=None) -> None:
    """``syn.W`` (and ``syn.connected``) from OnPre's ``w`` and ``p``."""
    backend = _backend_name(syn)
    if sparse and backend != "numpy":
        raise EquationError(f"{context}: sparse=True (scipy.sparse CSR weights) needs the numpy backend, "
                            f"{syn!r} is on backend {backend!r}; use sparse=False (dense weights)")
    mask = syn.get_synapse_mat("ones", density=p if p < 1 else None)
    if isinstance(weight, (int, float, np.integer, np.floating)):
        value, dim = float(weight), None
        matrix = mask * value
    else:
        conv = converter_for(syn, context, random_calls=True, namespace=namespace)
        typed = conv.convert(weight)
        values = {s.name: syn.get_synapse_mat(init) for s, init in conv.random_placeholders}
        if values:
            src = f"def _value({', '.join(sorted(values))}):\n    return {print_expr(typed.expr)}\n"
            value = compile_function(src, "_value", xp=getattr(syn, "xp", None), label=context)(**values)
            matrix = mask * value
        else:
            from .parser import constant_value

            matrix = mask * constant_value(typed, f"{context}, w={weight!r}", "a weight")
        dim = typed.dim
    syn.connected = mask != 0
    syn.W = sp.csr_matrix(matrix) if sparse else matrix
    if dim is not None:
        registered_dims(syn)["W"] = dim

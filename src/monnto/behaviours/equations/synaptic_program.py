"""Programs of OnPre/OnPost statements and of summed variables, and their numpy rendering.

The analysis (:mod:`.synaptic_compiler`, sympy) turns each statement into a
record; the program of an OnPre/OnPost is::

    {"kind": "synaptic", "side": "pre" | "post",
     "delay": "none" | "uniform" | "per_synapse", "all_connected": bool,
     "statements": [record, ...]}

Records (``reads``: ``[local, kind, attribute, is_array]`` with kind
``'syn'``, ``'pre'`` or ``'post'``; ``time``: the value uses ``t``):

``syn``
    a synaptic variable of the spiking neurons' synapses:
    ``attribute``, ``op``, ``expr``;
``spiking``
    a variable of the spiking side: ``group`` (``'pre'``/``'post'``),
    ``attribute``, ``op``, ``expr``;
``other_sum``
    ``x += expr`` summed over the spiking neurons' synapses into a
    variable of the other side: ``group``, ``attribute``, ``op``, ``expr``;
``other_w``
    the same for ``x += c*w`` (one product of the weights with the
    spikes; scipy.sparse weights too): ``group``, ``attribute``, ``op``,
    ``coeff``, ``coeff_is_one``, ``numpy_columns`` (gather columns of a
    Fortran-ordered numpy matrix as rows).

A summed variable (in an Equation's program, ``summed``) is
``{group, base, axis, expr, masked, reads, time}``.

:func:`numpy_synaptic_source` and :func:`numpy_summed_lines` render them
for the numpy target; :mod:`monnto.targets.numba_equations` renders the same
records as loops for numba.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from .printers import check_expression

__all__ = ["check_summed", "check_synaptic", "connection_mask", "numpy_summed_lines", "numpy_synaptic_source", "operand"]

_OBJ = {"syn": "_syn", "pre": "_src", "post": "_dst"}
_OPS = ("=", "+=", "-=", "*=", "/=")


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


def _identifier(value, what: str) -> str:
    if not isinstance(value, str) or not value.isidentifier() or value.startswith("__"):
        raise ValueError(f"synaptic program: {what} must be an identifier, got {value!r}")
    return value


def _check_reads(reads) -> None:
    if not isinstance(reads, list):
        raise ValueError("synaptic program: reads must be a list")
    for local, kind, attribute, is_array in reads:
        _identifier(local, "a local name")
        _identifier(attribute, "an attribute")
        if kind not in _OBJ or not isinstance(is_array, bool):
            raise ValueError(f"synaptic program: bad read {[local, kind, attribute, is_array]!r}")


def check_synaptic(program: dict) -> None:
    """Check an OnPre/OnPost program (raises ``ValueError`` naming the bad field)."""
    if program.get("side") not in ("pre", "post") or program.get("delay") not in ("none", "uniform", "per_synapse") \
            or not isinstance(program.get("all_connected"), bool):
        raise ValueError("synaptic program: bad side, delay or all_connected")
    for rec in program["statements"]:
        kind = rec.get("type")
        _check_reads(rec["reads"])
        if not isinstance(rec.get("time"), bool):
            raise ValueError("synaptic program: time must be True or False")
        _identifier(rec["attribute"], "an attribute")
        if rec["op"] not in _OPS:
            raise ValueError(f"synaptic program: operator {rec['op']!r} is not one of {_OPS}")
        if kind in ("syn",):
            check_expression(rec["expr"])
        elif kind in ("spiking", "other_sum"):
            check_expression(rec["expr"])
            if rec["group"] not in ("pre", "post"):
                raise ValueError(f"synaptic program: group {rec['group']!r}")
        elif kind == "other_w":
            from .dims import dim_from_data

            dim_from_data(rec["w_dim"])
            check_expression(rec["coeff"])
            if rec["group"] not in ("pre", "post") or not isinstance(rec["coeff_is_one"], bool) \
                    or not isinstance(rec["numpy_columns"], bool):
                raise ValueError("synaptic program: bad other_w record")
        else:
            raise ValueError(f"synaptic program: unknown statement type {kind!r}")


def check_summed(summed) -> None:
    """Check the summed-variable records of an Equation's program."""
    if not isinstance(summed, list):
        raise ValueError("summed: expected a list")
    for rec in summed:
        _check_reads(rec["reads"])
        _identifier(rec["base"], "a summed variable")
        check_expression(rec["expr"])
        if rec["group"] not in ("pre", "post") or rec["axis"] not in (0, 1) or not isinstance(rec["masked"], bool) \
                or not isinstance(rec["time"], bool):
            raise ValueError("summed: bad group, axis, masked or time")


def operand(side: str, kind: str, attribute: str, is_array: bool, layout: str) -> str:
    """Numpy code reading a variable in ``layout``.

    ``'matrix'``: the spiking slice of synapses (columns ``_j`` for OnPre,
    rows ``_i`` for OnPost); ``'spiking'``: the spiking neurons (1-D);
    ``'full'``: the whole value; ``'all'``: every synapse (D x S broadcast).
    """
    obj = _OBJ[kind]
    index = "_j" if side == "pre" else "_i"
    if layout == "full" or not is_array or (layout == "all" and kind == "syn"):
        return f"{obj}.{attribute}"
    if layout == "all":  # every synapse: rows are dst, columns src
        return f"{obj}.{attribute}[:, None]" if kind == "post" else f"{obj}.{attribute}[None, :]"
    if layout == "spiking":
        return f"{obj}.{attribute}[{index}]"
    if kind == "syn":
        return f"{obj}.{attribute}[:, _j]" if side == "pre" else f"{obj}.{attribute}[_i, :]"
    if side == "pre":  # matrix rows are dst, columns the spiking sources
        return f"{obj}.{attribute}[:, None]" if kind == "post" else f"{obj}.{attribute}[_j][None, :]"
    return f"{obj}.{attribute}[_i][:, None]" if kind == "post" else f"{obj}.{attribute}[None, :]"


def _read_lines(side: str, rec: dict, layout: str, indent: str = "        ") -> list[str]:
    lines = [f"{indent}{local} = {operand(side, kind, attribute, is_array, layout)}"
             for local, kind, attribute, is_array in sorted(rec["reads"])]
    if rec["time"]:
        lines.append(f"{indent}t = _dst.t")
    return lines


def _mask(program: dict) -> str | None:
    if program["delay"] == "per_synapse":
        return "_act"
    if program["all_connected"]:
        return None
    return "_syn.connected[:, _j]" if program["side"] == "pre" else "_syn.connected[_i, :]"


def numpy_synaptic_source(program: dict, printer) -> str:
    """Source of ``def _step(_syn)`` running an OnPre/OnPost program on whole slices (numpy, torch)."""
    side, delay = program["side"], program["delay"]
    spiking, index = ("_syn.src.spike", "_j") if side == "pre" else ("_syn.dst.spike", "_i")
    lines = ["def _step(_syn):"]
    if delay == "none":  # no delay: this step's spikes
        lines.append(f"    _spk = {spiking}")
    elif delay == "uniform":  # the spikes of `steps` steps ago
        lines.append(f"    _spk = _delay_line.delayed({spiking}, _syn.network.iteration)")
    else:  # every source (target) with a spike still travelling to one of its synapses
        lines += [f"    _delay_line.delayed({spiking}, _syn.network.iteration)",
                  "    _hist = _delay_line.history",
                  "    _spk = numpy.any(_hist, axis=0)"]
    lines += ["    if _spk.any():",  # no early return: the network may fuse this step with others
              f"        {index} = numpy.nonzero(_spk)[0]"]
    if delay == "per_synapse":  # _act: the synapses of the slice whose spike arrives now
        slot = "(_syn.network.iteration - _delay_steps{}) % _delay_line.length"
        if side == "pre":
            act = f"_hist[{slot.format('[:, _j]')}, _j[None, :]]"
            conn = "_syn.connected[:, _j]"
        else:
            act = f"_hist[{slot.format('[_i, :]')}, _i[:, None]]"
            conn = "_syn.connected[_i, :]"
        lines.append(f"        _act = {act}" + ("" if program["all_connected"] else f" & {conn}"))
    lines += ["        _src = _syn.src", "        _dst = _syn.dst"]
    mask = _mask(program)
    for rec in program["statements"]:
        lines += _STATEMENT[rec["type"]](program, rec, printer, mask)
    return "\n".join(lines) + "\n"


def _syn_lines(program, rec, printer, mask) -> list[str]:
    side, attribute, op = program["side"], rec["attribute"], rec["op"]
    value = printer.expr(rec["expr"])
    ref = f"_syn.{attribute}[:, _j]" if side == "pre" else f"_syn.{attribute}[_i, :]"
    local = f"_syn_{attribute}"
    old = local if any(r[0] == local for r in rec["reads"]) else ref  # gathered once
    lines = _read_lines(side, rec, "matrix") + [f"        _old = {old}"]
    new = value if op == "=" else f"_old {op[0]} ({value})"
    if mask is None:
        lines.append(f"        {ref} = {new}")
    else:
        lines.append(f"        {ref} = numpy.where({mask}, {new}, _old)")
    return lines


def _spiking_lines(program, rec, printer, mask) -> list[str]:
    side = program["side"]
    obj = _OBJ[rec["group"]]
    index = "_j" if side == "pre" else "_i"
    value = printer.expr(rec["expr"])
    lines = _read_lines(side, rec, "spiking")
    if rec["op"] == "=":
        lines.append(f"        {obj}.{rec['attribute']}[{index}] = {value}")
    else:
        lines.append(f"        {obj}.{rec['attribute']}[{index}] {rec['op']} {value}")
    return lines


def _other_sum_lines(program, rec, printer, mask) -> list[str]:
    side = program["side"]
    value = printer.expr(rec["expr"])
    axis = 1 if side == "pre" else 0
    terms = f"({value})" if mask is None else f"numpy.where({mask}, {value}, 0.0)"
    shape = "(_dst.size, _j.shape[0])" if side == "pre" else "(_i.shape[0], _src.size)"
    return _read_lines(side, rec, "matrix") + [
        f"        {_OBJ[rec['group']]}.{rec['attribute']} {rec['op']} "
        f"numpy.sum(numpy.broadcast_to({terms}, {shape}), axis={axis})"]


def _other_w_lines(program, rec, printer, mask) -> list[str]:
    side = program["side"]
    c = printer.expr(rec["coeff"])
    if program["delay"] == "per_synapse":  # the arriving synapses of the slice only
        total = ("numpy.sum(numpy.where(_act, _W[:, _j], 0.0), axis=1)" if side == "pre"
                 else "numpy.sum(numpy.where(_act, _W[_i, :], 0.0), axis=0)")
    elif side == "pre":
        columns = "_column_sum(_W, _j)" if rec["numpy_columns"] else "numpy.sum(_W[:, _j], axis=1)"
        total = f"_W @ numpy.astype(_spk, _W.dtype) if _issparse(_W) else {columns}"
    else:
        total = "(_W.T @ numpy.astype(_spk, _W.dtype)) if _issparse(_W) else numpy.sum(_W[_i, :], axis=0)"
    inc = "_x" if rec["coeff_is_one"] else f"({c}) * _x"
    return _read_lines(side, rec, "full") + ["        _W = _syn.W", f"        _x = {total}",
                                             f"        {_OBJ[rec['group']]}.{rec['attribute']} {rec['op']} {inc}"]


_STATEMENT = {"syn": _syn_lines, "spiking": _spiking_lines, "other_sum": _other_sum_lines, "other_w": _other_w_lines}


def numpy_summed_lines(summed: list, printer) -> list[str]:
    """Lines (inside ``_step(_grp)``, ``_grp`` the SynapseGroup) setting the summed variables."""
    out = ["    _syn = _grp", "    _src = _grp.src", "    _dst = _grp.dst"]
    for rec in summed:
        value = printer.expr(rec["expr"])
        terms = f"numpy.where(_syn.connected, {value}, 0.0)" if rec["masked"] else value
        out += _read_lines("pre", rec, "all", indent="    ")
        out.append(f"    {_OBJ[rec['group']]}.{rec['base']}[...] = numpy.sum(numpy.broadcast_to({terms}, "
                   f"(_dst.size, _src.size)), axis={rec['axis']})")
    return out


# -- per-synapse loops (numba) ------------------------------------------------------


def loop_variables(program: dict, sparse: bool) -> list[tuple[str, str, bool]]:
    """``(kind, attribute, is_array)`` of every variable a synaptic loop kernel reads or writes,
    sorted (the order of the kernel's arguments after the fixed ones)."""
    out = set()
    for rec in program["statements"]:
        for _, kind, attribute, is_array in rec["reads"]:
            out.add((kind, attribute, is_array))
        group = "syn" if rec["type"] == "syn" else rec["group"]
        out.add((group, rec["attribute"], True))
        if rec["type"] == "other_w" and not sparse:
            out.add(("syn", "W", True))
    return sorted(out)


def _arg(kind: str, attribute: str, is_array: bool) -> str:
    return f"_A_{kind}_{attribute}" if is_array else f"_C_{kind}_{attribute}"


def loop_synaptic_arguments(program: dict, sparse: bool) -> list[str]:
    """Argument names of a synaptic loop kernel after ``it``.

    ``_spike`` (the spiking group's spikes), with a delay ``_hist, _delay,
    _last`` (the ring buffer of :class:`~monnto.behaviours.synapses.delays.DelayLine`),
    ``_idx``/``_acc`` (work buffers), with sparse weights ``_w_ptr, _w_idx,
    _w_data, _w_order`` (columns of CSR weights for OnPre: ``_column_index``;
    rows for OnPost), ``_conn`` (connections, unless all exist), ``_t_off,
    _dt``, then the variables of :func:`loop_variables`.
    """
    args = ["_spike"]
    if program["delay"] == "uniform":
        args += ["_hist", "_delay", "_last"]
    elif program["delay"] == "per_synapse":  # the buffer and each synapse's delay in steps (D x S)
        args += ["_hist", "_dsteps", "_last"]
    args += ["_idx", "_acc"]
    if sparse:
        args += ["_w_ptr", "_w_idx", "_w_data", "_w_order"]
    if not program["all_connected"]:
        args.append("_conn")
    args += ["_t_off", "_dt"]
    args += [_arg(*v) for v in loop_variables(program, sparse)]
    return args


def _value_reads(program: dict, rec: dict, layout: str, ind: str) -> list[str]:
    """Bind a record's reads for one synapse ``(_i, _j)`` ('matrix'), one spiking neuron ('spiking') or
    one element of the other side ('full')."""
    side = program["side"]
    lines = []
    for local, kind, attribute, is_array in sorted(rec["reads"]):
        if not is_array:
            lines.append(f"{ind}{local} = _C_{kind}_{attribute}")
            continue
        if kind == "syn":
            index = "[_i, _j]"
        elif layout == "spiking" or layout == "matrix":
            index = "[_j]" if kind == "pre" else "[_i]"
        else:  # 'full': the other side's element
            index = "[_i]" if side == "pre" else "[_j]"
        lines.append(f"{ind}{local} = _A_{kind}_{attribute}{index}")
    return lines


def loop_synaptic_source(program: dict, function: str, sparse: bool, printer) -> str:
    """Source of the loop kernel ``function(it, ...)`` of an OnPre/OnPost program.

    For each statement, in order, the spiking neurons are visited in
    ascending order, as the numpy target's slices hold them; sums are formed
    in that order (the numpy target's column sums and CSR products add in
    the same order, so ``x += c*w`` gives the same numbers). With
    per-synapse delays the neurons visited are those with a spike still in
    the buffer, and a synapse acts when the spike its delay points to
    arrives now (the numpy target's ``_act``); its sums of masked terms add
    pairwise on numpy, so they agree within a bound.
    """
    from .emit import LOOP_DECORATOR
    from .printers import NotCompilable

    side = program["side"]
    args = loop_synaptic_arguments(program, sparse)
    lines = [LOOP_DECORATOR, f"def {function}(it, {', '.join(args)}):", "    t = (it + _t_off) * _dt"]
    spiking, other = ("_j", "_i") if side == "pre" else ("_i", "_j")
    if program["delay"] == "per_synapse":  # every neuron with a spike still travelling to a synapse
        lines += ["    _eq_store_spikes(it, _spike, _hist, 0, _last)", "    _L = _hist.shape[0]", "    _k = 0",
                  "    for _q in range(_hist.shape[1]):", "        for _h in range(_L):",
                  "            if _hist[_h, _q]:", "                _idx[_k] = _q", "                _k += 1",
                  "                break", "    if _k == 0:", "        return"]
        act = f"_hist[(it - _dsteps[_i, _j]) % _L, {spiking}]"
        mask = act if program["all_connected"] else f"({act} and _conn[_i, _j])"
    else:
        if program["delay"] == "uniform":
            lines.append("    _spk = _eq_store_spikes(it, _spike, _hist, _delay, _last)")
        else:
            lines.append("    _spk = _spike")
        lines += ["    _k = 0", "    for _q in range(_spk.shape[0]):", "        if _spk[_q]:",
                  "            _idx[_k] = _q", "            _k += 1", "    if _k == 0:", "        return"]
        mask = None if program["all_connected"] else "_conn[_i, _j]"
    # the other side's size: rows (OnPre) or columns (OnPost) of the weights
    lines.append("    _n_other = _acc.shape[0]")
    for rec in program["statements"]:
        typ = rec["type"]
        if typ in ("syn", "other_sum") and sparse:
            raise NotCompilable("statements on synapses need dense weights")
        if typ == "syn":
            target = f"_A_syn_{rec['attribute']}[_i, _j]"
            lines += ["    for _m in range(_k):", f"        {spiking} = _idx[_m]",
                      f"        for {other} in range(_n_other):"]
            ind = "            "
            if mask is not None:
                lines.append(f"{ind}if {mask}:")
                ind += "    "
            lines += _value_reads(program, rec, "matrix", ind)
            value = printer.expr(rec["expr"])
            lines.append(f"{ind}_old = {target}")
            lines.append(f"{ind}{target} = " + (value if rec["op"] == "=" else f"_old {rec['op'][0]} ({value})"))
        elif typ == "spiking":
            target = f"_A_{rec['group']}_{rec['attribute']}[{spiking}]"
            lines += ["    for _m in range(_k):", f"        {spiking} = _idx[_m]"]
            lines += _value_reads(program, rec, "spiking", "        ")
            value = printer.expr(rec["expr"])
            lines.append(f"        {target} = " + (value if rec["op"] == "=" else f"{target} {rec['op'][0]} ({value})"))
        elif typ == "other_sum":
            target = f"_A_{rec['group']}_{rec['attribute']}[{other}]"
            lines += [f"    for {other} in range(_n_other):", "        _sum = 0.0",
                      "        for _m in range(_k):", f"            {spiking} = _idx[_m]"]
            lines += _value_reads(program, rec, "matrix", "            ")
            value = printer.expr(rec["expr"])
            if mask is None:
                lines.append(f"            _sum += {value}")
            else:
                lines.append(f"            _sum += ({value}) if {mask} else 0.0")
            lines.append(f"        {target} = {target} {rec['op'][0]} _sum")
        else:  # other_w: the weights of the spiking neurons, summed per element of the other side
            lines += ["    for _q in range(_n_other):", "        _acc[_q] = 0.0", "    for _m in range(_k):",
                      f"        {spiking} = _idx[_m]"]
            if sparse:
                lines += [f"        for _p in range(_w_ptr[{spiking}], _w_ptr[{spiking} + 1]):",
                          "            _acc[_w_idx[_p]] += _w_data[_w_order[_p]]"]
            elif program["delay"] == "per_synapse":  # the arriving synapses only
                lines += [f"        for {other} in range(_n_other):",
                          f"            _acc[{other}] += _A_syn_W[_i, _j] if {mask} else 0.0"]
            else:
                lines += [f"        for {other} in range(_n_other):",
                          f"            _acc[{other}] += _A_syn_W[_i, _j]"]
            target = f"_A_{rec['group']}_{rec['attribute']}[{other}]"
            lines += [f"    for {other} in range(_n_other):"]
            lines += _value_reads(program, rec, "full", "        ")
            inc = f"_acc[{other}]" if rec["coeff_is_one"] else f"({printer.expr(rec['coeff'])}) * _acc[{other}]"
            lines.append(f"        {target} = {target} {rec['op'][0]} {inc}")
    return "\n".join(lines) + "\n"


def summed_variables(summed: list) -> list[tuple[str, str, bool]]:
    """``(kind, attribute, is_array)`` of the operands and targets of summed variables, sorted."""
    out = set()
    for rec in summed:
        out.add((rec["group"], rec["base"], True))
        for _, kind, attribute, is_array in rec["reads"]:
            out.add((kind, attribute, is_array))
    return sorted(out)


def summed_arguments(summed: list) -> list[str]:
    """Arguments of summed variables in a loop kernel: ``_nD, _nS`` (synapse matrix shape),
    ``_conn`` when a sum skips missing synapses, then ``_S_<kind>_<attribute>`` per operand."""
    args = ["_nD", "_nS"] + (["_conn"] if any(rec["masked"] for rec in summed) else [])
    return args + [f"_S_{kind}_{attribute}" for kind, attribute, _ in summed_variables(summed)]


def loop_summed_lines(summed: list, printer, parallel: bool = False) -> list[str]:
    """Kernel lines setting summed variables: per element of the group summed into, the sum over its
    synapses in index order (numpy adds the same terms pairwise: equal within a bound)."""
    lines = []
    for rec in summed:
        outer, inner = ("_r", "_c") if rec["group"] == "post" else ("_c", "_r")
        sizes = {"_r": "_nD", "_c": "_nS"}
        lines += [f"    for {outer} in {'prange' if parallel else 'range'}({sizes[outer]}):", "        _sum = 0.0",
                  f"        for {inner} in range({sizes[inner]}):"]
        ind = "            "
        if rec["masked"]:
            lines.append(f"{ind}if not _conn[_r, _c]:")
            lines.append(f"{ind}    continue")
        for local, kind, attribute, is_array in sorted(rec["reads"]):
            index = {"syn": "[_r, _c]", "post": "[_r]", "pre": "[_c]"}[kind] if is_array else ""
            lines.append(f"{ind}{local} = _S_{kind}_{attribute}{index}")
        lines.append(f"{ind}_sum += {printer.expr(rec['expr'])}")
        lines.append(f"        _S_{rec['group']}_{rec['base']}[{outer}] = _sum")
    return lines

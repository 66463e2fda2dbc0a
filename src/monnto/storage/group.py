"""The runs of one group, compared and filtered by their parameters."""
from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..core.errors import MonntoValueError
from .data_folder import get_data_folder
from .errors import CorruptRunError
from .query import evaluate_query, parse_query
from .storage_manager import STORAGE_FOLDER, StorageManager, folder_name_of

__all__ = ["SM_KEY", "StorageManagerGroup"]

#: Parameter name that stands for the StorageManager itself in the list getters.
SM_KEY = "#SM#"


def _natural_key(name: str) -> list[Any]:
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name)]


class StorageManagerGroup:
    """The runs of ``<Data>/StorageManager/<main_folder_name>/``, iterable.

    Broken runs never stop the group from loading: an unfinished run
    (killed, crashed) is listed in :attr:`incomplete`; a run whose parameter
    file cannot be read raises :class:`CorruptRunError` naming it only when
    one of its parameters is read, and :meth:`broken_runs` lists such runs.

    Parameters
    ----------
    name : str
        Name of the group (its main folder).
    main_folder_name : str, optional
        The main folder, when it differs from ``name``; then only the runs
        whose folder name contains ``name`` are loaded.
    data_folder : path-like, optional
        The Data folder (default: :func:`get_data_folder`).
    include_incomplete : bool
        Also load runs that were never finished (default True).
    skip_broken : bool
        Leave out runs whose parameter file cannot be read.

    Raises
    ------
    FileNotFoundError
        When the group's folder does not exist (the message lists the groups).
    """

    def __init__(self, name: str, main_folder_name: str | None = None,
                 data_folder: str | os.PathLike | None = None, include_incomplete: bool = True,
                 skip_broken: bool = False, _runs: list[StorageManager] | None = None) -> None:
        self.name = name
        main = folder_name_of(main_folder_name if main_folder_name is not None else name,
                              "StorageManagerGroup name")
        data = Path(data_folder).resolve() if data_folder is not None else get_data_folder()
        self.path = data / STORAGE_FOLDER / main
        if _runs is not None:
            self.runs = list(_runs)
            return
        if not self.path.is_dir():
            root = data / STORAGE_FOLDER
            groups = sorted(p.name for p in root.iterdir() if p.is_dir()) if root.is_dir() else []
            raise FileNotFoundError(f"StorageManagerGroup({name!r}): no group folder "
                                    f"{str(self.path)!r}; groups in {str(root)!r}: {groups}")
        folders = sorted((p for p in self.path.iterdir() if p.is_dir()),
                         key=lambda p: _natural_key(p.name))
        if main_folder_name is not None:
            folders = [p for p in folders if name in p.name]
        runs = [StorageManager.open(p) for p in folders]
        if not include_incomplete:
            runs = [sm for sm in runs if sm.is_complete]
        if skip_broken:
            runs = [sm for sm in runs if self._error_of(sm) is None]
        self.runs = runs

    # ------------------------------------------------------------ container
    def __iter__(self) -> Iterator[StorageManager]:
        return iter(self.runs)

    def __len__(self) -> int:
        return len(self.runs)

    def __repr__(self) -> str:
        return f"<StorageManagerGroup {self.name!r}: {len(self.runs)} runs>"

    def _subset(self, runs: list[StorageManager]) -> StorageManagerGroup:
        return StorageManagerGroup(self.name, data_folder=self.path.parent.parent,
                                   main_folder_name=self.path.name, _runs=runs)

    def __getitem__(self, key: int | slice | str) -> Any:
        """``group[i]`` a run, ``group[a:b]`` a sub-group, ``group['k>5']`` the runs matching a query."""
        if isinstance(key, str):
            return self.query(key)
        if isinstance(key, slice):
            return self._subset(self.runs[key])
        return self.runs[key]

    @property
    def incomplete(self) -> list[StorageManager]:
        """Runs never finished (killed, crashed, or still running)."""
        return [sm for sm in self.runs if not sm.is_complete]

    @staticmethod
    def _error_of(sm: StorageManager) -> str | None:
        try:
            sm.get_all_params()
        except (CorruptRunError, OSError) as err:
            return str(err)
        return None

    def broken_runs(self) -> list[tuple[StorageManager, str]]:
        """Runs whose parameter file cannot be read, with the reason."""
        out = []
        for sm in self.runs:
            err = self._error_of(sm)
            if err is not None:
                out.append((sm, err))
        return out

    # ------------------------------------------------------------ parameters
    @staticmethod
    def _value(sm: StorageManager, param: str | Callable[[StorageManager], Any]) -> Any:
        if callable(param):
            return param(sm)
        if param == SM_KEY:
            return sm
        return sm.load_param(param)

    def sort_by(self, param: str | Callable[[StorageManager], Any],
                reverse: bool = False) -> StorageManagerGroup:
        """Sort the runs in place by a parameter (missing values first); returns self."""
        def key(sm: StorageManager) -> tuple[int, Any]:
            value = self._value(sm, param)
            return (0, 0) if value is None else (1, value)

        self.runs.sort(key=key, reverse=reverse)
        return self

    def get_param_list(self, param: str | Callable[[StorageManager], Any],
                       remove_None: bool = False) -> list[Any]:  # noqa: N803 (PymoNNto name)
        """One value per run: a parameter, ``'#SM#'`` (the run itself) or ``f(sm)``."""
        values = [self._value(sm, param) for sm in self.runs]
        return [v for v in values if v is not None] if remove_None else values

    def get_np_list(self, key: str, remove_None: bool = False) -> list[Any]:  # noqa: N803
        """The array ``key`` of each run (None where a run has none)."""
        values = [sm.load_np(key) if sm.has_np(key) else None for sm in self.runs]
        return [v for v in values if v is not None] if remove_None else values

    def get_obj_list(self, key: str, remove_None: bool = False, *,  # noqa: N803
                     trusted: bool = False) -> list[Any]:
        """The pickled object ``key`` of each run (None where a run has none).

        Unpickling runs code named by the file, so this is refused
        (:class:`~monnto.UnsafeLoadError`) unless ``trusted=True``: pass it
        only for run folders whose writers you trust (see ``docs/sharing.md``).
        """
        values = [sm.load_obj(key, trusted=trusted) if sm.has_obj(key) else None
                  for sm in self.runs]
        return [v for v in values if v is not None] if remove_None else values

    def get_multi_param_list(self, params: Sequence[str | Callable[[StorageManager], Any]],
                             remove_None: bool = True) -> list[np.ndarray]:  # noqa: N803
        """One array per parameter, one column per run (``'#SM#'`` gives the managers).

        With ``remove_None`` a run missing any of the parameters is left out
        of every array, so the arrays stay aligned.
        """
        rows = [[self._value(sm, p) for sm in self.runs] for p in params]
        columns = list(zip(*rows)) if rows else []
        if remove_None:
            columns = [c for c in columns if all(v is not None for v in c)]
        out = []
        for i, p in enumerate(params):
            values = [c[i] for c in columns]
            if p == SM_KEY:
                arr = np.empty(len(values), dtype=object)
                arr[:] = values
            else:
                arr = np.asarray(values) if values else np.asarray([], dtype=float)
            out.append(arr)
        return out

    def get_multi_param_dict(self, params: Sequence[str], remove_None: bool = True) -> dict[str, np.ndarray]:  # noqa: N803
        """Like :meth:`get_multi_param_list`, keyed by parameter name."""
        return dict(zip(params, self.get_multi_param_list(params, remove_None)))

    # ------------------------------------------------------------ queries
    def query(self, query: str) -> StorageManagerGroup:
        """The runs whose parameters satisfy ``query`` (``'k>5 and s=="x"'``), safely parsed.

        Raises
        ------
        ValueError
            When the query holds anything but names, constants, comparisons
            and and/or/not (see :mod:`monnto.storage.query`).
        """
        tree = parse_query(query)
        matches = [sm for sm in self.runs if evaluate_query(tree, sm.load_param)]
        return self._subset(matches)

    # ------------------------------------------------------------ plots
    def plot(self, x: str | Callable[[StorageManager], Any], y: str | Callable[[StorageManager], Any],
             ax: Any = None, file: str | os.PathLike | None = None, aggregate: str | None = None,
             **plot_kwargs: Any) -> tuple[Any, np.ndarray, np.ndarray]:
        """Plot a parameter against a parameter or a result across runs.

        Parameters
        ----------
        x, y : str or callable
            Parameter names, or functions ``f(sm)`` computing a result from a
            run (``lambda sm: sm.load_np('rates').mean()``).
        ax : matplotlib Axes, optional
            Axes to draw into (default: a new figure).
        file : path-like, optional
            Save the figure there.
        aggregate : {'mean', 'median', 'max', 'min'}, optional
            Reduce the y values of runs with equal x to one point.
        **plot_kwargs
            Passed to ``ax.plot`` (default marker ``'o'``).

        Returns
        -------
        ax, xs, ys
            The axes and the plotted values, sorted by x.
        """
        xs, ys = self.get_multi_param_list([x, y], remove_None=True)
        order = np.argsort(xs, kind="stable")
        xs, ys = xs[order], ys[order]
        if aggregate is not None:
            reducers = {"mean": np.mean, "median": np.median, "max": np.max, "min": np.min}
            if aggregate not in reducers:
                raise MonntoValueError(f"plot: aggregate must be one of {sorted(reducers)}, "
                                 f"got {aggregate!r}")
            ux = np.unique(xs)
            ys = np.array([reducers[aggregate](ys[xs == u]) for u in ux])
            xs = ux
        if ax is None:
            from matplotlib.figure import Figure
            ax = Figure().add_subplot()
        plot_kwargs.setdefault("marker", "o")
        ax.plot(xs, ys, **plot_kwargs)
        ax.set_xlabel(x if isinstance(x, str) else getattr(x, "__name__", "x"))
        ax.set_ylabel(y if isinstance(y, str) else getattr(y, "__name__", "y"))
        if file is not None:
            ax.figure.savefig(file)
        return ax, xs, ys

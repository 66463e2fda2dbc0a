"""What the sensory inputs share: a source that streams in chunks and survives saving.

The open reader (a file, a decoder, a generator) is a transient attribute:
``save_network`` skips it. What is saved instead is how to open it again:

* an array source: the array itself (``source_array``, stored as ``.npy``);
* a file source: its absolute path (``source_path``) and how far it was
  read (the reader's ``position``); ``after_load`` reopens the file and
  skips to that position, so the loaded network continues exactly;
* a generator source cannot be saved: :meth:`StreamingInput.before_save`
  raises a TypeError naming the behaviour, and loading a network saved
  without that check raises :class:`~monnto.core.errors.LoadError`.

Everything else the inputs keep between steps (the precomputed chunk, filter
states, event-camera state) is plain numbers and arrays, saved as they are.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from monnto.core.behaviour import Behaviour
from monnto.core.errors import LoadError, MonntoTypeError, bad_value, describe

from .sources import source_kind

__all__ = ["StreamingInput"]


class StreamingInput(Behaviour):
    """Base class of inputs reading a ``source=`` in chunks (see module docstring)."""

    #: rebuilt by after_load from source_kind / source_path / source_array
    transient_attributes = ("_reader",)

    def _take_source(self) -> Any:
        """Read ``source=`` and record how to reopen it; returns the source object."""
        if "source" not in self.init_kwargs:
            raise bad_value(self, "source", expected="given (an array, a path or an iterable)")
        source = self.init_kwargs["source"]
        self.used_attr_keys.add("source")
        self.source_kind = source_kind(source)
        self.source_path = None
        self.source_array = None
        if self.source_kind == "file":
            self.source_path = str(Path(os.fspath(source)).expanduser().resolve())
        elif self.source_kind == "array":
            self.source_array = source
        elif self.source_kind == "generator":
            # the iterable itself stays out of the saved state (see before_save)
            self.init_kwargs["source"] = f"<{type(source).__name__} (not saved)>"
        return source

    def _open(self, source: Any):  # pragma: no cover - abstract
        raise NotImplementedError

    @property
    def source_position(self) -> int:
        """Frames or samples read from the source so far."""
        reader = self.__dict__.get("_reader")
        return 0 if reader is None else int(reader.position)

    def assigns_attribute(self, group: Any, attribute: str) -> bool | None:
        """Whether this input sets ``group.attribute`` (None before initialize: not known yet).

        The inputs create every variable they write (``I_input``, ``spike``)
        in ``set_variables``, so after ``initialize()`` the answer is exact;
        the GUI uses it to record only what exists.
        """
        if "source_kind" not in self.__dict__:
            return None
        return group is self.parent and hasattr(group, attribute)

    def before_save(self) -> None:
        """Refuse to save a generator source (called by ``save_network`` before encoding).

        Raises
        ------
        MonntoTypeError
            (a TypeError) naming the behaviour, when ``source=`` is a generator
            or another iterable that is neither an array nor a path; the
            save then writes nothing.
        """
        kind = self.__dict__.get("source_kind")
        if kind is None:  # not initialized yet: the source is still in the keyword arguments
            kind = source_kind(self.init_kwargs.get("source")) if "source" in self.init_kwargs else None
        if kind == "generator":
            given = self.init_kwargs.get("source")
            shown = given if isinstance(given, str) else f"<{type(given).__name__}>"
            raise MonntoTypeError(
                f"save_network: {describe(self)}: source must be an array or a file path to be saved, "
                f"got a generator {shown} (its frames or samples cannot be saved); give the source as an "
                "array or a file path to save this network")
        reader = self.__dict__.get("_reader")
        self._saved_position = 0 if reader is None else int(reader.position)

    def _sync_position(self) -> None:
        reader = self.__dict__.get("_reader")
        if reader is not None:
            self._saved_position = int(reader.position)

    def after_load(self, parent) -> None:
        """Reopen the source and move it to the saved position."""
        if self.source_kind == "generator":
            raise LoadError(f"load_network: {describe(self)} read from a generator, which was not "
                            "saved; the network cannot continue (save with an array or a file source)")
        source = self.source_array if self.source_kind == "array" else self.source_path
        if source is None:
            raise LoadError(f"load_network: {describe(self)}: no source was saved")
        if self.source_kind == "file":  # only inside the save or a folder the user passed
            from ...storage.load_context import resolve_saved_path

            source = self.source_path = str(resolve_saved_path(source, describe(self)))
        self._reader = self._open(source)
        self._reader.skip(int(getattr(self, "_saved_position", 0)))

    def close(self) -> None:
        """Close the source's file (a later step reads nothing more)."""
        reader = self.__dict__.get("_reader")
        if reader is not None:
            reader.close()

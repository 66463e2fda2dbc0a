"""Errors raised by the storage package."""
from __future__ import annotations

from ..core.errors import LoadError, MonntoError

__all__ = ["CorruptRunError", "FormatVersionError", "StorageError"]


class StorageError(MonntoError):
    """Base class of storage errors."""


class CorruptRunError(StorageError, LoadError):
    """A file of a run folder (its parameter file, say) cannot be read."""


class FormatVersionError(StorageError, LoadError):
    """A saved file was written by a newer (or unknown) format version."""

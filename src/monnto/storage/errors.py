"""Errors raised by the storage package."""
from __future__ import annotations

__all__ = ["CorruptRunError", "FormatVersionError", "StorageError"]


class StorageError(Exception):
    """Base class of storage errors."""


class CorruptRunError(StorageError, ValueError):
    """A file of a run folder (its parameter file, say) cannot be read."""


class FormatVersionError(StorageError, ValueError):
    """A saved file was written by a newer (or unknown) format version."""

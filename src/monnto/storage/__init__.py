"""Run folders, parameters, streaming recordings and network save/load.

- :func:`get_data_folder`: the project's ``Data`` folder.
- :class:`StorageManager`: one folder per run (parameters, arrays, objects,
  frames, videos, recorders, streams).
- :class:`StorageManagerGroup`: the runs of a group, compared by parameters.
- :func:`save_network` / :func:`load_network`: a whole network, continued
  bit-identically after loading.
"""
from .data_folder import get_data_folder, safe_name
from .errors import CorruptRunError, FormatVersionError, StorageError
from .group import StorageManagerGroup
from .load_policy import register_loadable
from .network_io import load_network, save_network
from .query import parse_query
from .storage_manager import StorageManager
from .streams import StreamArray, ZarrStream

__all__ = [
    "CorruptRunError",
    "FormatVersionError",
    "StorageError",
    "StorageManager",
    "StorageManagerGroup",
    "StreamArray",
    "ZarrStream",
    "get_data_folder",
    "load_network",
    "parse_query",
    "register_loadable",
    "safe_name",
    "save_network",
]

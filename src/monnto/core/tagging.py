"""The tagging system: ``obj['tag']``, ``obj['tag', i]``, ``obj['tag', i, 'np']``.

Every network object (Network, NeuronGroup, SynapseGroup, Behaviour) has a
list of ``tags``: the user's tags (each part of ``'a,b'``), its class name and
automatic tags. ``obj[key]`` returns every match in obj's subtree.

Results are cached per key (tuple keys reuse the cache of their tag); the
network clears every cache when its structure changes. Recorded data is
cached as a *live* reference and resolved at each look-up, so a cached
look-up always returns the data recorded so far.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .backend import to_numpy
from .errors import MonntoTypeError


class LiveData:
    """A cached reference to data that changes during a run (recordings)."""

    __slots__ = ("getter",)

    def __init__(self, getter):
        self.getter = getter

    def get(self) -> Any:
        return self.getter()


def split_tags(tag: str | None) -> list[str]:
    """Split a comma-separated tag string into its stripped, non-empty parts."""
    if tag is None:
        return []
    if not isinstance(tag, str):
        raise MonntoTypeError(f"tag must be a string such as 'exc' or 'exc,layer1', got {tag!r}")
    return [part.strip() for part in tag.split(",") if part.strip()]


class TaggableObject:
    """Base of everything that can be found by tag."""

    def __init__(self, tag: str | None = None):
        # A plain dict of our own as the instance dict (keeping what a subclass
        # set before calling us). CPython 3.11 does not specialize attribute
        # look-ups on an instance whose shared-key dict was once exposed
        # through __dict__ (the framework does that), which made every
        # `n.voltage` in a behaviour ~10x slower (30 ns instead of 3 ns).
        self.__dict__ = dict(self.__dict__)
        self.tags: list[str] = split_tags(tag)
        self._tag_cache: dict = {}

    @property
    def tag(self) -> str | None:
        """The first (main) tag."""
        return self.tags[0] if self.tags else None

    def add_tag(self, tag: str):
        """Add one or more comma-separated tags; returns self."""
        for part in split_tags(tag):
            if part not in self.tags:
                self.tags.append(part)
        self.clear_cache()
        return self

    def has_tag(self, key: Any) -> bool:
        return isinstance(key, str) and (key in self.tags or key == type(self).__name__)

    # -- search -----------------------------------------------------------
    def find_objects(self, key: Any) -> list:
        """Matches of ``key`` strictly below this object (override)."""
        return []

    def _search(self, key: Any) -> list:
        hits = [self] if self.has_tag(key) else []
        for hit in self.find_objects(key):
            if not any(hit is h for h in hits):
                hits.append(hit)
        return hits

    def clear_cache(self) -> None:
        self._tag_cache.clear()

    def __getitem__(self, key: Any):
        as_numpy = False
        index = None
        if isinstance(key, tuple):
            if not 1 <= len(key) <= 3:
                raise KeyError(f"{self!r}: a look-up is obj['tag'], obj['tag', i] or obj['tag', i, 'np'], got {key!r}")
            tag = key[0]
            if len(key) >= 2:
                index = key[1]
                if not isinstance(index, (int, np.integer)):
                    raise KeyError(f"{self!r}: the index in obj[{tag!r}, i] must be an int, got {index!r}")
            if len(key) == 3:
                if key[2] != "np":
                    raise KeyError(f"{self!r}: the third part of a look-up must be 'np', got {key[2]!r}")
                as_numpy = True
        else:
            tag = key
        try:
            hits = self._tag_cache[tag]
        except KeyError:
            hits = self._tag_cache[tag] = self._search(tag)
        except TypeError:  # unhashable key
            raise KeyError(f"{self!r}: tags are strings or numbers, got {tag!r}") from None
        if index is None:
            return [h.get() if type(h) is LiveData else h for h in hits]
        if not -len(hits) <= index < len(hits):
            return None
        hit = hits[index]
        if type(hit) is LiveData:
            hit = hit.get()
        if as_numpy:
            return to_numpy(hit)
        return hit

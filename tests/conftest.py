"""Shared fixtures: a seeded generator, headless matplotlib and Qt."""
import os

import numpy as np
import pytest

os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture
def rng() -> np.random.Generator:
    """A generator with a fixed seed (same seed, same test)."""
    return np.random.default_rng(12345)

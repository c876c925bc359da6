"""Fixtures for the inference tests: tiny random-initialised networks and zoos."""

from __future__ import annotations

from pathlib import Path

import pytest

from napari_defocus_deblur.inference import save_model
from napari_defocus_deblur.model import condition_on_depth
from tests.inference.helpers import make_zoo, tiny_model


@pytest.fixture
def model():
    return tiny_model()


@pytest.fixture
def conditioned(tmp_path) -> Path:
    """A tiny depth-conditioned network saved for 34 µm (no training record)."""
    return save_model(condition_on_depth(tiny_model()), tmp_path / "cond", depth_um=34)


@pytest.fixture
def checkpoint(tmp_path, model) -> Path:
    return save_model(model, tmp_path / "tiny-34um", depth_um=34)


@pytest.fixture
def zoo(tmp_path, use_zoo) -> Path:
    """The bundled zoo replaced by tiny models (see ``helpers.make_zoo``)."""
    return use_zoo(make_zoo(tmp_path / "zoo"), "sum")


@pytest.fixture(autouse=True)
def _one_torch_thread(one_torch_thread):
    """Every inference test runs on one torch thread (see ``tests/conftest.py``)."""

"""Fixtures of the fault-injection suite: tiny checkpoints and input folders."""

from __future__ import annotations

import pytest
import tifffile
import torch

from napari_defocus_deblur.inference import save_model
from tests.inference.helpers import field, tiny_model


@pytest.fixture(autouse=True)
def _one_thread(one_torch_thread):
    """Every fault test runs on one torch thread (see ``tests/conftest.py``)."""


@pytest.fixture
def checkpoint(tmp_path):
    return save_model(tiny_model(), tmp_path / "tiny-34um", depth_um=34)


@pytest.fixture
def nan_checkpoint(tmp_path):
    net = tiny_model()
    with torch.no_grad():
        for p in net.parameters():
            p.fill_(float("nan"))
    return save_model(net, tmp_path / "nan-34um", depth_um=34)


@pytest.fixture
def raw(tmp_path):
    """``raw/one.tif`` and ``raw/plate/two.tif``."""
    root = tmp_path / "raw"
    (root / "plate").mkdir(parents=True)
    tifffile.imwrite(root / "one.tif", field((40, 48), seed=1))
    tifffile.imwrite(root / "plate" / "two.tif", field((36, 40), seed=2))
    return root

"""Shared fixtures. Real BBBC006 files come from ../shared and are skipped when absent."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_REAL = REPO.parent / "shared" / "data" / "bbbc006-real"


@pytest.fixture(scope="session")
def real_bbbc006() -> Path:
    """``../shared/data/bbbc006-real`` (real z_00 TIFFs and in-focus PNGs), or skip."""
    root = Path(os.environ.get("DEFOCUS_DEBLUR_REAL_DATA", SHARED_REAL))
    if not (root / "defocus-z00").is_dir():
        pytest.skip(f"real BBBC006 files not available at {root}")
    return root


@pytest.fixture(autouse=True, scope="session")
def _few_threads():
    """Keep torch on the CI machine's 2 cores without oversubscription."""
    try:
        import torch
    except ImportError:  # pragma: no cover
        yield
        return
    torch.set_num_threads(min(2, os.cpu_count() or 1))
    yield


@pytest.fixture
def one_torch_thread():
    """Run a test on one torch thread: small networks are fastest without OpenMP hand-offs."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)

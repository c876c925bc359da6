"""Shared fixtures. Real BBBC006 files come from ../shared and are skipped when absent."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_REAL = REPO.parent / "shared" / "data" / "bbbc006-real"


def pytest_report_header(config) -> list[str]:
    """The CPU backend and precision under test (``DEFOCUS_DEBLUR_CPU_BF16`` picks the rule)."""
    rule = os.environ.get("DEFOCUS_DEBLUR_CPU_BF16", "unset, detected")
    try:
        import torch

        from napari_defocus_deblur.inference.device import describe_backend, training_uses_bf16

        backend = describe_backend("cpu")
        training = "bf16 autocast" if training_uses_bf16(torch.device("cpu")) else "fp32"
    except Exception as exc:  # a header must never stop the run
        return [f"defocus-deblur: DEFOCUS_DEBLUR_CPU_BF16={rule}; backend unknown ({exc})"]
    return [
        f"defocus-deblur: DEFOCUS_DEBLUR_CPU_BF16={rule}; CPU inference: {backend}; "
        f"CPU training: {training}"
    ]


@pytest.fixture(scope="session")
def real_bbbc006() -> Path:
    """``../shared/data/bbbc006-real`` (real z_00 TIFFs and in-focus PNGs), or skip."""
    root = Path(os.environ.get("DEFOCUS_DEBLUR_REAL_DATA", SHARED_REAL))
    if not (root / "defocus-z00").is_dir():
        pytest.skip(f"real BBBC006 files not available at {root}")
    return root


@pytest.fixture(autouse=True, scope="session")
def _private_cache(tmp_path_factory):
    """Tests write ONNX exports, reach measurements and simulated sets to a temporary
    cache, never to the user's (``DEFOCUS_DEBLUR_CACHE_DIR``; kept if already set)."""
    from napari_defocus_deblur.inference.cache import CACHE_ENV

    if os.environ.get(CACHE_ENV):
        yield
        return
    os.environ[CACHE_ENV] = str(tmp_path_factory.mktemp("cache"))
    yield
    os.environ.pop(CACHE_ENV, None)


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


#: Modules that bind ``zoo.names.DEFAULT_METHOD`` when first imported (the Deblur and
#: Train forms' DEFAULTS, the CLI's ``--network``, the cards): imported before a test
#: patches the default family, or a first import under the patch keeps the patched
#: family for the rest of the session.
DEFAULT_METHOD_READERS = (
    "napari_defocus_deblur.cli._network",
    "napari_defocus_deblur.zoo.card",
    "napari_defocus_deblur.widgets._deblur_form",
    "napari_defocus_deblur.widgets._train_form",
)


@pytest.fixture
def use_zoo(monkeypatch):
    """``use_zoo(folder)`` makes ``folder`` the bundled model zoo (patches the catalogue);
    ``use_zoo(folder, "sum")`` also makes ``"sum"`` its default family."""
    import importlib

    from napari_defocus_deblur.inference import catalogue
    from napari_defocus_deblur.zoo import names

    def use(folder: Path, default_method: str | None = None) -> Path:
        Path(folder).mkdir(parents=True, exist_ok=True)
        monkeypatch.setattr(catalogue, "ZOO_DIR", Path(folder))
        if default_method is not None:  # a zoo without the real default family
            for module in DEFAULT_METHOD_READERS:
                with contextlib.suppress(ImportError):  # the forms need a Qt binding
                    importlib.import_module(module)
            monkeypatch.setattr(names, "DEFAULT_METHOD", default_method)
        return Path(folder)

    return use


@pytest.fixture
def empty_zoo(tmp_path, use_zoo) -> Path:
    """No bundled models: every lookup of the catalogue sees an empty zoo."""
    return use_zoo(tmp_path / "empty-zoo")

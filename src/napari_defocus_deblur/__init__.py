"""napari-defocus-deblur: bring out-of-focus fluorescence images back into focus.

The public API is imported lazily so that ``import napari_defocus_deblur`` (and so
napari's start-up) never imports torch:

>>> from napari_defocus_deblur import build_model, deblur, load_model, save_model

The network is the multi-scale U-Net with head-to-tail cross-scale fusion of
"Defocus Deblur Microscopy via head-to-tail cross-scale fusion" (arXiv:2201.02876).
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

try:
    from ._version import version as __version__
except ImportError:  # pragma: no cover - source tree without a build
    __version__ = "0.0.0+unknown"

# public name -> module that defines it (imported on first access)
_LAZY = {
    "build_model": "napari_defocus_deblur.model",
    "ModelConfig": "napari_defocus_deblur.model",
    "multiscale_loss": "napari_defocus_deblur.model",
    "deblur": "napari_defocus_deblur.inference",
    "load_model": "napari_defocus_deblur.inference",
    "save_model": "napari_defocus_deblur.inference",
    "estimate_defocus": "napari_defocus_deblur.estimate",
    "Microscope": "napari_defocus_deblur.simulate.microscope",
}

__all__ = ["__version__", *_LAZY]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))

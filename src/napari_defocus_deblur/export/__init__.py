"""Export trained models to other tools: bioimage.io model packages.

>>> from napari_defocus_deblur.export import export_bioimageio
>>> export_bioimageio("path/to/checkpoint", "deblur.zip")  # doctest: +SKIP

Needs the ``bioimageio`` extra (``bioimageio.spec``; ``bioimageio.core`` to test the
package). Pure python/torch, no Qt. See ``docs/bioimageio.md``.
"""

from __future__ import annotations

from napari_defocus_deblur.export.bioimageio import (
    ExportResult,
    check_package,
    export_bioimageio,
)
from napari_defocus_deblur.export.standalone import standalone_source

__all__ = ["ExportResult", "check_package", "export_bioimageio", "standalone_source"]

"""Importing OpenVINO with its telemetry off.

OpenVINO's model converter (``openvino.tools.ovc``) sends usage telemetry through the
``openvino_telemetry`` package, and falls back to its own no-op stub when that package
cannot be imported. This package never converts models with ``ovc`` (it reads ONNX
exports), but other code in the same process (napari plugins) might; importing
OpenVINO through :func:`import_openvino` blocks ``openvino_telemetry`` for the process
first, so nothing is ever sent on our account and no consent prompt can appear.
OpenVINO has no environment variable for this; ``opt_in_out --opt_out`` is the
per-user switch.
"""

from __future__ import annotations

import sys
from types import ModuleType

TELEMETRY_MODULE = "openvino_telemetry"


def import_openvino() -> ModuleType:
    """The ``openvino`` module, with ``openvino_telemetry`` blocked (ImportError).

    Raises
    ------
    ImportError
        OpenVINO is not installed.
    """
    if TELEMETRY_MODULE not in sys.modules:
        sys.modules[TELEMETRY_MODULE] = None  # type: ignore[assignment]  # import fails
    import openvino

    return openvino

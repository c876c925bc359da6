"""Do no harm on sharp images: planes within the depth of field come back unchanged.

A 20x/0.5 dry objective has a depth of field of about 3 µm (``n λ / NA² + n e / (M NA)``
at 460 nm, 0.645 µm pixels): closer to focus than that there is nothing to restore, and
a network asked to sharpen an already sharp image can only add halos and grain. So the
restored plane is blended with its input by a weight that is 0 up to
:data:`PASS_THROUGH_UM`, rises linearly and reaches 1 at :data:`FULL_RESTORATION_UM`
(the paper's smallest distance, 10 µm, is fully restored). The weight depends only on
the distance the network was told (given, or estimated with ``depth_um="auto"``).
"""

from __future__ import annotations

import numpy as np

#: Distances (µm) up to which a plane is returned unchanged: within the depth of field.
PASS_THROUGH_UM = 3.0
#: Distance (µm) from which the network's output is used as it is.
FULL_RESTORATION_UM = 8.0


def restoration_weight(depth_um: float | np.ndarray) -> np.ndarray:
    """Share of the network's change kept at ``depth_um`` (0 in focus, 1 from 8 µm)."""
    d = np.abs(np.asarray(depth_um, dtype=np.float64))
    span = FULL_RESTORATION_UM - PASS_THROUGH_UM
    return np.clip((d - PASS_THROUGH_UM) / span, 0.0, 1.0)


def hold_in_focus(units: np.ndarray, restored: np.ndarray, depths: np.ndarray) -> np.ndarray:
    """``restored`` with each unit blended towards its input by :func:`restoration_weight`.

    Parameters
    ----------
    units, restored
        (N, C, H, W) inputs and network outputs, in the same units.
    depths
        (N,) distance each unit was told, µm.
    """
    weight = restoration_weight(depths).astype(np.float32)
    if np.all(weight == 1.0):
        return restored
    w = weight.reshape(-1, *([1] * (restored.ndim - 1)))
    return (units + w * (restored - units)).astype(restored.dtype, copy=False)

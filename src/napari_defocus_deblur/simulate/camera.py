"""Camera model: offset, diffuse background, Poisson shot noise, read noise, 12-bit clip.

Defaults were measured on the real BBBC006 z_00 images (photon-transfer curve: the
variance of the pixel noise grows as ~0.33 ADU per ADU of signal above a ~100 ADU dark
offset) and the real in-focus images (background ~122 ADU); see ``docs/simulator.md``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from napari_defocus_deblur.constants import CAMERA_MAX


@dataclass(frozen=True)
class CameraModel:
    """Parameters of a 12-bit scientific camera, in ADU (analog-digital units)."""

    offset_adu: float = 100.0
    background_adu: float = 22.0
    gain_adu_per_electron: float = 0.33
    read_noise_adu: float = 1.5
    max_adu: int = CAMERA_MAX

    def to_dict(self) -> dict:
        """Plain dict (for JSON provenance files)."""
        return asdict(self)


def expose(
    signal_adu: np.ndarray, rng: np.random.Generator, camera: CameraModel | None = None
) -> np.ndarray:
    """Turn an expected fluorescence signal (ADU above background) into a camera image.

    Parameters
    ----------
    signal_adu
        Noise-free signal, ADU above the diffuse background (negative values are clipped).
    rng
        Random generator (the only source of randomness).
    camera
        Camera parameters; the measured defaults when None.

    Returns
    -------
    numpy.ndarray
        uint16 image holding 12-bit values (0..``camera.max_adu``).
    """
    cam = camera or CameraModel()
    light = np.clip(np.asarray(signal_adu, dtype=np.float64), 0.0, None) + cam.background_adu
    electrons = rng.poisson(light / cam.gain_adu_per_electron)
    adu = cam.offset_adu + electrons * cam.gain_adu_per_electron
    if cam.read_noise_adu > 0:
        adu = adu + rng.normal(0.0, cam.read_noise_adu, size=adu.shape)
    return np.clip(np.rint(adu), 0, cam.max_adu).astype(np.uint16)

"""napari sample data: one simulated BBBC006 field in focus and at the paper's distances.

No files are shipped: the field is simulated on demand (a few seconds) with simulator v2's
``nominal`` preset (calibrated BBBC006 optics, Gibson-Lanni PSF with the index
mismatch), below focus like the paper's planes z_00..z_12.
"""

from __future__ import annotations

from typing import Any

from napari_defocus_deblur.constants import (
    CHANNELS,
    FIELD_SHAPE,
    PAPER_DEPTHS_UM,
    PAPER_REFERENCE_PLANE,
    PIXEL_SIZE_UM,
    pair_planes,
)

_COLORMAPS = {1: "cyan", 2: "magenta"}
SAMPLE_SEED = 2201


def make_sample_field(
    seed: int = SAMPLE_SEED, shape: tuple[int, int] = FIELD_SHAPE
) -> list[tuple[Any, dict, str]]:
    """Layer data of a simulated field: both channels, in focus and 10-34 µm defocused.

    Returns
    -------
    list
        ``(data, kwargs, "image")`` tuples, one per channel and distance (12 layers).
        ``kwargs["metadata"]`` holds ``depth_um`` (0 = in focus), ``plane``, ``channel``,
        ``stain``, ``wavelength_nm``, ``in_focus`` and ``seed``. The 34 µm layers are
        visible; the others can be switched on in the layer list.
    """
    from napari_defocus_deblur.simulate.field import simulate_prior_field

    layers: list[tuple[Any, dict, str]] = []
    for channel, (stain, wavelength) in CHANNELS.items():
        below, _ = simulate_prior_field(
            [-float(d) for d in PAPER_DEPTHS_UM],
            prior="nominal",
            seed=seed,
            channel=channel,
            shape=shape,
        )
        images = {abs(offset): image for offset, image in below.items()}
        for depth in sorted(images):
            label = "in focus" if depth == 0 else f"{depth:g} µm"
            kwargs = {
                "name": f"w{channel} {stain} {label}",
                "scale": (PIXEL_SIZE_UM, PIXEL_SIZE_UM),
                "colormap": _COLORMAPS.get(channel, "gray"),
                "blending": "additive",
                "contrast_limits": (0, int(images[depth].max()) or 1),
                "visible": depth == max(PAPER_DEPTHS_UM),
                "metadata": {
                    "depth_um": float(depth),
                    # the paper's planes: z_00..z_12 below its ground truth z_17
                    "plane": pair_planes(depth, PAPER_REFERENCE_PLANE)[0]
                    if depth
                    else PAPER_REFERENCE_PLANE,
                    "below_focus": depth > 0,
                    "channel": channel,
                    "stain": stain,
                    "wavelength_nm": wavelength,
                    "in_focus": depth == 0,
                    "simulated": True,
                    "simulator": "v2 nominal",
                    "seed": seed,
                },
            }
            layers.append((images[depth], kwargs, "image"))
    return layers

"""How does the defocus estimator read fields near focus, where the focus gate decides?

``depth_um="auto"`` returns a plane unchanged when its estimate falls inside the depth
of field (``inference/focus_gate.py``: 3 µm, full restoration from 8 µm), so near focus
a low reading costs the whole restoration. Prints, for ``--fields`` fresh fields of
``--prior`` optics (260 x 348, seeds 9,800,000 + i, the same content at every
distance) at each of ``--depths``, the p10/median/p90 of the field estimates and the
share read inside the depth of field; with ``--set``, the estimate and the sorted tile
estimates of every robustness-set field at up to 16 µm.

Usage::

    python scripts/estimator_near_focus.py [--fields 16] [--depths 0 2 4 6 8 10 12]
        [--prior nominal] [--set runs/robustness-set-v3]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from napari_defocus_deblur.estimate import defocus_from_tiles, estimate_tiles
from napari_defocus_deblur.inference.focus_gate import PASS_THROUGH_UM


def sweep(n: int, depths: list[float], prior: str) -> None:
    """Field estimates of ``n`` fresh fields at every distance of ``depths``."""
    from napari_defocus_deblur.simulate.field import simulate_prior_field

    reads: dict[float, list[float]] = {d: [] for d in depths}
    for i in range(n):
        offsets = [-d for d in depths if d]
        images, _ = simulate_prior_field(
            offsets, prior=prior, seed=9_800_000 + i, shape=(260, 348)
        )
        for d in depths:
            img = images[-d] if d else images[0.0]
            reads[d].append(defocus_from_tiles(estimate_tiles(img)).depth_um)
    for d, r in reads.items():
        p10, p50, p90 = np.percentile(r, (10, 50, 90))
        inside = np.mean(np.array(r) < PASS_THROUGH_UM)
        print(
            f"{prior} {d:4.1f} um: estimate p10/median/p90 {p10:5.1f} {p50:5.1f} {p90:5.1f}"
            f" um; read inside the depth of field: {inside:.0%}"
        )


def robustness_fields(folder: Path, up_to: float = 16.0) -> None:
    """Estimate and tile estimates of the set's fields at up to ``up_to`` µm."""
    from napari_defocus_deblur.io.tiff import read_image
    from napari_defocus_deblur.simulate.robustness import read_manifest

    for e in read_manifest(folder):
        if float(e["depth_um"]) > up_to:
            continue
        tiles = estimate_tiles(read_image(folder / f"{e['name']}_blurred.tif")[0])
        values = np.sort(tiles.depths_um[np.isfinite(tiles.depths_um)]).round(1)
        print(
            f"{e['part']} {e.get('setting')} {e.get('content')} {e['depth_um']} um: "
            f"estimate {defocus_from_tiles(tiles).depth_um:.1f}, tiles {values.tolist()}"
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--fields", type=int, default=16)
    ap.add_argument("--depths", type=float, nargs="+", default=[0, 2, 4, 6, 8, 10, 12])
    ap.add_argument("--prior", default="nominal")
    ap.add_argument("--set", type=Path, default=None, help="also list a robustness set")
    args = ap.parse_args()
    sweep(args.fields, args.depths, args.prior)
    if args.set is not None:
        robustness_fields(args.set)


if __name__ == "__main__":
    main()

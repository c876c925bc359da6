"""Before/after figure of real BBBC006 z_00 images deblurred by a bundled model.

Qualitative only: these fields have no in-focus counterpart here. Also prints a
no-reference sharpness figure before and after, per image and as a median ratio: the
normalised variance of the Laplacian of the image smoothed with a Gaussian of
sigma 1.5 px (the smoothing keeps camera noise, which the model removes, from
dominating the figure; higher is sharper).

Usage::

    python scripts/real_z00_figure.py [--data ../shared/data/bbbc006-real/defocus-z00]
        [--model bbbc006-sum] [--out docs/images/real-z00-before-after.png]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from napari_defocus_deblur.io.pairs import focus_measure
from napari_defocus_deblur.io.tiff import read_image

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared/data/bbbc006-real/defocus-z00"
#: z_00 lies 32 µm below the in-focus plane z_16.
DEPTH_UM = 32.0


def sharpness(image: np.ndarray, sigma: float = 1.5) -> float:
    """Band-pass sharpness: focus measure of the Gaussian-smoothed image."""
    from scipy.ndimage import gaussian_filter

    return focus_measure(gaussian_filter(np.clip(image, 0, None).astype(np.float64), sigma))


def _stretch(image: np.ndarray, lo: float, hi: float) -> np.ndarray:
    return np.clip((image - lo) / max(hi - lo, 1e-6), 0, 1)


def main() -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from napari_defocus_deblur.inference import deblur, load_model

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--model", default="bbbc006-sum")
    parser.add_argument("--rows", type=int, default=3, help="images shown in the figure")
    parser.add_argument("--crop", type=int, default=260, help="side of the shown crop")
    parser.add_argument("--out", type=Path, default=Path("docs/images/real-z00-before-after.png"))
    args = parser.parse_args()
    files = sorted(args.data.glob("*.tif"))
    if not files:
        raise SystemExit(f"no z_00 TIFFs in {args.data}")
    model = load_model(args.model)
    before, after, shown = [], [], []
    for i, path in enumerate(files):
        image = read_image(path)[0].astype(np.float32)
        restored = deblur(image, model=model, depth_um=DEPTH_UM)
        before.append(sharpness(image))
        after.append(sharpness(restored))
        print(f"{path.name[:34]}  sharpness {before[-1]:.2e} -> {after[-1]:.2e}")
        if i < args.rows:
            shown.append((path.name.split("_")[1:3], image, restored))
    ratio = np.array(after) / np.array(before)
    print(
        f"{len(files)} real z_00 images, model {args.model}: sharpness x{np.median(ratio):.2f} "
        f"(median; min x{ratio.min():.2f}, max x{ratio.max():.2f})"
    )
    c = args.crop
    fig, axes = plt.subplots(len(shown), 2, figsize=(6.4, 3.2 * len(shown)), squeeze=False)
    for row, (label, image, restored) in zip(axes, shown):
        h, w = image.shape
        top, left = (h - c) // 2, (w - c) // 2
        for ax, img, title in (
            (row[0], image, "z_00 as acquired"),
            (row[1], restored, "deblurred"),
        ):
            crop = img[top : top + c, left : left + c]
            lo, hi = np.percentile(crop, [0.5, 99.8])
            ax.imshow(_stretch(crop, lo, hi), cmap="gray", interpolation="nearest")
            ax.set_title(f"{'_'.join(label)}: {title}", fontsize=9)
            ax.axis("off")
    fig.suptitle(f"Real BBBC006 z_00 (32 µm below focus), {args.model}", fontsize=10)
    fig.tight_layout()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(args.out, dpi=110)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()

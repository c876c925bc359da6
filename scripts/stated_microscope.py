"""What stating the microscope gives a user who types the stage offset they know.

On the robustness settings whose optics a user can state (``narrow``, ``wide-1.5x`` and
``wide-1.8x`` differ from BBBC006's in aperture and focal shift; the ``aberrated``
setting's spherical aberration has no field), a network is told the true stage offset
three ways on ``--fields`` fields of every cell (each content, each distance): as BBBC006
micrometres (nothing stated), under the stated microscope (converted by equal blur,
``simulate.microscope``), and not at all (``"auto"``: the estimator's reading). It prints
the mean PSNR gains over the input per setting and overall, the paired difference
stated - plain with its standard error, and the fields that fall below the input.

Usage::

    python scripts/stated_microscope.py [--model bbbc006-unet] [--fields 2]
"""

from __future__ import annotations

import argparse
import collections

import numpy as np

from napari_defocus_deblur.evaluation.metrics import psnr
from napari_defocus_deblur.evaluation.told_fields import iter_fields
from napari_defocus_deblur.inference import deblur
from napari_defocus_deblur.simulate.robustness import setting_microscope

#: Robustness settings whose optics differ from BBBC006's only in what a user can state.
STATEABLE = ("narrow", "wide-1.5x", "wide-1.8x")
WAYS = ("plain", "stated", "auto")


def gains(model: str, fields: int) -> list[tuple[str, dict[str, float]]]:
    """``(setting, {way: gain dB})`` per field."""
    rows = []
    for cell, blurred, sharp in iter_fields(fields, None, None, settings=STATEABLE):
        stated = setting_microscope(cell.setting)
        base = psnr(blurred, sharp)
        runs = {
            "plain": deblur(blurred, cell.depth_um, model=model),
            "stated": deblur(blurred, cell.depth_um, model=model, microscope=stated),
            "auto": deblur(blurred, "auto", model=model),
        }
        rows.append((cell.setting, {k: psnr(v, sharp) - base for k, v in runs.items()}))
    return rows


def report(rows: list[tuple[str, dict[str, float]]]) -> None:
    """Per setting and overall: mean gains, stated - plain (standard error), fields below."""
    groups = collections.defaultdict(list)
    for setting, gain in rows:
        groups[setting].append(gain)
    groups["all"] = [gain for _, gain in rows]
    print(f"{'setting':10s} {'fields':>6s} " + " ".join(f"{w:>8s}" for w in WAYS), end="")
    print(f" {'stated - plain':>16s} {'below input (p/s/a)':>20s}")
    for setting, found in groups.items():
        table = {w: np.array([g[w] for g in found]) for w in WAYS}
        diff = table["stated"] - table["plain"]
        error = diff.std(ddof=1) / np.sqrt(len(diff)) if len(diff) > 1 else float("nan")
        below = "/".join(str(int((table[w] < 0).sum())) for w in WAYS)
        means = " ".join(f"{table[w].mean():+8.3f}" for w in WAYS)
        paired = f"{diff.mean():+9.3f} ± {error:.3f}"
        print(f"{setting:10s} {len(diff):6d} {means} {paired} {below:>20s}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="bbbc006-unet", help="bundled name or checkpoint folder")
    ap.add_argument("--fields", type=int, default=2, help="fields per cell (index 0: the set's)")
    args = ap.parse_args()
    for setting in STATEABLE:
        stated = setting_microscope(setting)
        told = ", ".join(f"{d:g} -> {stated.bbbc006_um(d):.1f}" for d in (10.0, 22.0, 34.0))
        print(f"{setting}: {stated.describe()}; told µm {told}")
    report(gains(args.model, args.fields))


if __name__ == "__main__":
    main()

"""Write the nominal optics' blur radii that ``simulate.equivalence`` ships with.

The curve of the calibrated nominal optics' 80 %-energy radius against the distance from
focus (81 distances on each side) takes about ten seconds to compute; the package ships
it in ``simulate/nominal_blur.json`` so that the first conversion of a stated microscope
is quick. ``simulate.equivalence`` recomputes it whenever the nominal optics differ from
the ones recorded in the file, so a stale file costs time, never a wrong answer. Run
this after a recalibration of the nominal optics::

    python scripts/nominal_blur_table.py
"""

from __future__ import annotations

import json
from pathlib import Path

from napari_defocus_deblur.io.atomic import atomic_write_text
from napari_defocus_deblur.simulate import equivalence

TARGET = Path(equivalence.__file__).with_name(equivalence.TABLE_FILE)


def main() -> None:
    table = equivalence.nominal_curve_table()
    atomic_write_text(TARGET, json.dumps(table, indent=1) + "\n", overwrite=True)
    print(f"wrote {TARGET} ({len(table['below'])} distances per side)")


if __name__ == "__main__":
    main()

"""The settings form of the Focus map dock: plate, names, channel, threads, threshold,
fix folder, and the microscope the plate was imaged with (hidden behind one check box,
as in the Deblur dock: :mod:`._microscope`)."""

from pathlib import Path
from typing import Any

from napari_defocus_deblur.widgets._microscope import (
    MICROSCOPE_DEFAULTS,
    MICROSCOPE_FIELDS,
    follow_microscope_box,
)
from napari_defocus_deblur.widgets._settings import settings_form

#: The settings a first start (or *Restore defaults*) shows.
DEFAULTS: dict[str, Any] = {
    "plate": Path(""),
    "pattern": "",
    "channel": 0,
    "workers": 2,
    "above_um": 8.0,
    "fix_folder": Path(""),
    **MICROSCOPE_DEFAULTS,
}


def focus_map_settings(
    plate: Path,
    pattern: str,
    channel: int,
    workers: int,
    above_um: float,
    fix_folder: Path,
) -> None:
    """Settings of the Focus map widget: magicgui builds the persisted form from this."""


def build_form() -> Any:
    """The settings form: plate, name pattern, channel, threads, threshold, fix folder and
    the microscope (shown when it is not BBBC006's); with it ticked the map, the
    threshold and the fields opened show stage offsets on that microscope."""
    form = settings_form(
        focus_map_settings,
        DEFAULTS,
        plate={"widget_type": "FileEdit", "mode": "d", "label": "Plate folder",
               "tooltip": "a plate folder (searched recursively); a .zip: type its path"},
        pattern={"label": "Name pattern",
                 "tooltip": "empty: BBBC006 names; else a regular expression with named "
                 "groups well (site, channel), e.g. _(?P<well>[A-P]\\d\\d)_s(?P<site>\\d)"},
        channel={"label": "Channel", "min": 0, "max": 9, "tooltip": "0: every channel"},
        workers={"label": "Threads", "min": 1, "max": 32},
        above_um={"widget_type": "FloatSpinBox", "label": "Deblur above (µm)", "min": 0.0,
                  "max": 60.0, "step": 0.5},
        fix_folder={"widget_type": "FileEdit", "mode": "d", "label": "Deblur into"},
        then=MICROSCOPE_FIELDS,
    )  # fmt: skip
    follow_microscope_box(form)
    return form

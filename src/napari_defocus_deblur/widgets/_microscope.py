"""The microscope fields of the Deblur form: optics other than BBBC006's.

Hidden behind one check box ("state my microscope's optics"), so the usual case stays
one click. When it is ticked, a distance set in the dock or recorded with a layer is the
stage offset under these optics, and the bundled networks are told the distance at which
BBBC006's optics blur as much (:mod:`napari_defocus_deblur.inference.units`). The limits
come from the core (:data:`~napari_defocus_deblur.simulate.microscope.BOUNDS`).
"""

from __future__ import annotations

from typing import Any

from napari_defocus_deblur.simulate.microscope import BOUNDS, IMMERSION_MEDIA, Microscope
from napari_defocus_deblur.simulate.recorded import image_microscope

#: The optics fields (shown only when ``own_microscope`` is ticked).
OPTICS = ("na", "pixel_size_um", "emission_nm", "immersion", "sample_index")
_BBBC006 = Microscope()
#: BBBC006's optics (:class:`Microscope`'s defaults): what a first start (or *Restore
#: defaults*) shows.
MICROSCOPE_DEFAULTS: dict[str, Any] = {
    "own_microscope": False,
    "na": _BBBC006.na,
    "pixel_size_um": _BBBC006.pixel_size_um,
    "emission_nm": _BBBC006.emission_nm,
    "immersion": next(k for k, v in IMMERSION_MEDIA.items() if v == _BBBC006.immersion_index),
    "sample_index": _BBBC006.sample_index,
}


def _number(label: str, name: str, step: float, tooltip: str) -> dict[str, Any]:
    low, high = BOUNDS[name]
    return {
        "widget_type": "FloatSpinBox",
        "label": label,
        "min": low,
        "max": high,
        "step": step,
        "tooltip": tooltip,
    }


#: magicgui options of the fields, in display order.
MICROSCOPE_FIELDS: dict[str, dict[str, Any]] = {
    "own_microscope": {
        "widget_type": "CheckBox",
        "text": "state my microscope's optics",
        "tooltip": "when they are not BBBC006's (20x/0.45 dry, 0.645 µm pixels): a distance "
        "you give is then "
        "the stage offset under them, and the network is told the distance at which "
        "BBBC006's optics blur as much",
    },
    "na": _number("NA", "na", 0.05, "numerical aperture of the objective"),
    "pixel_size_um": _number(
        "Pixel size (µm)",
        "pixel_size_um",
        0.0005,
        "pixel size in the sample (camera pixel / magnification x binning); more than "
        "25 % off 0.645 µm, the image is deblurred on a 0.645 µm grid and brought back",
    ),
    "emission_nm": _number("Emission (nm)", "emission_nm", 5.0, "emission wavelength"),
    "immersion": {
        "widget_type": "ComboBox",
        "label": "Immersion",
        "choices": list(IMMERSION_MEDIA),
        "tooltip": "the immersion medium the objective is designed for",
    },
    "sample_index": _number(
        "Sample index", "sample_index", 0.005, "refractive index of the sample's medium"
    ),
}


def show_microscope(form: Any) -> None:
    """Show the optics fields when the box is ticked, hide them otherwise."""
    for name in OPTICS:
        form[name].visible = bool(form.own_microscope.value)


def follow_microscope_box(form: Any) -> None:
    """Show the optics fields when the box is ticked, now and at every change."""
    show_microscope(form)
    form.own_microscope.changed.connect(lambda *_: show_microscope(form))


def stated_microscope(form: Any) -> Microscope | None:
    """The :class:`~napari_defocus_deblur.simulate.microscope.Microscope` the form states,
    or None while the box is not ticked (UserInputError, one line, for optics the
    simulator cannot model)."""
    if not form.own_microscope.value:
        return None
    return Microscope(
        na=float(form.na.value),
        pixel_size_um=float(form.pixel_size_um.value),
        emission_nm=float(form.emission_nm.value),
        immersion_index=IMMERSION_MEDIA[str(form.immersion.value)],
        sample_index=float(form.sample_index.value),
    )


def layer_microscope(form: Any, layer: Any) -> Microscope | None:
    """The optics the form states, else those ``layer``'s recorded pixel size implies (a
    file's finer pixels, :func:`~napari_defocus_deblur.simulate.recorded.
    image_microscope`), else None (BBBC006's)."""
    metadata = getattr(layer, "metadata", None) or {}
    return image_microscope(stated_microscope(form), metadata.get("pixel_size_um"))

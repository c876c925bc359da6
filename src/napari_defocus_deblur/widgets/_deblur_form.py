"""The Deblur widget's settings (one persisted magicgui form) and the rules behind them.

Qt-free apart from magicgui: which image to preselect, which depth every plane gets and
which model "auto" stands for. The choices come from the core (model catalogue, device
resolver); nothing here imports torch.
"""

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from napari_defocus_deblur.channels import channel_of
from napari_defocus_deblur.constants import DEFAULT_DEPTH_UM
from napari_defocus_deblur.limits import SLIDER_DEPTH_UM
from napari_defocus_deblur.widgets._layers import user_layers
from napari_defocus_deblur.widgets._microscope import (
    MICROSCOPE_DEFAULTS,
    MICROSCOPE_FIELDS,
    follow_microscope_box,
)
from napari_defocus_deblur.widgets._models import (
    choice_label,
    layer_depth_um,
    nearest_model,
    plane_depths_um,
    plane_sides,
)
from napari_defocus_deblur.widgets._settings import SettingsForm, settings_form
from napari_defocus_deblur.zoo.names import DEFAULT_METHOD, METHODS

if TYPE_CHECKING:
    from napari_defocus_deblur.inference.catalogue import ModelEntry

#: Where the defocus depth comes from.
DEPTH_SOURCES = (
    ("from layer metadata", "metadata"),
    ("set here", "manual"),
    ("auto (estimate per plane)", "auto"),
)
#: Sides of focus an image can lie on; "below" is the paper's (BBBC006 z_00..z_16).
SIDE_CHOICES = (("below focus", "below"), ("above focus", "above"))
#: Network families of the bundled zoo, the default first (``zoo.names.DEFAULT_METHOD``).
NETWORKS = tuple((m, m) for m in sorted(METHODS, key=lambda m: m != DEFAULT_METHOD))
#: How many network passes each plane averages: label, value of :data:`PASSES`.
AVERAGING = (
    ("auto (4 mirror views; 1 pass above 16 Mpx)", "auto"),
    ("4 mirror views", "views"),
    ("one pass (4x faster)", "one"),
)
#: ``(views, phases)`` for ``plan_run`` of each averaging (inference.phases.choose_passes).
PASSES: dict[str, tuple[int | str, int | str]] = {
    "auto": ("auto", "auto"),
    "views": (4, 1),
    "one": (1, 1),
}
#: The averaging control (its choices and what each means).
AVERAGING_FIELD = {
    "widget_type": "ComboBox",
    "label": "Averaging",
    "choices": list(AVERAGING),
    "tooltip": "network passes per plane: the mean of 4 mirror views (the image as it is "
    "and flipped three ways) removes the faint period-2 lattice and restores better; one "
    "pass is 4x faster",
}
#: Range of the depth control (micrometres of stage offset from focus).
DEPTH_RANGE_UM = SLIDER_DEPTH_UM
AUTO_MODEL = "auto"

#: The settings a first start (or *Restore defaults*) shows.
DEFAULTS: dict[str, Any] = {
    "depth_source": "metadata",
    "depth_um": DEFAULT_DEPTH_UM,
    "side": "below",
    "fusion": DEFAULT_METHOD,
    "model": AUTO_MODEL,
    "device": "auto",
    "backend": "auto",
    "averaging": "auto",
    "live_preview": True,
    **MICROSCOPE_DEFAULTS,
}


def deblur_settings(
    depth_source: str,
    depth_um: float,
    side: str,
    fusion: str,
    model: str,
    device: str,
    backend: str,
    averaging: str,
    live_preview: bool,
) -> None:
    """Settings of the Deblur widget: magicgui builds the persisted form from this."""


def build_form(
    model_choices: Callable[[Any], list],
    device_choices: Sequence[tuple[str, str]],
    backend_choices: Sequence[tuple[str, str]],
) -> SettingsForm:
    """The settings form: depth source, value (µm) and side of focus, fusion, model,
    device, backend, averaging, live preview, and the microscope (shown when it is not
    BBBC006's)."""
    low, high = DEPTH_RANGE_UM
    form = settings_form(
        deblur_settings,
        DEFAULTS,
        depth_source={
            "widget_type": "ComboBox",
            "label": "Depth from",
            "choices": list(DEPTH_SOURCES),
            "tooltip": "the layer's recorded stage offset, your value, or the estimator's",
        },
        depth_um={
            "widget_type": "FloatSlider",
            "label": "Defocus (µm)",
            "min": low,
            "max": high,
            "step": 0.5,
            "tooltip": "distance from focus the image was taken at; models conditioned "
            "on depth use it, auto model picks by it",
        },
        side={
            "widget_type": "ComboBox",
            "label": "Side of focus",
            "choices": list(SIDE_CHOICES),
            "tooltip": "where the image lies: below focus (the paper's side) or above; above "
            "focus the network is told a shorter distance, allowing for the focal shift (10 "
            "µm above: 8.4 µm). A z-stack's recorded stage offsets bring their own side; "
            "estimated distances need none",
        },
        fusion={
            "widget_type": "ComboBox",
            "label": "Network",
            "choices": list(NETWORKS),
            "tooltip": "bundled network for the auto model: unet (one scale, the default: "
            "best measured), sum or concat (head-to-tail fusion, arXiv:2201.02876, Eqs. 7 "
            "and 8), nah (Nah et al. 2017); a chosen model brings its own",
        },
        model={"widget_type": "ComboBox", "label": "Model", "choices": model_choices},
        device={"widget_type": "ComboBox", "label": "Device", "choices": list(device_choices)},
        backend={
            "widget_type": "ComboBox",
            "label": "Backend",
            "choices": list(backend_choices),
            "tooltip": "runtime and precision (auto: OpenVINO on the CPU where installed, "
            "PyTorch on GPUs)",
        },
        averaging=AVERAGING_FIELD,
        live_preview={
            "widget_type": "CheckBox",
            "text": "live preview (current slice)",
            "tooltip": "re-run on the current slice shortly after every change",
        },
        then=MICROSCOPE_FIELDS,
    )
    follow_microscope_box(form)
    return form


def model_choice_list(
    models: Sequence["ModelEntry"], auto: "ModelEntry | None"
) -> list[tuple[str, str]]:
    """``(label, value)`` entries of the model box: "auto → name", then every model."""
    auto_label = f"auto → {auto.name}" if auto else "auto (no model installed: train or Add…)"
    return [(auto_label, AUTO_MODEL), *((choice_label(m), str(m.path)) for m in models)]


def resolve_model(
    models: Sequence["ModelEntry"], value: str, depth_um: float, fusion: str, layer: Any
) -> "ModelEntry | None":
    """The model of the box's ``value``; "auto" resolves by depth, fusion and channel."""
    if value != AUTO_MODEL:
        for model in models:
            if str(model.path) == value:
                return model
    return nearest_model(list(models), depth_um, fusion, channel_of(layer))


def default_image(layers: Sequence[Any], active: Any, channel: int | None) -> Any:
    """The image to preselect: of the model's channel, the active one, else the deepest.

    After *File > Open Sample* the top (active) layer is the w2 phalloidin image; with a
    nuclei (w1) model the w1 image at the largest distance is the one to restore.
    The plugin's own results and previews are never preselected.
    """
    layers = user_layers(list(layers))
    if not layers:
        return None

    def score(layer: Any) -> tuple[int, int, float]:
        own = channel_of(layer)
        fits = int(channel is None or own is None or own == channel)
        return (fits, int(layer is active), layer_depth_um(layer) or 0.0)

    return max(layers, key=score)


def depth_request(
    layer: Any, source: str, value_um: float, planes: Sequence[tuple[int, ...]], side: str
) -> tuple[float | str, tuple[float | None, ...] | None, tuple[str, ...]]:
    """What the run plan is told: ``(depth, recorded, sides)`` for the planes to process.

    ``auto`` estimates every plane; ``manual`` tells ``value_um``; ``metadata`` passes
    each plane's recorded distance (a 0.0 µm in-focus plane stays 0.0) to the plan's
    "auto", and tells ``value_um`` when the layer records none. Each plane lies on
    ``side`` of focus unless the layer records its stage offset (a BBBC006 z-stack:
    positive above focus); estimates read the blur and need no side ("below").
    """
    if source == "auto":
        return "auto", None, ("below",) * len(planes)
    sides = (side,) * len(planes)
    if source == "metadata":
        per_plane = plane_depths_um(layer)
        if per_plane is not None and all(planes):
            own = plane_sides(layer) or [side] * len(per_plane)
            recorded = tuple(per_plane[index[-1]] for index in planes)
            return "auto", recorded, tuple(own[index[-1]] for index in planes)
        single = layer_depth_um(layer)
        if single is not None:
            return "auto", (single,) * len(planes), sides
    return float(value_um), None, sides


def default_reference(layers: Sequence[Any], image: Any, current: Any) -> Any:
    """The reference to show for ``image``: ``current`` when it is of the image's channel
    and plane size, else that channel's in-focus (0 µm) image of the same shape, else
    ``current`` if its plane size fits (the user's choice), else None."""
    if image is None:
        return current
    plane = tuple(image.data.shape[-2:])
    fits = current is not None and tuple(current.data.shape[-2:]) == plane
    channel = channel_of(image)
    if fits and channel_of(current) == channel:
        return current
    for other in user_layers(list(layers)):
        same = channel_of(other) == channel and other is not image
        if same and layer_depth_um(other) == 0.0 and other.data.shape == image.data.shape:
            return other
    return current if fits else None

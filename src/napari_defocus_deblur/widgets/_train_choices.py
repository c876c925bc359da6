"""Which layers the Train widget trains on: one z-stack, or an out-of-focus / in-focus pair.

Preselection (:func:`propose_data`, pure): a z-stack of the bundled model's channel (the
active one first), else a defocused image with its in-focus twin of the *same channel*
(never a cross-channel pair); when something is missing it says what. The plugin's own
results and previews are never proposed. :class:`DataChoice` is the small controller the
Train widget owns (composition): the two layer boxes, the z-stack planner, the line that
tells what will be trained on.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from napari_defocus_deblur.channels import channel_label, channel_of
from napari_defocus_deblur.errors import UserInputError
from napari_defocus_deblur.widgets._common import (
    check_image_layer,
    image_layers,
    layer_combo,
    quietly,
)
from napari_defocus_deblur.widgets._layers import user_layers
from napari_defocus_deblur.widgets._models import layer_depth_um
from napari_defocus_deblur.widgets._train_stack import StackPlanner, layer_geometry

if TYPE_CHECKING:
    import napari

NO_DATA = "open a z-stack (File > Open a BBBC006 folder) or an out-of-focus image"


@dataclass(frozen=True)
class Proposal:
    """Preselected data: ``oof`` (a z-stack or a defocused image), its in-focus twin (None
    for a z-stack) and what is missing (None when the proposal is complete)."""

    oof: Any
    in_focus: Any
    missing: str | None


def same_channel(a: Any, b: Any) -> bool:
    """True unless both layers name a channel and the channels differ."""
    ca, cb = channel_of(a), channel_of(b)
    return ca is None or cb is None or ca == cb


def _fits(layer: Any, channel: int | None, active: Any) -> tuple[int, int, float]:
    own = channel_of(layer)
    return (int(channel is None or own is None or own == channel), int(layer is active),
            layer_depth_um(layer) or 0.0)  # fmt: skip


def in_focus_twin(layers: Sequence[Any], oof: Any) -> Any:
    """The depth-0 layer of ``oof``'s channel and shape (not ``oof``), or None."""
    shape = tuple(getattr(getattr(oof, "data", None), "shape", ()))
    for layer in layers:
        if layer is oof or layer_depth_um(layer) != 0.0 or not same_channel(layer, oof):
            continue
        if tuple(layer.data.shape) == shape:
            return layer
    return None


def propose_data(layers: Sequence[Any], active: Any, channel: int | None) -> Proposal:
    """What to train on among ``layers`` (see the module docstring)."""
    layers = user_layers(list(layers))
    stacks = [ly for ly in layers if layer_geometry(ly) is not None]
    if stacks:
        return Proposal(max(stacks, key=lambda ly: _fits(ly, channel, active)), None, None)
    defocused = [ly for ly in layers if (layer_depth_um(ly) or 0.0) > 0.0]
    if not defocused:
        return Proposal(None, None, f"no z-stack or out-of-focus image: {NO_DATA}")
    oof = max(defocused, key=lambda ly: _fits(ly, channel, active))
    twin = in_focus_twin(layers, oof)
    if twin is None:
        what = channel_label(channel_of(oof)) if channel_of(oof) else "its field"
        return Proposal(oof, None, f"no in-focus image of {what} next to '{oof.name}': open one")
    return Proposal(oof, twin, None)


class DataChoice:
    """The Train widget's data boxes: out of focus (or z-stack), in focus, in-focus plane.

    Parameters
    ----------
    viewer
        The napari viewer.
    depth_um
        Returns the wanted distance from focus (the form's value).
    on_change
        Called after the choice changed (the widget relabels "Start from").
    """

    def __init__(
        self, viewer: napari.Viewer, depth_um: Callable[[], float], on_change: Callable
    ) -> None:
        self.viewer = viewer
        self._updating = False
        self.auto = True  # preselect until the user picks a layer
        self.on_change = on_change
        self.oof = layer_combo(
            viewer, "oof", "Out of focus", tooltip="a z-stack, or blurred images"
        )
        self.in_focus = layer_combo(viewer, "in_focus", "In focus", tooltip="in focus")
        self.stack = StackPlanner(depth_um)
        self.oof.changed.connect(self._on_oof_changed)

    @property
    def widgets(self) -> list[Any]:
        """The boxes to put in the form, in order."""
        return [self.oof, self.in_focus, self.stack.focus_plane, self.stack.info]

    def channel(self) -> int | None:
        """The channel of the chosen data."""
        return channel_of(self.oof.value)

    def sync(self, folder: bool) -> None:
        """Show the boxes that matter: in focus for a pair, in-focus plane for a z-stack."""
        stack = not folder and self.stack.active
        self.oof.visible = not folder
        self.oof.label = "Z-stack" if stack else "Out of focus"
        self.in_focus.visible = not folder and not stack
        self.stack.focus_plane.visible = stack
        self.stack.info.visible = not folder and bool(self.stack.info.value)

    def preselect(self, channel: int | None) -> None:
        """Propose data (:func:`propose_data`) and say what is missing."""
        layers = image_layers(self.viewer)
        proposal = propose_data(layers, self.viewer.layers.selection.active, channel)
        with quietly(self):
            if proposal.oof is not None:
                self.oof.value = proposal.oof
            if proposal.in_focus is not None:
                self.in_focus.value = proposal.in_focus
        self._follow_oof()
        if proposal.missing and not self.stack.active:
            self.stack.info.value = f"⚠ {proposal.missing}"

    def after_reset(self, channel: int | None) -> None:
        """After the layer list changed: preselect again, or keep the pair sensible."""
        if self.auto:
            self.preselect(channel)
        elif self.in_focus.value is None or self.in_focus.value is self.oof.value:
            self._follow_oof()

    def _on_oof_changed(self, *_: Any) -> None:
        if not self._updating:
            self.auto = False  # the user chose: stop preselecting
        self._follow_oof()

    def _follow_oof(self) -> None:
        oof = self.oof.value
        self.stack.set_layer(oof)
        if not self.stack.active:
            self.stack.info.value = ""
            twin = in_focus_twin(user_layers(image_layers(self.viewer)), oof)
            if twin is not None and twin is not self.in_focus.value:
                with quietly(self):
                    self.in_focus.value = twin
        self.on_change()

    def source(self) -> tuple[Any, Any, float | None]:
        """``(data source, source layer, distance from focus or None)`` for Start.

        Raises ``UserInputError`` naming the fix (same layer, shapes, channels, planes).
        """
        from napari_defocus_deblur.widgets._train_job import LayerSource, StackSource

        oof_layer, sharp_layer = self.oof.value, self.in_focus.value
        if self.stack.active and oof_layer is not None:
            data = check_image_layer(oof_layer, self.viewer, role="z-stack")
            pairs = self.stack.pairs()
            recorded = oof_layer.metadata.get("pixel_size_um")
            return StackSource(data, pairs, pixel_size_um=recorded), oof_layer, pairs.depth_um
        oof = check_image_layer(oof_layer, self.viewer, role="out-of-focus image")
        sharp = check_image_layer(sharp_layer, self.viewer, role="in-focus image")
        if sharp_layer is oof_layer:
            raise UserInputError("the out-of-focus and in-focus images are the same layer")
        if not same_channel(oof_layer, sharp_layer):
            raise UserInputError(
                f"'{oof_layer.name}' is {channel_label(channel_of(oof_layer))} but "
                f"'{sharp_layer.name}' is {channel_label(channel_of(sharp_layer))}; "
                "pick an in-focus image of the same channel"
            )
        if tuple(oof.shape) != tuple(sharp.shape):
            raise UserInputError(
                f"'{oof_layer.name}' is {'x'.join(map(str, oof.shape))} but "
                f"'{sharp_layer.name}' is {'x'.join(map(str, sharp.shape))}; "
                "they must show the same field"
            )
        recorded = oof_layer.metadata.get("pixel_size_um")  # as its file records it
        return LayerSource(oof, sharp, pixel_size_um=recorded), oof_layer, None

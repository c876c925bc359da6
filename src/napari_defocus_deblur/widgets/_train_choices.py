"""How the Train widget preselects its data and starting model.

Out of focus: the active or deepest defocused image; in focus: the depth-0 image of the
same channel; depth from the layer's metadata; "Start from" auto: the bundled model for
that channel (fine-tuning, not random weights).
"""

from __future__ import annotations

from typing import Any

from napari_defocus_deblur.channels import channel_of
from napari_defocus_deblur.constants import DEFAULT_DEPTH_UM
from napari_defocus_deblur.widgets._common import image_layers, quietly
from napari_defocus_deblur.widgets._models import layer_depth_um
from napari_defocus_deblur.widgets._train_form import START_AUTO, resolve_start, start_choice_list


class TrainChoices:
    """Mixed into :class:`~napari_defocus_deblur.widgets.train.TrainWidget`."""

    viewer: Any
    models: list
    oof: Any
    in_focus: Any
    form: Any
    _updating: bool
    _auto_data: bool = True

    def data_channel(self) -> int | None:
        """The channel of the training data (folder setting, or the layer's channel)."""
        if self.from_folder():  # type: ignore[attr-defined]
            return int(self.form.channel.value)
        layer = getattr(self, "oof", None)
        return channel_of(layer.value) if layer is not None else None

    def _start_choices(self, _widget: Any = None) -> list[tuple[str, str]]:
        form = self.__dict__.get("form")  # None while the form itself is being built
        depth = float(form.depth_um.value) if form is not None else DEFAULT_DEPTH_UM
        channel = self.data_channel() if form is not None else None
        path = resolve_start(self.models, START_AUTO, depth, channel)
        auto = next((m for m in self.models if str(m.path) == path), None)
        return start_choice_list(self.models, auto)

    def _relabel_start(self) -> None:
        with quietly(self):
            self.form.start_from.reset_choices()

    def reset_choices(self, *_: Any) -> None:
        """Follow the layer list, then keep the data choice sensible."""
        with quietly(self):
            super().reset_choices()  # type: ignore[misc]
        if getattr(self, "_auto_data", True):
            self.choose_default_layers()
        elif self.in_focus.value is None or self.in_focus.value is self.oof.value:
            self._on_oof_changed()

    def choose_default_layers(self) -> None:
        """Out of focus: a defocused image of the bundled model's channel (the active one,
        else the deepest); in focus: its depth-0 twin."""
        from napari_defocus_deblur.widgets._deblur_form import default_image

        bundled = [m.channel for m in self.models if m.bundled and m.channel is not None]
        defocused = [ly for ly in image_layers(self.viewer) if (layer_depth_um(ly) or 0) > 0]
        active = self.viewer.layers.selection.active
        oof = default_image(defocused, active, bundled[0] if bundled else None)
        if oof is not None:
            with quietly(self):
                self.oof.value = oof
        self._on_oof_changed()

    def _on_oof_changed(self, *_: Any) -> None:
        if not self._updating and _:
            self._auto_data = False  # the user chose: stop preselecting
        oof = self.oof.value
        depth = layer_depth_um(oof)
        if depth:
            self.form.depth_um.value = min(max(depth, 0.5), 200.0)
        current = self.in_focus.value
        if not _is_twin(current, oof):
            candidates = [ly for ly in image_layers(self.viewer) if ly is not oof]
            focused = [ly for ly in candidates if layer_depth_um(ly) == 0.0]
            twins = [ly for ly in focused if channel_of(ly) == channel_of(oof)]
            best = (twins or focused or candidates or [None])[0]
            if best is not None:
                with quietly(self):
                    self.in_focus.value = best
        self._relabel_start()


def _is_twin(candidate: Any, oof: Any) -> bool:
    """An in-focus layer of the same channel as ``oof`` (and not ``oof`` itself)."""
    return (
        candidate is not None
        and oof is not None
        and candidate is not oof
        and layer_depth_um(candidate) == 0.0
        and channel_of(candidate) == channel_of(oof)
    )

"""Training from one z-stack layer: the in-focus plane (metadata or sharpest, editable) and
the pairs the Train widget will build, shown before Start.

A small controller owned by the Train widget (composition): it holds the "In-focus plane"
box and the line describing the pairs; the rules are the core's
(:mod:`napari_defocus_deblur.training.stack_pairs`). Finding the sharpest plane reads
and scores every plane of one field, so it runs in a worker thread.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from magicgui.widgets import Label, SpinBox

from napari_defocus_deblur.errors import UserInputError
from napari_defocus_deblur.training.stack_pairs import (
    FOCUS_GIVEN,
    FOCUS_METADATA,
    FOCUS_SHARPEST,
    StackGeometry,
    StackPairs,
    plan_stack_pairs,
    sharpest_plane,
    stack_geometry,
)
from napari_defocus_deblur.widgets._common import is_alive, one_line, quietly
from napari_defocus_deblur.widgets._layout import compact, word_wrap

FINDING = "finding the sharpest plane…"


def layer_geometry(layer: Any) -> StackGeometry | None:
    """The z axis of an image layer (:func:`.stack_pairs.stack_geometry`), or None."""
    if layer is None or getattr(layer, "rgb", False) or getattr(layer, "multiscale", False):
        return None
    labels = getattr(layer, "axis_labels", None)
    return stack_geometry(
        tuple(layer.data.shape), layer.metadata, tuple(layer.scale), labels and tuple(labels)
    )


def _sharpest_of(data: Any, n_fields: int) -> int:
    """The sharpest plane of the middle field of a ``(z, y, x)`` or ``(f, z, y, x)`` stack."""
    field = data if data.ndim == 3 else data[n_fields // 2]
    return sharpest_plane([field[i] for i in range(field.shape[0])])


class StackPlanner:
    """The in-focus plane and pairs of the chosen z-stack layer.

    Parameters
    ----------
    depth_um
        Returns the wanted distance from focus (the Train form's value).
    """

    def __init__(self, depth_um: Callable[[], float]) -> None:
        self._depth_um = depth_um
        self._updating = False
        self.layer: Any = None
        self.geometry: StackGeometry | None = None
        self.source = FOCUS_METADATA
        self.worker: Any = None
        self.focus_plane = SpinBox(name="focus_plane", label="In-focus plane", min=0, max=0)
        self.focus_plane.tooltip = "the plane in focus; the others pair with it"
        compact(self.focus_plane)
        self.info = word_wrap(Label(name="pairs", value=""))
        self.focus_plane.changed.connect(self._on_user_focus)

    @property
    def active(self) -> bool:
        """True when the chosen layer is a z-stack (pairs are built inside it)."""
        return self.geometry is not None

    def set_layer(self, layer: Any) -> None:
        """Follow the chosen layer: its in-focus plane from metadata, else the sharpest."""
        if layer is self.layer and self.geometry is not None:
            return
        self.layer, self.geometry = layer, layer_geometry(layer)
        if self.geometry is None:
            self.info.value = ""
            return
        with quietly(self):
            self.focus_plane.max = max(self.geometry.n_planes - 1, 0)
            if self.geometry.focus_plane is not None:
                self.focus_plane.value = self.geometry.focus_plane
                self.source = FOCUS_METADATA
        if self.geometry.focus_plane is None:
            self._find_sharpest(layer)
        self.refresh()

    def _find_sharpest(self, layer: Any) -> None:
        from napari.qt.threading import create_worker

        self.source = FINDING
        worker = create_worker(
            _sharpest_of, layer.data, self.geometry.n_fields,
            _start_thread=False, _ignore_errors=True,
        )  # fmt: skip
        worker.returned.connect(lambda plane: self._on_sharpest(layer, plane))
        worker.errored.connect(lambda exc: self._on_sharpest(layer, None, exc))
        self.worker = worker
        worker.start()

    def _on_sharpest(self, layer: Any, plane: int | None, exc: Any = None) -> None:
        self.worker = None
        if layer is not self.layer or not is_alive(self.info.native):
            return
        if plane is None:
            self.source = FOCUS_GIVEN
            self.info.value = f"⚠ {one_line(str(exc))}: set 'In-focus plane'"
            return
        with quietly(self):
            self.focus_plane.value = int(plane)
        self.source = FOCUS_SHARPEST
        self.refresh()

    def _on_user_focus(self, *_: Any) -> None:
        if not self._updating:
            self.source = FOCUS_GIVEN
            self.refresh()

    def pairs(self) -> StackPairs:
        """The pairs Start will train on (raises ``UserInputError`` naming the fix)."""
        if self.geometry is None:
            raise UserInputError("the chosen layer is not a z-stack")
        if self.source == FINDING:
            raise UserInputError("the sharpest plane is still being found; Start again")
        plane = int(self.focus_plane.value)
        return plan_stack_pairs(self.geometry, self._depth_um(), plane, self.source)

    def refresh(self, *_: Any) -> None:
        """Describe the pairs (or say what is missing) under the box."""
        if self.geometry is None:
            return
        if self.source == FINDING:
            self.info.value = FINDING
            return
        try:
            self.info.value = self.pairs().describe()
        except UserInputError as exc:
            self.info.value = f"⚠ {exc}"

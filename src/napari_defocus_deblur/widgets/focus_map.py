"""The "Focus map" dock widget: map the focus of a plate, see it as a heat map, open a
well's fields with their within-field depth maps, and deblur only the deep fields.

Wiring only: the work is :func:`napari_defocus_deblur.focusmap.iter_focus_map` and
:func:`~napari_defocus_deblur.focusmap.iter_fix`, each in a napari thread worker.
"""

import time
from typing import TYPE_CHECKING, Any

from magicgui.widgets import Container, Label, ProgressBar, PushButton

from napari_defocus_deblur.errors import UserInputError
from napari_defocus_deblur.widgets._common import (
    report_exception,
    show_error,
    show_info,
    show_warning,
)
from napari_defocus_deblur.widgets._focus_canvas import PlateCanvas
from napari_defocus_deblur.widgets._focus_form import DEFAULTS, build_form
from napari_defocus_deblur.widgets._layout import on_close, row, scroll_wrap, word_wrap
from napari_defocus_deblur.widgets._microscope import stated_microscope
from napari_defocus_deblur.widgets._settings import restore_defaults

if TYPE_CHECKING:
    import napari

#: Gap between the sites of a well when they are opened side by side (pixels).
SITE_GAP_PX = 16
OVERLAY_COLORMAP = "turbo"
#: Move the progress bar at most this often (seconds).
PROGRESS_EVERY_S = 0.2


class FocusMapWidget(Container):
    """Map the focus of every field of a plate and fix only the out-of-focus ones.

    Parameters
    ----------
    napari_viewer
        The viewer the widget is docked in (napari passes it).
    """

    def __init__(self, napari_viewer: "napari.Viewer") -> None:
        self.viewer = napari_viewer
        self.fmap: Any = None
        self.map_microscope: Any = None  # the optics stated for the map (None: BBBC006's)
        self.worker: Any = None
        self._shown_at = 0.0
        self.settings = build_form()
        self.map_button = PushButton(text="Map focus")
        self.cancel_button = PushButton(text="Cancel", enabled=False)
        self.progress = ProgressBar(min=0, max=1, value=0)  # always shown: see PlateCanvas
        self.plot = PlateCanvas(self._on_hover, self.open_well)
        self.hover = word_wrap(Label(value="hover a well for its figures; click to open it"))
        self.fix_button = PushButton(text="", enabled=False)
        self.status = word_wrap(Label(value=""))
        self.defaults_button = PushButton(text="Restore defaults")
        body = Container(
            widgets=[
                self.settings,
                row(self.map_button, self.cancel_button),
                self.progress,
                self.hover,
                self.fix_button,
                self.status,
                self.defaults_button,
            ],
            labels=False,
        )
        body.native.layout().insertWidget(3, self.plot)
        super().__init__(widgets=[body], labels=False)
        self.margins = (0, 0, 0, 0)
        scroll_wrap(self, body)
        self.map_button.changed.connect(lambda *_: self.run_map())
        self.cancel_button.changed.connect(lambda *_: self.cancel())
        self.fix_button.changed.connect(lambda *_: self.run_fix())
        self.defaults_button.changed.connect(lambda *_: restore_defaults(self.settings, DEFAULTS))
        self.settings.above_um.changed.connect(lambda *_: self._sync())
        on_close(self, self.cancel)
        self.plot.follow_theme(napari_viewer)
        self._sync()

    @property
    def busy(self) -> bool:
        """True while a map or a fix runs."""
        return self.worker is not None

    def _sync(self) -> None:
        above = float(self.settings.above_um.value)
        n = len(self.fmap.above(above)) if self.fmap is not None else 0
        self.fix_button.text = f"Deblur fields above {above:g} µm ({n})"
        self.fix_button.enabled = not self.busy and n > 0
        self.map_button.enabled = not self.busy
        self.cancel_button.enabled = self.busy

    # -- mapping ------------------------------------------------------------------------
    def run_map(self) -> bool:
        """Map the chosen plate in a worker; False when refused (busy, no plate)."""
        from napari_defocus_deblur.focusmap import iter_focus_map

        plate = str(self.settings.plate.value or "").strip()
        if self.busy:
            return False
        if plate in ("", "."):
            show_error("choose a plate folder (or type the path of a .zip) first")
            return False
        s = self.settings
        try:
            microscope = stated_microscope(s)
        except UserInputError as exc:
            show_error(str(exc))
            return False
        job = iter_focus_map(
            plate,
            pattern=s.pattern.value.strip() or None,
            channel=int(s.channel.value) or None,
            workers=int(s.workers.value),
            microscope=microscope,
        )
        self.fmap, self.map_microscope = None, microscope
        self.progress.value = 0
        self.status.value = f"mapping {plate} …"
        return self._start(job, self._on_map_event, self._on_mapped, "focus map")

    def _on_map_event(self, event: Any) -> None:
        """Only the progress bar moves while the fields are read: drawing competes with
        the reading threads for the interpreter and would stall the GUI."""
        from napari_defocus_deblur.focusmap import FieldMapped

        if isinstance(event, FieldMapped):
            now = time.monotonic()  # a progress bar repaints at once: a few times a second
            if now - self._shown_at >= PROGRESS_EVERY_S or event.done == event.total:
                self._shown_at = now
                self.progress.value = event.done
        else:
            self.progress.max = max(event.total, 1)

    def _on_mapped(self, fmap: Any) -> None:
        self.fmap = fmap
        self.plot.show_map(fmap, self._channel())
        wells = fmap.wells(self._channel())
        self.status.value = (
            f"{len(fmap.rows)} field(s) in {len(wells)} well(s); "
            f"{len(fmap.errors)} unreadable; click a well to open it"
        )
        if fmap.errors:
            show_warning(f"{len(fmap.errors)} file(s) could not be read: {fmap.errors[0].error}")

    def _channel(self) -> int | None:
        return int(self.settings.channel.value) or None

    def _on_hover(self, well: str | None) -> None:
        from napari_defocus_deblur.focusmap import well_text

        fmap = self.fmap or self.plot.fmap
        self.hover.value = well_text(fmap, well) if well and fmap is not None else ""

    # -- opening a well -----------------------------------------------------------------
    def open_well(self, well: str) -> list:
        """Add the fields of ``well`` as image layers, each with its depth-map overlay."""
        fmap = self.fmap or self.plot.fmap
        if fmap is None:
            return []
        added, offset = [], 0.0
        for site in sorted({r.site for r in fmap.fields_of(well)}):
            width = 0
            for r in [r for r in fmap.fields_of(well) if r.site == site]:
                layers = self._add_field(r, offset)
                added += layers
                width = max(width, layers[0].data.shape[-1] if layers else 0)
            offset += width + SITE_GAP_PX if width else 0
        return added

    def _add_field(self, r: Any, offset: float) -> list:
        from napari_defocus_deblur.estimate.tiling import tile_placement
        from napari_defocus_deblur.focusmap import read_field
        from napari_defocus_deblur.simulate.recorded import image_microscope

        name = f"{r.well} s{r.site} w{r.channel}"
        if not r.ok:
            show_warning(f"{name}: {r.error}")
            return []
        try:
            image, recorded_um = read_field(r.path)
        except (UserInputError, OSError) as exc:
            report_exception(exc, f"opening {name}")
            return []
        layer = self.viewer.add_image(
            image, name=f"{name} ({r.distance_um:.1f} µm)", translate=(0, offset),
            metadata={"source": r.path, "depth_um": r.depth_um, "stage_um": r.stage_um},
        )  # fmt: skip
        if r.tile_depths_um is None:
            return [layer]
        reader = image_microscope(self.map_microscope, recorded_um)
        spacing, (y, x) = tile_placement(image.shape, reader)
        overlay = self.viewer.add_image(
            r.tile_depths_um, name=f"{name} depth map (µm)", scale=spacing,
            translate=(y, x + offset), colormap=OVERLAY_COLORMAP,
            opacity=0.45, contrast_limits=(0.0, max(15.0, float(r.depth_um) + 5.0)),
            interpolation2d="nearest", blending="translucent",
        )  # fmt: skip
        return [layer, overlay]

    # -- fixing -------------------------------------------------------------------------
    def run_fix(self) -> bool:
        """Deblur the fields above the threshold into the chosen folder (in a worker)."""
        from napari_defocus_deblur.focusmap import iter_fix

        folder = str(self.settings.fix_folder.value or "").strip()
        if self.busy or self.fmap is None:
            return False
        if folder in ("", "."):
            show_error("choose a folder to deblur into ('Deblur into') first")
            return False
        above = float(self.settings.above_um.value)
        job = iter_fix(self.fmap, folder, above, microscope=self.map_microscope)
        self.progress.value = 0
        self.progress.max = max(len(self.fmap.above(above)), 1)
        self.status.value = f"deblurring fields above {above:g} µm into {folder} …"
        return self._start(job, self._on_fix_event, self._on_fixed, "deblurring fields")

    def _on_fix_event(self, event: Any) -> None:
        self.progress.value = event.done
        if event.error:
            show_warning(f"skipped {event.error}")

    def _on_fixed(self, result: Any) -> None:
        self.status.value = f"deblurred {len(result.written)} of {result.selected} field(s)" + (
            f"; {len(result.skipped)} skipped" if result.skipped else ""
        )
        show_info(self.status.value)

    # -- workers ------------------------------------------------------------------------
    def _start(self, job: Any, on_event: Any, on_returned: Any, action: str) -> bool:
        from napari.qt.threading import create_worker

        worker = create_worker(_relay, job, _start_thread=False, _ignore_errors=True)
        worker.yielded.connect(lambda e, w=worker: self._if_current(w, on_event, e))
        worker.returned.connect(lambda v, w=worker: self._if_current(w, on_returned, v))
        worker.errored.connect(lambda exc: report_exception(exc, action))
        worker.finished.connect(lambda w=worker: self._finished(w))
        worker.finished.connect(job.close)  # cancelled: stop the job's threads too
        self.worker = worker
        self._sync()
        worker.start()
        return True

    def _if_current(self, worker: Any, callback: Any, value: Any) -> None:
        if worker is self.worker:
            callback(value)

    def _finished(self, worker: Any) -> None:
        if worker is not self.worker:
            return
        self.worker = None
        self._sync()

    def cancel(self) -> None:
        """Stop the running map or fix after the fields in flight."""
        if self.worker is not None:
            self.worker.quit()
            self.status.value = "cancelled"


def _relay(job: Any) -> Any:
    """Run a job generator in the worker (its events are the worker's ``yielded``)."""
    return (yield from job)

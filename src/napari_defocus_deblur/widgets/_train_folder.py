"""The Train widget's folder mode: which BBBC006 planes are paired, and the pairing line.

"Reference plane" and "Side" are the CLI's ``--reference-plane`` and ``--side`` of
``train``/``evaluate``: the rule is the core's
:func:`napari_defocus_deblur.constants.pair_planes`, the default the data's own focus
plane (:func:`napari_defocus_deblur.io.pairing.data_focus_plane`: z_16 for a simulated
set, z_17 for real BBBC006) with the blurred plane below it. Under the boxes the widget
shows the line the CLI prints ("paired z_00 (34 µm below z_17) with z_17 for 24 fields,
channel w1"), found on disk in a worker thread; a folder of z-stack TIFFs pairs each
stack with its own in-focus plane, so the two boxes are disabled for it.
"""

from __future__ import annotations

from typing import Any

from magicgui.widgets import Container, Label

from napari_defocus_deblur.errors import UserInputError
from napari_defocus_deblur.widgets._common import is_alive, one_line
from napari_defocus_deblur.widgets._layout import special_text, word_wrap
from napari_defocus_deblur.widgets._train_job import FolderSource, folder_source

#: "Reference plane" value meaning the data's own focus plane (shown as "auto").
AUTO_PLANE = -1
#: Settings of the essentials form that only folder mode shows.
FOLDER_KEYS = ("folder", "channel", "reference_plane", "side")
#: CLI flags in core messages, and the widget's names for them.
_FLAGS = (("--reference-plane", "'Reference plane'"), ("--side", "'Side'"))


def widget_words(message: str) -> str:
    """A core message with the CLI's flag names replaced by the boxes' names."""
    for flag, name in _FLAGS:
        message = message.replace(flag, name)
    return message


def describe_pairing(source: FolderSource, depth_um: float) -> tuple[int | None, str]:
    """``(the data's focus plane, or None for z-stacks; the CLI's pairing line, or
    "⚠ <why not>" naming the fix)`` of ``source`` at ``depth_um``."""
    from napari_defocus_deblur.io.pairing import data_focus_plane, pairing_of
    from napari_defocus_deblur.io.pairs import discover_pairs

    focus = None
    try:
        focus = data_focus_plane(source.root) if source.side is not None else None
        pairs = discover_pairs(
            source.root, depth_um, source.channel,
            reference_plane=source.reference_plane, side=source.side,
        )  # fmt: skip
    except UserInputError as exc:
        return focus, f"⚠ {one_line(str(exc))}"
    return focus, pairing_of(pairs).text()


class FolderPairing:
    """Keeps folder mode's "Reference plane" box and pairing line in step with the form.

    Parameters
    ----------
    form
        The Train widget's essentials form (``folder``, ``channel``, ``depth_um``,
        ``reference_plane``, ``side``).
    """

    def __init__(self, form: Container) -> None:
        self.form = form
        self.info = word_wrap(Label(name="pairing", value=""))
        self.worker: Any = None
        self._token: object = None
        special_text(form.reference_plane, "auto")
        for key in ("data", "folder", "channel", "depth_um", "reference_plane", "side"):
            form[key].changed.connect(self.refresh)

    def source(self) -> FolderSource:
        """The folder, channel and planes Start trains on (``UserInputError``: no folder).

        Reference plane and side apply to BBBC006 layouts only (None for z-stacks, as
        the CLI's defaults)."""
        from napari_defocus_deblur.io.bbbc006 import is_bbbc006

        root = folder_source(self.form.folder.value).root
        planes = is_bbbc006(root)
        reference = int(self.form.reference_plane.value)
        return FolderSource(
            root,
            int(self.form.channel.value),
            reference if planes and reference != AUTO_PLANE else None,
            str(self.form.side.value) if planes else None,
        )

    def refresh(self, *_: Any) -> None:
        """Find the pairs the form describes (in a worker) and show the pairing line."""
        self._token = token = object()
        if self.form.data.value != "folder":
            return
        try:
            source = self.source()
        except UserInputError:
            self.info.value = ""
            return
        for key in ("reference_plane", "side"):
            self.form[key].enabled = source.side is not None
        from napari.qt.threading import create_worker

        depth = float(self.form.depth_um.value)
        worker = create_worker(
            describe_pairing, source, depth, _start_thread=False, _ignore_errors=True
        )
        worker.returned.connect(lambda answer: self._show(token, *answer))
        worker.errored.connect(lambda exc: self._show(token, None, f"⚠ {one_line(str(exc))}"))
        self.info.value = "finding the pairs…"
        self.worker = worker
        worker.start()

    @property
    def busy(self) -> bool:
        """True while the pairs are being found."""
        return self.info.value == "finding the pairs…"

    def _show(self, token: object, focus: int | None, text: str) -> None:
        if token is not self._token or not is_alive(self.info.native):
            return
        self.worker = None
        auto = "auto" if focus is None else f"auto (z_{focus:02d})"
        special_text(self.form.reference_plane, auto)
        self.info.value = widget_words(text)

    def loaded(self, lines: tuple[str, ...]) -> None:
        """The pairing lines of the data a run loaded (the CLI prints the same)."""
        if lines:
            self._token = None
            self.info.value = "\n".join(widget_words(line) for line in lines)

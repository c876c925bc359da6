"""``defocus-deblur demo``: napari with the simulated sample field and both widgets docked."""

from __future__ import annotations

import argparse
from typing import Any

from napari_defocus_deblur.constants import DEFAULT_DEPTH_UM

NAME = "demo"
PLUGIN = "napari-defocus-deblur"
SAMPLE = "simulated_field"
DEMO_DEPTH_UM = DEFAULT_DEPTH_UM
#: Smallest demo window (the canvas keeps ~60 % of the width next to the docks).
MIN_WINDOW = (1400, 900)


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register the sub-command."""
    parser = subparsers.add_parser(
        NAME,
        help="open napari with a sample field and the Deblur / Train widgets",
        description=(
            "Open napari with the simulated BBBC006 sample field (in focus and 10-34 µm out "
            "of focus) and the Deblur and 'Train deblur model' widgets docked, the 34 µm "
            "image selected. Press Run in the Deblur widget."
        ),
    )
    parser.add_argument(
        "--no-run",
        action="store_true",
        help="build the window, print what it holds and close it (smoke test)",
    )
    return parser


def setup_viewer(viewer: Any) -> tuple[Any, Any]:
    """Load the sample into ``viewer``, dock both widgets, select the 34 µm layer.

    Returns
    -------
    tuple
        ``(deblur_widget, train_widget)``.
    """
    from napari_defocus_deblur.widgets._models import layer_depth_um

    viewer.open_sample(PLUGIN, SAMPLE)
    deblur_dock, deblur = viewer.window.add_plugin_dock_widget(PLUGIN, "Deblur")
    _, train = viewer.window.add_plugin_dock_widget(PLUGIN, "Train deblur model", tabify=True)
    target = _demo_layer(viewer, layer_depth_um)
    if target is not None:
        viewer.layers.selection.active = target
        deblur.select_image(target)
        train.choose_default_layers()
        reference = _in_focus_partner(viewer, target, layer_depth_um)
        if reference is not None:  # PSNR/SSIM of the result appear as soon as Run ends
            deblur.compare.reference.value = reference
        for layer in viewer.layers:
            layer.visible = layer.name == target.name
    from napari_defocus_deblur.widgets._layout import call_soon

    deblur_dock.raise_()  # the Train widget shares the dock area as a tab
    call_soon(deblur_dock, deblur_dock.raise_)  # again once the window has laid out its tabs
    viewer.reset_view()
    return deblur, train


def show_window(viewer: Any) -> tuple[int, int]:
    """Show the demo maximised, then fit the camera to the image.

    The window is first sized to the screen's free area, so it is large (at least
    :data:`MIN_WINDOW` on screens that have room) even where a window manager ignores
    "maximised"; napari's remembered size of the last session is not used.

    Returns
    -------
    tuple
        The window's ``(width, height)``.
    """
    window = viewer.window._qt_window
    free = window.screen().availableGeometry()
    window.resize(free.width(), free.height())
    window.showMaximized()
    from napari_defocus_deblur.widgets._layout import call_soon

    call_soon(window, viewer.reset_view)  # once the canvas has its final size
    return window.width(), window.height()


def _in_focus_partner(viewer: Any, target: Any, depth_of: Any) -> Any:
    """The in-focus layer of the same channel as ``target`` (first word of the name)."""
    channel = target.name.split(" ")[0]
    for layer in viewer.layers:
        if depth_of(layer) == 0.0 and layer.name.split(" ")[0] == channel:
            return layer
    return None


def _demo_layer(viewer: Any, depth_of: Any) -> Any:
    best, best_gap = None, float("inf")
    for layer in viewer.layers:
        depth = depth_of(layer)
        if depth is not None and abs(depth - DEMO_DEPTH_UM) < best_gap:
            best, best_gap = layer, abs(depth - DEMO_DEPTH_UM)
    return best


def check_display(environ: Any = None) -> None:
    """Refuse, in one line, to open windows where Qt has no display to open them on.

    Linux and other X11/Wayland systems need ``DISPLAY`` or ``WAYLAND_DISPLAY`` (or a
    ``QT_QPA_PLATFORM`` such as ``offscreen``); Qt would abort the process otherwise.
    """
    import os
    import sys

    from napari_defocus_deblur.errors import UserInputError

    env = os.environ if environ is None else environ
    if sys.platform in ("win32", "darwin") or env.get("QT_QPA_PLATFORM"):
        return
    if not (env.get("DISPLAY") or env.get("WAYLAND_DISPLAY")):
        raise UserInputError(
            "demo opens a napari window but there is no display (DISPLAY is not set); run "
            "it on a desktop, over ssh -X, or under a virtual display: xvfb-run "
            "defocus-deblur demo"
        )


def run(args: argparse.Namespace) -> int:
    """Open the demo window (blocks until it is closed, unless ``--no-run``)."""
    check_display()
    import napari

    viewer = napari.Viewer(title="napari-defocus-deblur demo", show=False)
    try:
        deblur, train = setup_viewer(viewer)
        if args.no_run:
            names = ", ".join(layer.name for layer in viewer.layers)
            print(f"demo ready: {len(viewer.layers)} layers ({names})")
            print(f"selected: {deblur.image.value.name}")
            print(f"widgets: {type(deblur).__name__}, {type(train).__name__}")
            return 0
        show_window(viewer)
        napari.run()
        return 0
    finally:
        if args.no_run:
            viewer.close()

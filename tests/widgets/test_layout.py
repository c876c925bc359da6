"""Both dock widgets fit a 1280 x 800 screen: narrow, scrollable, tabified together."""

from __future__ import annotations

from tests.widgets.conftest import dock, settle

SCREEN = (1280, 800)


def _docks(viewer):
    from qtpy.QtWidgets import QDockWidget

    window = viewer.window._qt_window
    return {
        d.objectName(): d
        for d in window.findChildren(QDockWidget)
        if d.objectName().endswith("(napari-defocus-deblur)")
    }


def test_both_docked_from_the_plugins_menu_keep_the_window_on_a_1280x800_screen(
    make_napari_viewer, qtbot
):
    """The old Train widget needed 856 px of height; docked under Deblur the window grew
    to 1395 px and Start/Stop were off-screen."""
    viewer = make_napari_viewer(show=True)
    viewer.open_sample("napari-defocus-deblur", "simulated_field")
    window = viewer.window._qt_window
    window.resize(*SCREEN)
    dock(viewer, "Deblur")
    dock(viewer, "Train deblur model")  # as the Plugins menu does: no tabify asked
    settle(qtbot, 200)
    hint = window.minimumSizeHint()
    assert hint.width() <= SCREEN[0] and hint.height() <= SCREEN[1]
    assert window.width() <= SCREEN[0] and window.height() <= SCREEN[1]
    docks = _docks(viewer)
    assert len(docks) == 2
    deblur, train = (
        docks["Deblur (napari-defocus-deblur)"],
        docks["Train deblur model (napari-defocus-deblur)"],
    )
    assert window.tabifiedDockWidgets(deblur) == [train]  # tabs, not stacked
    for widget in docks.values():
        assert widget.minimumSizeHint().height() < 300  # the content scrolls
        assert widget.minimumSizeHint().width() <= 400
        assert widget.width() <= 420  # opens narrow: the canvas keeps the width
    canvas = viewer.window._qt_viewer.canvas.native
    assert canvas.width() >= 0.45 * window.width()


def test_train_widget_start_button_is_reachable_in_a_short_dock(make_napari_viewer, qtbot):
    from qtpy.QtWidgets import QScrollArea

    viewer = make_napari_viewer(show=True)
    viewer.window._qt_window.resize(*SCREEN)
    widget = dock(viewer, "Train deblur model")
    settle(qtbot, 100)
    scroll = widget.native.findChild(QScrollArea)
    assert scroll is not None and scroll.widget() is widget[0].native
    scroll.ensureWidgetVisible(widget.start_button.native)
    settle(qtbot)
    assert widget.start_button.native.visibleRegion().boundingRect().height() > 0

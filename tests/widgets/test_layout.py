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


def test_tab_titles_are_the_widget_names_and_fit_at_1280x800(make_napari_viewer, qtbot):
    """The tabs read "Deblur (napari-de…" and "Train deblur model (napari-de…" before."""
    from qtpy.QtWidgets import QTabBar

    viewer = make_napari_viewer(show=True)
    viewer.window._qt_window.resize(*SCREEN)
    dock(viewer, "Deblur")
    dock(viewer, "Train deblur model")
    settle(qtbot, 200)
    bars = [b for b in viewer.window._qt_window.findChildren(QTabBar) if b.count() == 2]
    titles = {bar.tabText(i): (bar, i) for bar in bars for i in range(bar.count())}
    assert {"Deblur", "Train deblur model"} <= set(titles)
    for text in ("Deblur", "Train deblur model"):
        bar, i = titles[text]
        assert bar.tabRect(i).width() >= bar.fontMetrics().horizontalAdvance(text)
    assert _docks(viewer)["Deblur (napari-defocus-deblur)"].windowTitle() == "Deblur"


def test_long_layer_names_keep_their_end_and_show_in_full_as_tooltip(make_napari_viewer, qtbot):
    """A cut combo showed "w1 Hoechst 33342 34 ur"; cut before the distance, channel and
    distance stay readable, and the tooltip names the layer in full before the box's help."""
    from napari_defocus_deblur.widgets._layout import shown_text

    viewer = make_napari_viewer(show=True)
    viewer.window._qt_window.resize(*SCREEN)
    viewer.open_sample("napari-defocus-deblur", "simulated_field")
    widget = dock(viewer, "Deblur")
    settle(qtbot, 200)
    name = "w1 Hoechst 33342 34 µm"
    widget.image.value = viewer.layers[name]
    combo = widget.image.native
    combo.setFixedWidth(160)  # as narrow as the dock gets
    settle(qtbot, 50)
    shown = shown_text(combo)
    assert shown != name and "…" in shown and shown.startswith("w1 ")
    assert shown.endswith(" 34 µm")  # the channel and the distance stay readable
    assert combo.toolTip().split("\n")[0] == name
    combo.setFixedWidth(600)
    assert shown_text(combo) == name


def test_names_without_a_distance_are_cut_at_the_end(qapp):
    from qtpy.QtGui import QFont, QFontMetrics

    from napari_defocus_deblur.widgets._layout import elide

    metrics = QFontMetrics(QFont())
    name = "BBBC006 w1 Hoechst 33342 (4 fields)"
    width = metrics.horizontalAdvance("BBBC006 w1 Hoechst")
    shown = elide(name, metrics, width)
    assert shown.startswith("BBBC006 w1") and shown.endswith("…")
    assert elide("w1 x 34 µm", metrics, 1000) == "w1 x 34 µm"

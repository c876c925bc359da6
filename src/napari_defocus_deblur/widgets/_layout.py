"""Qt-level layout helpers for the magicgui dock widgets: scrolling, tabs, narrow combo
boxes, wrapped labels and deferred calls (where magicgui has no option of its own)."""

from __future__ import annotations

from typing import Any

from magicgui.widgets import Container
from qtpy.QtCore import QEvent, QObject, QSize, Qt, QTimer
from qtpy.QtWidgets import (
    QComboBox,
    QFrame,
    QScrollArea,
    QSizePolicy,
    QStyle,
    QStyleOptionComboBox,
    QStylePainter,
    QWidget,
)


def is_alive(widget: QWidget) -> bool:
    """False once the C++ side of a Qt widget has been deleted."""
    try:
        widget.objectName()
    except RuntimeError:
        return False
    return True


def compact(widget: Any, characters: int = 14) -> None:
    """Keep a combo box narrow: a long entry is cut (:func:`elide`: "w1 Hoechst… 34 µm",
    the distance at the end stays readable), the full text is in the list and in the
    tooltip."""
    native = getattr(widget, "native", widget)
    if isinstance(native, QComboBox):
        native.setMinimumContentsLength(characters)
        native.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        native.installEventFilter(_Elider(native))


class _Elider(QObject):
    """Paints a combo box's current text cut by :func:`elide` when it does not fit, and
    puts the full text first in its tooltip (Qt clipped it mid-letter: "34 ur")."""

    def __init__(self, combo: QComboBox) -> None:
        super().__init__(combo)
        self._tip = self._help = ""
        combo.currentTextChanged.connect(lambda *_: self._retip(combo))

    def _retip(self, combo: QComboBox) -> None:
        if combo.toolTip() != self._tip:  # set from outside: the box's own help
            self._help = combo.toolTip()
        self._tip = "\n".join(filter(None, [combo.currentText(), self._help]))
        combo.setToolTip(self._tip)

    def eventFilter(self, obj: Any, event: Any) -> bool:  # Qt override
        """Draw the combo (frame, arrow, elided text) on Paint; pass other events on."""
        if event.type() == QEvent.Type.ToolTip:
            self._retip(obj)
        if event.type() != QEvent.Type.Paint or obj.isEditable():
            return False
        option = QStyleOptionComboBox()
        obj.initStyleOption(option)
        painter = QStylePainter(obj)
        painter.drawComplexControl(QStyle.ComplexControl.CC_ComboBox, option)
        option.currentText = shown_text(obj, option)
        painter.drawControl(QStyle.ControlElement.CE_ComboBoxLabel, option)
        painter.end()
        return True


def shown_text(combo: QComboBox, option: Any = None) -> str:
    """The text a :func:`compact` combo box shows: its current text cut to the width of
    its text field (:func:`elide`)."""
    if option is None:
        option = QStyleOptionComboBox()
        combo.initStyleOption(option)
    field = combo.style().subControlRect(
        QStyle.ComplexControl.CC_ComboBox, option, QStyle.SubControl.SC_ComboBoxEditField, combo
    )
    icon = option.iconSize.width() + 4 if not option.currentIcon.isNull() else 0
    return elide(option.currentText, option.fontMetrics, max(field.width() - icon - 2, 0))


def elide(text: str, metrics: Any, width: int) -> str:
    """``text`` cut to ``width`` pixels of ``metrics``: a name ending in a distance keeps
    it ("w1 Hoech… 34 µm"), any other is cut at the end ("BBBC006 w1 Hoe…": a name's
    start says most)."""
    if metrics.horizontalAdvance(text) <= width:
        return text
    head, _, unit = text.rpartition(" ")
    head, _, number = head.rpartition(" ")
    tail = f" {number} {unit}"
    fits = metrics.horizontalAdvance(tail) <= width // 2
    if unit == "µm" and number.replace(".", "", 1).isdigit() and head and fits:
        room = width - metrics.horizontalAdvance(tail)
        return metrics.elidedText(head, Qt.TextElideMode.ElideRight, room) + tail
    return metrics.elidedText(text, Qt.TextElideMode.ElideRight, width)


def special_text(widget: Any, text: str) -> None:
    """Show ``text`` instead of a spin box's minimum ("auto" for 0), and keep it shown.

    Qt's ``setSpecialValueText``; magicgui's integer boxes are superqt's
    ``QLargeIntSpinBox``, which stores that text but shows the number ("0", "-1"), so
    its edit line is taught the text here (and reads it back as the minimum).
    """
    box = getattr(widget, "native", widget)
    box.setSpecialValueText(text)
    if not hasattr(box, "_updateEdit"):  # a Qt spin box: it does this itself
        return

    def update_edit() -> None:
        special = box.specialValueText()
        shown = special if special and box.value() == box.minimum() else str(box.value())
        if box.lineEdit().text() != shown:
            box.lineEdit().setText(shown)

    def interpret(policy: Any) -> None:
        typed = box.lineEdit().displayText()
        if typed == box.specialValueText():
            box._setValue(box.minimum(), policy)
            return
        try:
            box._setValue(int(typed or box.value()), policy)
        except ValueError:
            box._setValue(box.value(), policy)

    box._updateEdit, box._interpret = update_edit, interpret
    update_edit()


class _NarrowScroll(QScrollArea):
    """A scroll area that asks for no more width than its content needs, so a dock
    opens narrow and leaves the canvas the room (users can still widen it)."""

    def sizeHint(self) -> QSize:  # Qt override
        """The minimum width, and the content's preferred height."""
        return QSize(self.minimumWidth(), super().sizeHint().height())


class _WidthFollower(QObject):
    """Keeps a scroll area as wide as its content needs (the content only scrolls down)."""

    def __init__(self, scroll: QScrollArea, content: QWidget) -> None:
        super().__init__(content)
        self._scroll, self._content = scroll, content
        self.update()

    def update(self) -> None:
        """Match the scroll area's minimum width to the content's."""
        bar = self._scroll.verticalScrollBar().sizeHint().width()
        self._scroll.setMinimumWidth(self._content.minimumSizeHint().width() + bar)

    def eventFilter(self, obj: Any, event: Any) -> bool:  # Qt override
        """Follow layout changes (widgets shown or hidden, longer texts)."""
        if event.type() == QEvent.Type.LayoutRequest:
            self.update()
        return False


def scroll_wrap(container: Container, child: Container) -> QScrollArea:
    """Put ``child`` (already in ``container``) inside a vertical scroll area.

    napari docks a magicgui widget's ``.native``, which is never the scroll area of a
    ``scrollable`` container, so the wrapping is done here: the dock can then be as
    short as the screen allows and the content scrolls.
    """
    scroll = _NarrowScroll()
    scroll.setWidgetResizable(True)
    scroll.setFrameShape(QFrame.Shape.NoFrame)
    scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    child.native.layout().addStretch(1)  # spare height below the content, not between
    container.native.layout().replaceWidget(child.native, scroll)
    scroll.setWidget(child.native)
    child.native.installEventFilter(_WidthFollower(scroll, child.native))
    return scroll


def tabify_with_siblings(widget: Any, suffix: str = "(napari-defocus-deblur)") -> None:
    """Put the dock of ``widget`` in a tab with this plugin's other docks in its area.

    Docked one after the other from the Plugins menu, napari stacks dock widgets and the
    window grows past small screens; as tabs they share the height. No-op when the
    widget is not docked or is alone. The dock's title loses the `` (plugin)`` suffix
    (:func:`short_title`) so that both tab titles fit a narrow dock.
    """
    from qtpy.QtWidgets import QDockWidget, QMainWindow

    dock = getattr(widget, "native", widget)
    if not is_alive(dock):
        return
    while dock is not None and not isinstance(dock, QDockWidget):
        dock = dock.parent()
    if dock is not None:
        short_title(dock, suffix)
    main = dock.parent() if dock is not None else None
    if not isinstance(main, QMainWindow) or dock.isFloating():
        return
    area = main.dockWidgetArea(dock)
    for other in main.findChildren(QDockWidget):
        if other is dock or other.isFloating() or not other.objectName().endswith(suffix):
            continue
        if main.dockWidgetArea(other) == area and not other.isHidden():
            if dock not in main.tabifiedDockWidgets(other):
                main.tabifyDockWidget(other, dock)
                dock.raise_()
            # the tab bar would ask for both titles' width: keep the content's width
            width = max(dock.minimumSizeHint().width(), other.minimumSizeHint().width())
            main.resizeDocks([dock], [width], Qt.Orientation.Horizontal)
            return


def short_title(dock: QWidget, suffix: str) -> None:
    """``"Deblur (napari-defocus-deblur)"`` → ``"Deblur"`` in the dock's tab and title bar
    (napari names docks ``"<widget> (<plugin>)"``; the full name stays the tooltip)."""
    from qtpy.QtWidgets import QLabel

    title = dock.windowTitle()
    if not title.endswith(suffix) or title == suffix:
        return
    short = title[: -len(suffix)].strip()
    dock.setWindowTitle(short)
    bar = dock.titleBarWidget()
    for label in bar.findChildren(QLabel) if bar is not None else []:
        if label.text() == title:
            label.setText(short)
            label.setToolTip(title)


class _CloseFilter(QObject):
    """Calls back when its widget receives a close event (the dock was closed)."""

    def __init__(self, callback: Any, parent: QWidget) -> None:
        super().__init__(parent)
        self._callback = callback

    def eventFilter(self, obj: Any, event: Any) -> bool:  # Qt override
        """Run the callback on Close; never consume the event."""
        if event.type() == QEvent.Type.Close:
            self._callback()
        return False


def on_close(widget: Any, callback: Any) -> None:
    """Call ``callback()`` when ``widget`` (magicgui or Qt) is closed."""
    native = getattr(widget, "native", widget)
    native.installEventFilter(_CloseFilter(callback, native))


def word_wrap(label: Any) -> Any:
    """Let a magicgui Label wrap long text to the dock's width instead of widening it.

    A word-wrapped QLabel still asks for a wide minimum (Qt keeps its lines readable), so
    a long warning would widen the dock; an *ignored* horizontal size hint makes it take
    the width the other widgets give it and grow in height.
    """
    label.native.setWordWrap(True)
    label.native.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
    return label


def row(*widgets: Any) -> Container:
    """Widgets side by side (a horizontal magicgui container without labels)."""
    box = Container(widgets=list(widgets), layout="horizontal", labels=False)
    box.margins = (0, 0, 0, 0)
    return box


def call_soon(owner: QObject, callback: Any) -> None:
    """Run ``callback()`` once the event loop is free, unless ``owner`` is gone by then."""
    timer = QTimer(owner)
    timer.setSingleShot(True)
    timer.timeout.connect(callback)
    timer.timeout.connect(timer.deleteLater)
    timer.start(0)

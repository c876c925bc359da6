"""Qt-level layout helpers for the magicgui dock widgets: scrolling, tabs, narrow combo
boxes, wrapped labels and deferred calls (where magicgui has no option of its own)."""

from __future__ import annotations

from typing import Any

from magicgui.widgets import Container
from qtpy.QtCore import QEvent, QObject, QSize, Qt, QTimer
from qtpy.QtWidgets import QComboBox, QFrame, QScrollArea, QSizePolicy, QWidget


def is_alive(widget: QWidget) -> bool:
    """False once the C++ side of a Qt widget has been deleted."""
    try:
        widget.objectName()
    except RuntimeError:
        return False
    return True


def compact(widget: Any, characters: int = 14) -> None:
    """Keep a combo box narrow (long entries are elided, the full text is in the list)."""
    native = getattr(widget, "native", widget)
    if isinstance(native, QComboBox):
        native.setMinimumContentsLength(characters)
        native.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )


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
    widget is not docked or is alone.
    """
    from qtpy.QtWidgets import QDockWidget, QMainWindow

    dock = getattr(widget, "native", widget)
    if not is_alive(dock):
        return
    while dock is not None and not isinstance(dock, QDockWidget):
        dock = dock.parent()
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

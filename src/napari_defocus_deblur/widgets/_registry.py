"""Models trained or added in this napari session, shared between the dock widgets.

Qt-free: a list of checkpoint directories plus a psygnal signal. The Train widget adds
its result here when training ends and every Deblur widget refreshes its model list.
"""

from __future__ import annotations

import os
from pathlib import Path

from psygnal import Signal

#: Environment variable overriding :func:`user_models_dir`.
MODELS_DIR_ENV = "NAPARI_DEFOCUS_DEBLUR_MODELS"


def user_models_dir() -> Path:
    """Where the Train widget saves models by default and the Deblur widget looks for them.

    ``~/napari-defocus-deblur/models`` unless ``$NAPARI_DEFOCUS_DEBLUR_MODELS`` is set.
    """
    override = os.environ.get(MODELS_DIR_ENV)
    if override:
        return Path(override).expanduser()
    return Path.home() / "napari-defocus-deblur" / "models"


class ModelRegistry:
    """Checkpoint directories known to the widgets besides the bundled zoo.

    Attributes
    ----------
    changed
        Emitted with the tuple of directories whenever one is added or removed.
    """

    changed = Signal(tuple)

    def __init__(self) -> None:
        self._dirs: list[Path] = []

    def add(self, directory: str | Path) -> Path:
        """Register a checkpoint directory (moved to the front if already known)."""
        path = Path(directory).expanduser().resolve()
        if path in self._dirs:
            self._dirs.remove(path)
        self._dirs.insert(0, path)
        self.changed.emit(self.directories())
        return path

    def clear(self) -> None:
        """Forget every directory."""
        if self._dirs:
            self._dirs.clear()
            self.changed.emit(())

    def directories(self) -> tuple[Path, ...]:
        """Known directories, most recently added first."""
        return tuple(self._dirs)


#: The registry of this Python process, shared by all widgets.
registry = ModelRegistry()

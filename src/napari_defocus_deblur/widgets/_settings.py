"""Forms that remember their last values: a magicgui ``Container`` built from a DEFAULTS table.

As in stardist-napari: a widget's settings are the parameters of one function (it
names them and their order; it is never called), every widget's initial value comes
from the widget's ``DEFAULTS`` table, the last-used values are stored at each change
(a small JSON file per form in the user's cache folder,
``$XDG_CACHE_HOME/napari-defocus-deblur/settings`` on Linux) and a *Restore defaults*
button puts the table back. Only the settings are stored: layer boxes and buttons added
to the form later are never written (a napari layer cannot be stored). Only public
magicgui API is used.
"""

from __future__ import annotations

import contextlib
import inspect
import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from magicgui.widgets import Container, create_widget

from napari_defocus_deblur.widgets._layout import compact

APP_NAME = "napari-defocus-deblur"


def settings_dir() -> Path:
    """Where forms store their last values (the platform's user cache folder)."""
    import platformdirs

    return Path(platformdirs.user_cache_dir(APP_NAME)) / "settings"


class SettingsForm(Container):
    """A form of settings that stores its values at each change and reads them back.

    Parameters
    ----------
    name
        The file name the values are stored under.
    params
        ``{setting: magicgui options}`` in display order; each has a ``"value"`` (the
        default) and may have ``"widget_type"`` and ``"label"``.
    """

    def __init__(self, name: str, params: Mapping[str, Mapping[str, Any]]) -> None:
        widgets = []
        for key, spec in params.items():
            options = dict(spec)
            value = options.pop("value")
            label, kind = options.pop("label", None), options.pop("widget_type", None)
            widget = create_widget(value, name=key, label=label, widget_type=kind, options=options)
            widgets.append(widget)
        super().__init__(widgets=widgets)
        self.settings: tuple[str, ...] = tuple(params)
        self.path = settings_dir() / f"{name}.json"
        self.load()
        for key in self.settings:
            self[key].changed.connect(lambda *_: self.save())

    def values(self) -> dict[str, Any]:
        """``{setting: value}`` (layer boxes and buttons added later are not settings)."""
        return {key: self[key].value for key in self.settings}

    def load(self) -> None:
        """Put back the stored values (a value no longer offered keeps the default)."""
        try:
            stored = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return
        for key in self.settings:
            if key in stored:
                with contextlib.suppress(Exception):
                    self[key].value = stored[key]

    def save(self) -> None:
        """Store the values (a read-only cache must not break the widget)."""
        from napari_defocus_deblur.io.atomic import atomic_write_text

        data = {k: str(v) if isinstance(v, Path) else v for k, v in self.values().items()}
        with contextlib.suppress(OSError, TypeError, ValueError):
            text = json.dumps(data)
            if text == getattr(self, "_saved", None):  # layer-list resets re-emit values
                return
            self.path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write_text(self.path, text, overwrite=True)
            self._saved = text


def settings_form(
    function: Callable[..., Any],
    defaults: Mapping[str, Any],
    then: Mapping[str, dict[str, Any]] | None = None,
    **options: dict[str, Any],
) -> SettingsForm:
    """A stored form (no call button) for the parameters of ``function``.

    Parameters
    ----------
    function
        Its parameters are the settings (names and order); it is never called.
    defaults
        The widget's DEFAULTS table (it may hold more keys than ``function`` has
        parameters): the form starts from these until a user changes them.
    then
        Settings shared by several forms, after ``function``'s (names: magicgui options;
        e.g. the microscope's, :mod:`._microscope`).
    **options
        magicgui options per parameter (widget type, label, choices, ranges, tooltip).
    """
    names = [*inspect.signature(function).parameters, *(then or {})]
    options = {**options, **(then or {})}
    missing = (set(names) - set(defaults)) | (set(names) ^ set(options))
    if missing:
        raise ValueError(f"no default or no options for {sorted(missing)}")
    params = {name: {**options[name], "value": defaults[name]} for name in names}
    form = SettingsForm(function.__name__, params)
    for widget in form:
        compact(widget)
    return form


def restore_defaults(form: Container, defaults: Mapping[str, Any]) -> None:
    """Put every setting of ``form`` back to ``defaults`` (and store that)."""
    for widget in form:
        if widget.name in defaults:
            with contextlib.suppress(ValueError):  # a choice that is not offered here
                widget.value = defaults[widget.name]


def form_values(*forms: SettingsForm) -> dict[str, Any]:
    """``{name: value}`` of every setting of ``forms``."""
    return {key: value for form in forms for key, value in form.values().items()}

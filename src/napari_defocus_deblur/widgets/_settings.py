"""Forms that remember their last values: magicgui ``persist=True`` plus a DEFAULTS table.

As in stardist-napari: a widget's settings are the parameters of one function, magicgui
builds the form from its signature, every parameter's initial value comes from the
widget's ``DEFAULTS`` table, ``persist=True`` stores the last-used values (magicgui's
cache folder, ``$XDG_CACHE_HOME/magicgui`` on Linux) and a *Restore defaults* button
puts the table back. Layer choices are never persisted (they are separate widgets).
"""

from __future__ import annotations

import contextlib
import inspect
import pickle
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from magicgui.widgets import FunctionGui

from napari_defocus_deblur.widgets._layout import compact


class SettingsForm(FunctionGui):
    """A magicgui form with ``persist=True`` that stores only its settings.

    Widgets added after construction (layer combo boxes, buttons, labels) share the
    form's label column but are never written to the cache: a napari layer cannot be
    pickled and trying costs as long as serialising its data.
    """

    def __init__(self, function: Callable[..., Any], params: dict[str, dict]) -> None:
        self._settings = tuple(params)
        super().__init__(function, call_button=False, persist=True, param_options=params)

    def _dump(self, path: str | Path | None = None) -> None:
        """Write the settings' values, in magicgui's format (read back by ``_load``)."""
        target = Path(path or self._dump_path)
        data = {}
        for widget in self._list:
            if widget.name in self._settings:
                with contextlib.suppress(Exception):  # an unpicklable value is not kept
                    data[widget.name] = pickle.dumps(widget.value)
        with contextlib.suppress(OSError):  # a read-only cache must not break the widget
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(pickle.dumps(data))


def settings_form(
    function: Callable[..., Any], defaults: Mapping[str, Any], **options: dict[str, Any]
) -> SettingsForm:
    """A persisted magicgui form (no call button) for the parameters of ``function``.

    Parameters
    ----------
    function
        Its parameters are the settings; it is never called.
    defaults
        The widget's DEFAULTS table (it may hold more keys than ``function`` has
        parameters): the form starts from these until a user changes them.
    **options
        magicgui options per parameter (widget type, label, choices, ranges, tooltip).
    """
    names = list(inspect.signature(function).parameters)
    missing = (set(names) - set(defaults)) | (set(names) ^ set(options))
    if missing:
        raise ValueError(f"no default or no options for {sorted(missing)}")
    params = {name: {**options[name], "value": defaults[name]} for name in names}
    form = SettingsForm(function, params)
    for widget in form:
        compact(widget)
    return form


def restore_defaults(form: FunctionGui, defaults: Mapping[str, Any]) -> None:
    """Put every setting of ``form`` back to ``defaults`` (and persist that)."""
    for widget in form:
        if widget.name in defaults:
            with contextlib.suppress(ValueError):  # a choice that is not offered here
                widget.value = defaults[widget.name]


def form_values(*forms: FunctionGui) -> dict[str, Any]:
    """``{name: value}`` of every setting of ``forms``."""
    return {widget.name: widget.value for form in forms for widget in form}

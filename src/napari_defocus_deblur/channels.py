"""Which fluorescence channel an image or a model is for, and the rule that matches them.

Qt-free and torch-free: the Deblur widget, the reader and the ``predict`` command share it.
Channels are BBBC006's indices (:data:`~napari_defocus_deblur.constants.CHANNELS`):
1 = nuclei (Hoechst 33342, file names ``…_w1…``), 2 = actin (phalloidin, ``…_w2…``).

>>> channel_of("a01_s1 w2 phalloidin")
2
>>> check_channel({"channel": 1}, 2)  # doctest: +ELLIPSIS
'the image is channel 2 (phalloidin), but the model was trained on channel 1 (Hoechst...'
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from napari_defocus_deblur.constants import CHANNEL_COLORMAPS, CHANNELS  # noqa: F401 - re-exported

#: Stain words (lower case) that name a channel, besides the stains of ``CHANNELS``.
STAIN_ALIASES = {"hoechst": 1, "dapi": 1, "nuclei": 1, "nucleus": 1, "phalloidin": 2, "actin": 2}
#: Metadata keys that may hold the channel index or the stain.
CHANNEL_KEYS = ("channel", "channel_index", "bbbc006_channel")
STAIN_KEYS = ("stain", "dye", "channel_name")

# "w1" / "_w2" as a BBBC006 token: not inside a word, followed by a non-digit or the end
_W_TOKEN = re.compile(r"(?:^|[^a-z0-9])w(\d)(?![0-9])", re.IGNORECASE)


def stain_of(channel: int | None) -> str | None:
    """The stain of a channel index (``1`` -> ``"Hoechst 33342"``), or None."""
    entry = CHANNELS.get(channel) if channel is not None else None
    return None if entry is None else entry[0]


def channel_label(channel: int | None) -> str:
    """``"channel 2 (phalloidin)"`` for messages; ``"an unknown channel"`` for None."""
    if channel is None:
        return "an unknown channel"
    stain = stain_of(channel)
    return f"channel {channel}" + (f" ({stain})" if stain else "")


def _channel_from_stain(text: str) -> int | None:
    low = text.lower()
    for channel, (stain, _) in CHANNELS.items():
        if stain.lower() in low:
            return channel
    for word, channel in STAIN_ALIASES.items():
        if re.search(rf"(?<![a-z0-9]){word}(?![a-z0-9])", low):  # "_" separates words
            return channel
    return None


def _channel_from_name(name: str) -> int | None:
    """From a layer or file name: a BBBC006 file name, a stain word, a ``w<N>`` token."""
    from napari_defocus_deblur.io.bbbc006 import parse_name

    base = os.path.basename(name.rstrip("/\\")) or name
    parsed = parse_name(base)
    if parsed is not None:
        return parsed.channel
    stain = _channel_from_stain(base)
    if stain is not None:
        return stain
    match = _W_TOKEN.search(base)
    return int(match.group(1)) if match else None


def _as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def _channel_from_mapping(data: Mapping[str, Any]) -> int | None:
    for key in CHANNEL_KEYS:
        value = _as_int(data.get(key))
        if value is not None:
            return value
    for key in STAIN_KEYS:
        value = data.get(key)
        if isinstance(value, str) and (channel := _channel_from_stain(value)) is not None:
            return channel
    nested = data.get("napari_defocus_deblur")
    return _channel_from_mapping(nested) if isinstance(nested, Mapping) else None


def channel_of(source: Any) -> int | None:
    """The channel an image is of, or None when nothing says.

    Parameters
    ----------
    source
        Image metadata (a mapping with ``channel`` or ``stain``, as written by this
        plugin's reader and sample data), a layer or file name / path (``w2``, a stain
        word such as ``phalloidin``), or an object with ``.metadata`` and ``.name`` (a
        napari layer). Metadata wins over the name.
    """
    if source is None:
        return None
    if isinstance(source, Mapping):
        return _channel_from_mapping(source)
    if isinstance(source, str | os.PathLike):
        return _channel_from_name(os.fspath(source))
    metadata = getattr(source, "metadata", None)
    if isinstance(metadata, Mapping) and (found := _channel_from_mapping(metadata)) is not None:
        return found
    name = getattr(source, "name", None)
    return _channel_from_name(name) if isinstance(name, str) else None


def _read_info(source: Any) -> Mapping[str, Any]:
    """A checkpoint's ``config.json`` from a mapping, a folder or an object with ``.path``."""
    if isinstance(source, Mapping):
        return source
    info = getattr(source, "checkpoint_info", None)  # a loaded model
    if isinstance(info, Mapping):
        return info
    path = getattr(source, "path", source)
    if isinstance(path, str | os.PathLike):
        try:
            data = json.loads((Path(path) / "config.json").read_text())
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, Mapping) else {}
    return {}


def model_channel(model: Any) -> int | None:
    """The channel a model was trained on, from its ``config.json`` (None: not recorded).

    ``model`` is the checkpoint's info mapping, its folder, a catalogue entry with a
    ``path`` or a loaded model (``checkpoint_info``). ``"channel"`` wins; else
    ``"stain"``; else the channel of its training data record.
    """
    info = _read_info(model)
    found = _channel_from_mapping(info)
    if found is not None:
        return found
    data = (info.get("training") or {}).get("data") if isinstance(info, Mapping) else None
    return _channel_from_mapping(data) if isinstance(data, Mapping) else None


def check_channel(
    model: Any, channel: int | None, *, image: str = "", model_name: str = ""
) -> str | None:
    """A warning when a model meets an image of another channel, else None.

    Parameters
    ----------
    model
        Anything :func:`model_channel` reads.
    channel
        The image's channel (:func:`channel_of`); None (unknown) never warns.
    image, model_name
        Names to quote in the message (optional).

    Returns
    -------
    str or None
        One sentence saying which channel each is for and what to do; None when they
        match or either is unknown.
    """
    trained = model_channel(model)
    if channel is None or trained is None or trained == channel:
        return None
    what = f"'{image}' is" if image else "the image is"
    who = f"'{model_name}'" if model_name else "the model"
    return (
        f"{what} {channel_label(channel)}, but {who} was trained on {channel_label(trained)}; "
        f"its output is unreliable on this stain: use a model trained on channel {channel} "
        "or fine-tune one"
    )


def matching_models(models: list[Any], channel: int | None) -> list[Any]:
    """The models (anything :func:`model_channel` reads) trained on ``channel``, in order.

    Models that do not record a channel are left out; for an unknown ``channel`` every
    model is returned.
    """
    if channel is None:
        return list(models)
    return [m for m in models if model_channel(m) == channel]

"""The catalogue's one rule for choosing a model: :func:`rank` and :func:`choose`.

Kept beside :mod:`~napari_defocus_deblur.inference.catalogue`, whose
:func:`~napari_defocus_deblur.inference.catalogue.choose_model` is the one public entry
point, so that the rule reads on one screen; it needs only the entries' recorded
distances, method, channel and number of scales.
"""

from __future__ import annotations

from collections.abc import Sequence

from napari_defocus_deblur.inference.entry import ModelEntry
from napari_defocus_deblur.zoo import names


def rank(
    entries: Sequence[ModelEntry],
    depth_um: float,
    method: str | None = None,
    channel: int | None = None,
    *,
    exact: bool = False,
) -> list[ModelEntry]:
    """The models fit for ``depth_um``, best first, by the catalogue's one rule.

    Parameters
    ----------
    entries
        Candidates (e.g. :func:`available_models`).
    depth_um
        Distance from focus (micrometres).
    method, channel
        Keep only this method / models of this channel or of none recorded (None: any).
    exact
        Keep only models trained at exactly ``depth_um`` (evaluation tables).
    """
    fit = [
        e
        for e in entries
        if e.depths_um
        and (method is None or e.method == method)
        and (channel is None or e.channel in (None, channel))
        and (not exact or any(abs(d - depth_um) < 1e-6 for d in e.depths_um))
    ]

    def key(e: ModelEntry) -> tuple:
        scales = e.config.scales if e.config is not None else 0
        gap = names.depth_gap(e.depths_um, depth_um)
        return (gap, -scales, len(e.depths_um) == 1, -max(e.depths_um), e.name)

    return sorted(fit, key=key)


def choose(
    entries: Sequence[ModelEntry],
    depth_um: float,
    method: str | None = None,
    channel: int | None = None,
) -> ModelEntry | None:
    """The one model to use for ``depth_um``, ``method`` and ``channel``, or None.

    Bundled models before user checkpoints, then models of ``method`` before others,
    then models of ``channel`` (or of none recorded) before models of another channel;
    within the first non-empty group :func:`rank` orders. Models without a recorded
    distance come last. With the bundled zoo and a bundled method this is
    ``choose_model(..., strict=True)``'s choice.
    """
    pools = ([e for e in entries if e.bundled], list(entries))
    for wanted_channel in dict.fromkeys((channel, None)):
        for pool in pools:
            for wanted_method in dict.fromkeys((method, None)):
                ranked = rank(pool, depth_um, wanted_method, wanted_channel)
                if ranked:
                    return ranked[0]
    return next(iter(pools[0] or pools[1]), None)

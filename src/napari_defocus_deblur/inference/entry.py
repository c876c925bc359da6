"""``ModelEntry``: one model of the catalogue, described from its ``config.json``.

A leaf of :mod:`napari_defocus_deblur.inference` (it imports no other inference module),
so the catalogue, the choosing rule and the run plan all read the same descriptor.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from napari_defocus_deblur.model.config import ModelConfig
from napari_defocus_deblur.zoo import names


@dataclass(frozen=True)
class ModelEntry:
    """A model of the catalogue: what its ``config.json`` says, without loading it.

    Attributes
    ----------
    name
        Bundled: the folder name; user checkpoints: the saved ``name``, else the folder.
    path
        The checkpoint directory.
    depth_um, depths_um
        The one distance from focus (µm) the model was trained for, if one is recorded;
        every distance it was trained on.
    fusion, method, label
        ``"sum"``/``"concat"`` (None without fusion); ``"sum"``, ``"concat"``, ``"unet"``
        or ``"nah"``; the architecture in words (``"head-to-tail K=4 sum"``).
    bundled
        Shipped with the package (``True``) or a user checkpoint.
    parameters
        Number of weights in ``model.safetensors`` (read from its header).
    channel
        The image channel the model was trained on (None: not recorded).
    config, info
        The network's configuration; the whole ``config.json``.
    """

    name: str
    path: Path
    depth_um: float | None
    fusion: str | None
    bundled: bool
    label: str = ""
    parameters: int | None = None
    depths_um: tuple[float, ...] = ()
    method: str = ""
    channel: int | None = None
    config: ModelConfig | None = field(default=None, compare=False, repr=False)
    info: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def served_depths(self) -> tuple[float, ...]:
        """The distances (µm) the model serves (:func:`.names.served_depths`; an entry
        described without its ``config.json``: ``depths_um``)."""
        return names.served_depths(self.info) or self.depths_um

    @property
    def aliases(self) -> tuple[str, ...]:
        """Per-distance names of a bundled model trained on pooled distances, e.g.
        ``bbbc006-34um-sum`` for ``bbbc006-sum``."""
        if not self.bundled or len(self.depths_um) < 2:
            return ()
        return tuple(names.alias(d, self.method) for d in self.depths_um)

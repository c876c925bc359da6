"""Where a run's training data comes from: a data folder or a simulator prior."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from napari_defocus_deblur.errors import UserInputError
from napari_defocus_deblur.normalization import PercentileNormalization
from napari_defocus_deblur.training.config import TrainConfig
from napari_defocus_deblur.training.data import TrainingData

#: The config fields a simulated training set is made from (one set per distinct values).
PRIOR_DATA_FIELDS = (
    "prior",
    "prior_fields",
    "prior_depths_um",
    "depth_sampling",
    "nominal_optics_share",
    "sparse_smooth_share",
    "bright_bodies_share",
    "content_dir",
    "split_seed",
)


def training_data_for(
    config: TrainConfig,
    data: str | os.PathLike | None,
    *,
    normalization: PercentileNormalization | None = None,
    on_event: Callable[[Any], Any] | None = None,
    **folder_options: Any,
) -> TrainingData:
    """The :class:`TrainingData` of a run.

    Parameters
    ----------
    config
        With ``config.prior`` set, fields are simulated from that preset
        (:func:`~napari_defocus_deblur.training.prior_data.iter_prior_training_data`,
        seeded by ``config.split_seed``); otherwise ``data`` is read.
    data
        BBBC006 root or folder of z-stacks (ignored with a prior).
    normalization
        The percentile normalisation (the initial model's, to keep its units).
    on_event
        Receives progress events while a prior is simulated.
    **folder_options
        Passed to :meth:`TrainingData.from_dataset` (``channel``, ``test_fraction``,
        ``in_focus_index``, ``z_step_um``).
    """
    from napari_defocus_deblur.progress import drive

    if config.prior is not None:
        from napari_defocus_deblur.training.prior_data import iter_prior_training_data

        job = iter_prior_training_data(
            config.prior_fields,
            prior=config.prior,
            depths_um=config.prior_depths_um,
            depth_sampling=config.depth_sampling,
            nominal_optics_share=config.nominal_optics_share,
            sparse_smooth_share=config.sparse_smooth_share,
            bright_bodies_share=config.bright_bodies_share,
            seed=config.split_seed,
            content_dir=config.content_dir,
            normalization=normalization,
        )
        return drive(job, on_event)
    if data is None:
        raise UserInputError("give a DATA folder, or --prior PRESET to train on simulated fields")
    depth = config.depths_um or config.depth_um
    if depth is None:
        raise UserInputError("give the defocus distance to train for with --depth (in um)")
    return TrainingData.from_dataset(
        data,
        depth,
        val_fraction=config.val_fraction,
        seed=config.split_seed,
        normalization=normalization,
        pixel_size_um=config.pixel_size_um,
        regrid=config.regrid,
        **folder_options,
    )

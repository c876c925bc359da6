"""Options of ``defocus-deblur train`` (the :class:`TrainConfig` they build:
:mod:`._train_config`)."""

from __future__ import annotations

import argparse

from napari_defocus_deblur.cli._types import positive_float, seed


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Add every option of the ``train`` sub-command to ``p`` (in help order)."""
    from napari_defocus_deblur.cli._planes import add_plane_arguments

    _add_input_arguments(p)
    _add_network_arguments(p)
    _add_length_arguments(p)
    _add_optimisation_arguments(p)
    _add_run_arguments(p)
    add_plane_arguments(p)
    _add_stack_arguments(p)


def _add_input_arguments(p: argparse.ArgumentParser) -> None:
    """What to train on (data folder or simulator prior, distances) and where to write."""
    p.add_argument(
        "data",
        metavar="DATA",
        nargs="?",
        default=None,
        help="BBBC006 root or folder of z-stack TIFFs (not needed with --prior)",
    )
    p.add_argument(
        "--prior",
        default=None,
        metavar="PRESET",
        help="train on fields simulated from a simulator preset (wide, nominal) instead",
    )
    _add_prior_arguments(p)
    p.add_argument(
        "--condition",
        choices=("none", "depth"),
        default=None,
        help="'depth': a depth-conditioned network (default: the --init model's)",
    )
    p.add_argument("--content-dir", default=None, help="real in-focus images used as content")
    p.add_argument(
        "--depth",
        type=float,
        nargs="+",
        default=None,
        help="defocus distance in um (e.g. 34); several (e.g. 10 16 22 28 34) train one "
        "model for all of them",
    )
    p.add_argument(
        "-o", "--output", required=True, metavar="MODEL_DIR", help="checkpoint directory to write"
    )
    p.add_argument("--channel", type=int, default=1, help="BBBC006 channel (default 1, nuclei)")


def _add_prior_arguments(p: argparse.ArgumentParser) -> None:
    """How the simulated training fields of --prior are drawn."""
    p.add_argument("--prior-fields", type=int, default=None, help="simulated fields (256)")
    p.add_argument(
        "--depth-sampling",
        choices=("uniform", "stratified"),
        default=None,
        help="distances of simulated fields: drawn independently (uniform, default) or one "
        "per stratum of the range (stratified: no holes)",
    )
    p.add_argument(
        "--depth-jitter",
        type=float,
        default=None,
        help="relative spread of the distance a depth-conditioned network is told while it "
        "trains (0-0.5; default 0: the true distance)",
    )
    p.add_argument(
        "--nominal-optics-share",
        type=float,
        default=None,
        help="share of simulated fields imaged with the nominal (calibrated BBBC006) optics, "
        "camera and content still from --prior (0-1; default 0)",
    )
    p.add_argument(
        "--sparse-smooth-share",
        type=float,
        default=None,
        help="share of simulated fields with few, smooth nuclei, optics and camera still "
        "from --prior (0-1; default 0)",
    )
    p.add_argument(
        "--bright-bodies-share",
        type=float,
        default=None,
        help="share of simulated fields with 8-20 very bright compact (mitotic) bodies, "
        "the rest still from --prior (0-1; default 0)",
    )


def _add_network_arguments(p: argparse.ArgumentParser) -> None:
    """The network built from scratch (or checked against the --init model)."""
    p.add_argument(
        "--fusion",
        choices=("sum", "concat"),
        default=None,
        help="head-to-tail fusion (default: sum, or the --init model's)",
    )
    p.add_argument(
        "--scales",
        type=int,
        default=None,
        help="number of scales K (default: 4, or the --init model's; 1 = U-Net)",
    )
    p.add_argument(
        "--architecture",
        choices=("head_to_tail", "nah"),
        default=None,
        help="network family when training from scratch (default head_to_tail)",
    )
    p.add_argument("--base-channels", type=int, default=None, help=argparse.SUPPRESS)
    p.add_argument("--levels", type=int, default=None, help=argparse.SUPPRESS)


def _add_length_arguments(p: argparse.ArgumentParser) -> None:
    """How long the run lasts and how often it validates."""
    length = p.add_mutually_exclusive_group()
    length.add_argument("--steps", type=int, default=None, help="optimisation steps")
    length.add_argument(
        "--epochs",
        type=int,
        default=None,
        help="epochs (one epoch's crops cover the training pixels once)",
    )
    p.add_argument("--max-minutes", type=positive_float, default=None, help="wall-time budget")
    p.add_argument("--epoch-steps", type=int, default=None, help="steps per epoch (validation)")


def _add_optimisation_arguments(p: argparse.ArgumentParser) -> None:
    """Crops, batches, learning rate and the field split."""
    p.add_argument("--crop", type=int, default=None, help="crop side (default 128)")
    p.add_argument("--batch", type=int, default=None, help="batch size (default CPU 2, GPU 8)")
    p.add_argument("--lr", type=float, default=None, help="Adam learning rate (default 1e-3)")
    p.add_argument("--warmup", type=int, default=None, help="warm-up steps (default 50)")
    p.add_argument(
        "--harm-weight",
        type=float,
        default=None,
        help="extra weight on crops restored worse than their input (default 0)",
    )
    p.add_argument(
        "--harm-above-focus",
        type=float,
        default=None,
        help="times that weight counts on fields imaged above focus (1-20; default 1)",
    )
    p.add_argument("--val-fraction", type=float, default=None, help="validation share (0.1)")
    p.add_argument(
        "--test-fraction",
        type=float,
        default=0.1,
        help="share of fields held out for evaluation, never trained on (0.1)",
    )
    p.add_argument("--split-seed", type=seed, default=None, help="seed of the field split (0)")


def _add_run_arguments(p: argparse.ArgumentParser) -> None:
    """Starting model, device, seed, early stopping, config file, resuming."""
    p.add_argument(
        "--init",
        default=None,
        help="'scratch' (default), a bundled model name or a checkpoint directory",
    )
    p.add_argument("--device", default=None, help="auto (default), cpu, cuda, cuda:N")
    p.add_argument("--seed", type=seed, default=None, help="seed of init and sampling (0)")
    p.add_argument(
        "--patience",
        type=int,
        default=None,
        help="early stopping after N epochs without better val PSNR (10)",
    )
    p.add_argument(
        "--keep",
        choices=("best", "last"),
        default=None,
        help="save the best-validating epoch's weights, the starting model included "
        "(best, default), or the last step's (last)",
    )
    p.add_argument(
        "--no-amp", action="store_true", help="no bfloat16 autocast (CUDA, CPUs with bf16 units)"
    )
    p.add_argument(
        "--config",
        default=None,
        metavar="JSON",
        help="training config file (e.g. configs/*.json); options given here win",
    )
    p.add_argument("--resume", action="store_true", help="continue the run in MODEL_DIR")
    p.add_argument("--overwrite", action="store_true", help="replace a run in MODEL_DIR")


def _add_stack_arguments(p: argparse.ArgumentParser) -> None:
    """Options of folders of z-stack TIFFs."""
    p.add_argument(
        "--in-focus-index",
        type=int,
        default=None,
        help="z-stack folders: in-focus plane (default: sharpest plane per stack)",
    )
    p.add_argument("--z-step", type=float, default=2.0, help="z-stack folders: plane step, um")
    p.add_argument(
        "--pixel-size",
        type=positive_float,
        default=None,
        metavar="UM",
        help="pixel size of the training images, um (default: as the z-stack files record "
        "it when finer than BBBC006's 0.645, else 0.645); other sizes are brought onto "
        "BBBC006's grid (finer: binned), and images of that microscope alike when the "
        "model runs",
    )
    p.add_argument(
        "--own-pixels",
        action="store_true",
        help="train on the images' own pixels instead of binning them onto BBBC006's grid",
    )

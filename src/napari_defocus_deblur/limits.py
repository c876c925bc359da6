"""The one table of limits: distances from focus, tiles, crops and channels.

Every check reads its bound here (a leaf module: it imports nothing of ours), so a limit
changes in one place and ``grep -n "_UM\\|_PX\\|CHANNELS" limits.py`` lists them all.
Inclusive ``(low, high)`` pairs.
"""

from __future__ import annotations

#: Any distance from focus (µm) a user, a file or a checkpoint may give: ``deblur``,
#: ``predict --depth``, the run plan, ``config.json`` (``depth_um``, ``depths_um``) and
#: the training distance. Beyond BBBC006's 34 µm the models extrapolate; the bound only
#: refuses absurd values.
DEPTH_UM = (0.0, 10_000.0)
#: Distances (µm) a training run simulates (``TrainConfig.prior_depths_um``) and the
#: Train widget's distance box offers: the simulator's optics are meaningful there.
TRAIN_DEPTH_UM = (0.0, 200.0)
#: Range of the Deblur widget's distance slider (µm): BBBC006's +-34 µm with room.
SLIDER_DEPTH_UM = (0.0, 60.0)
#: Side (pixels) of inference tiles and training crops: at least the networks' smallest
#: input (``model.network.MIN_SIZE``).
MIN_SIDE_PX = 16
#: Training crop side (pixels), and the Train widget's box.
CROP_PX = (MIN_SIDE_PX, 1024)
#: Pixel size (µm, in the sample) a user or a file may state: the microscope options of
#: ``predict`` and the docks (``simulate.microscope.BOUNDS``) and the training data's
#: (``TrainConfig.pixel_size_um``, ``train --pixel-size``).
PIXEL_SIZE_UM = (0.05, 5.0)
#: Input and output channels of a network (``config.json``'s ``model`` section).
CHANNELS = (1, 64)

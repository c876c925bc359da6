"""napari dock widgets: thin wiring of the Qt-free core (inference, training, io)."""

from napari_defocus_deblur.widgets.deblur import DeblurWidget
from napari_defocus_deblur.widgets.train import TrainWidget

__all__ = ["DeblurWidget", "TrainWidget"]

"""BBBC006-like simulation: content, widefield defocus PSF, camera noise, data sets and
the napari sample field.

Submodules are imported on demand (``from napari_defocus_deblur.simulate.dataset import
write_dataset``).
"""

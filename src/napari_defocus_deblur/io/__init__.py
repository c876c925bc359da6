"""Reading and writing data: BBBC006 layout, TIFFs, (out-of-focus, in-focus) pairs,
the napari reader and the BBBC006 downloader.

Submodules are imported on demand (``from napari_defocus_deblur.io.pairs import
find_pairs``) so that napari's start-up does not pay for them.
"""

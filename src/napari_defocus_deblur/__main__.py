"""``python -m napari_defocus_deblur`` runs the ``defocus-deblur`` command line."""

import sys

from napari_defocus_deblur.cli import main

if __name__ == "__main__":
    sys.exit(main())

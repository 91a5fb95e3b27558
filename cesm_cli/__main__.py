"""``python -m cesm_cli`` runs the ``cesm-reader`` command line."""

import sys

from cesm_cli.main import main

sys.exit(main())

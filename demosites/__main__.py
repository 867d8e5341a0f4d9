"""Entry point for ``python -m demosites``."""

import sys

from demosites.cli import main

sys.exit(main())

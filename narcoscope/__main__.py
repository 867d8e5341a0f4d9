import sys

from narcoscope.cli import main

sys.exit(main())

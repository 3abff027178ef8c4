"""``python -m reports``: see ``reports/cli.py``."""

import sys

from .cli import main

sys.exit(main())

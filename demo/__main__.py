"""``python -m demo``: generate the demo city and load it (see ``demo/cli.py``)."""

import sys

from .cli import main

sys.exit(main())

"""``python -m chorusflow.cli``: the ``chorusflow`` console script."""

import sys

from chorusflow.cli import main

sys.exit(main())

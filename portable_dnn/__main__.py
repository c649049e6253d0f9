"""``python -m portable_dnn``: the ``portable-dnn`` command line."""

import sys

from .cli import main

sys.exit(main())

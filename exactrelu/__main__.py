"""``python -m exactrelu`` is the ``exactrelu`` command."""

import sys

from .cli import main

sys.exit(main())

"""``python -m exactrelu`` is the ``exactrelu`` command."""

import sys

try:
    from .cli import command  # a fifth of a second of imports: Ctrl-C may land there too
except KeyboardInterrupt:
    sys.exit(130)

command()

"""``python -m exactrelu_checker CERT.json [--network FILE]``."""

import sys

from .check import main

sys.exit(main())

"""``python -m ufldl_sae``: the same command line as ``ufldl-sae``."""

import sys

from .cli import main

sys.exit(main())

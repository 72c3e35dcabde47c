"""``python -m analysis score …`` / ``python -m analysis plan …``: see ``analysis.cli``."""

import os
import sys

from analysis.cli import main

try:
    status = main()
    sys.stdout.flush()
except BrokenPipeError:  # e.g. `python -m analysis score … | head`: stop quietly
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    status = 1
raise SystemExit(status)

"""Run the typography report from the command line (see booklet/typocheck/cli.py)."""

import sys

from booklet.typocheck.cli import main

sys.exit(main())

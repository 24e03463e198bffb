#!/usr/bin/env python3
"""The command: python build.py [options], the same as the booklet command (booklet/cli.py)."""

import sys

from booklet.cli import entry, main  # noqa: F401  (main: the command in this process)

if __name__ == "__main__":
    sys.exit(entry())

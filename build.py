#!/usr/bin/env python3
"""The command: python build.py [options], the same as the booklet command (booklet/cli.py)."""

import sys

from booklet.cli import main

if __name__ == "__main__":
    sys.exit(main())

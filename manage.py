#!/usr/bin/env python
"""Tessera's one command-line entry point: `up`, `seed`, and every Django command."""

import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tessera.ops.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)

#!/usr/bin/env python
"""Tessera's one command-line entry point: `up`, `seed`, `registry`, and every Django command.

The registry's own commands (`registry export|apply`, `seed`) run with the registry's
settings, against its database; the rest with the operator tooling's, unless
DJANGO_SETTINGS_MODULE says otherwise (each service's preparation sets it)."""

import os
import sys

#: Commands of the registry service, run with its settings by default.
REGISTRY_COMMANDS = ("registry", "seed")

if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    default = "registry.settings" if command in REGISTRY_COMMANDS else "tessera.ops.settings"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", default)
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)

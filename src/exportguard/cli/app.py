"""The ``exportguard`` command: one Typer app; each command group lives in its own module."""

from __future__ import annotations

import importlib

import typer

app = typer.Typer(
    name="exportguard",
    help="US export-control compliance: screen parties against the restricted-party lists, "
    "decide whether an export needs a license as of any date, and track licenses.",
    no_args_is_help=True,
    rich_markup_mode="rich",
)

# Each module registers its commands on ``app`` when imported.
COMMAND_MODULES = (
    "exportguard.cli.screen",
    "exportguard.cli.check",
    "exportguard.cli.server",
    "exportguard.cli.monitor",
    "exportguard.cli.tariff",
)


def load_commands() -> typer.Typer:
    """Import every command module so its commands are registered, and return the app."""
    for module in COMMAND_MODULES:
        importlib.import_module(module)
    return app


def main() -> None:
    """Entry point of the console script."""
    load_commands()()

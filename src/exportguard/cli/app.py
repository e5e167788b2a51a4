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
COMMAND_MODULES = ("exportguard.cli.screen",)


def main() -> None:
    """Entry point of the console script."""
    for module in COMMAND_MODULES:
        importlib.import_module(module)
    app()

"""Command-line adapter (Typer) over the core."""

"""``python -m exportguard`` runs the CLI."""

from exportguard.cli.app import main

main()

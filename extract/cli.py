"""Subcommands of this stage (not yet written)."""


def register(sub, parent) -> None:
    """Add this stage's subcommands to `moa`."""

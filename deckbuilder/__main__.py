"""`python -m deckbuilder` runs the command line."""

from deckbuilder.cli import run

run()

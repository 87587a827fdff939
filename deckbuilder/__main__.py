"""`python -m deckbuilder` runs the command line."""

from deckbuilder.cli import main

main()

"""The command line: a thin click shell over the Python API.

Each command parses its options, calls one API function and prints the result.
Errors are `DeckError`s (click exceptions), so there is no try/except here.
"""

from __future__ import annotations

import click

from deckbuilder import __version__


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="deckbuilder")
def main() -> None:
    """Turn an Obsidian notes archive of screenshots into talk decks.

    \b
    Typical session:
      deckbuilder entries ~/notes --tag llm        # what is in the vault?
      deckbuilder new talk.yaml --vault ~/notes    # a starter talk spec
      deckbuilder check talk.yaml                  # validate it
      deckbuilder build talk.yaml                  # write the decks
    """

"""Renderers: each draws a planned Deck in one output format."""

"""Composing pages: parts laid out one by one and joined, contents numbered, fillers placed."""

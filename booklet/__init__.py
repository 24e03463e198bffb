"""Chinese booklets from structured YAML: content, typeset, engine, compose, press, preflight, editor."""

__version__ = "0.1.0"

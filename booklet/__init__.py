"""Chinese booklets from structured YAML: load, validate, render, typeset, paginate, finish."""

__version__ = "0.1.0"

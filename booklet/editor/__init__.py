"""The editor's loop: rebuild on save, the preview page, page images."""

"""The engine's only way to files: file: and data: URLs under the allowed folders."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from urllib.parse import unquote, urlparse

from weasyprint.urls import URLFetcher


class RefusedURL(ValueError):
    pass


class FolderFetcher(URLFetcher):
    """Fetches file: and data: URLs under the allowed folders; refuses everything else and
    remembers what it refused (the pipeline reports each one)."""

    def __init__(self, allowed: Sequence[Path]):
        super().__init__(allowed_protocols={"file", "data"}, allow_redirects=False)
        self.allowed = [folder.resolve() for folder in allowed]
        self.refused: list[str] = []

    def fetch(self, url: str, headers=None):
        if url.startswith("data:"):
            return super().fetch(url, headers)
        parsed = urlparse(url)
        if parsed.scheme != "file" or parsed.netloc not in ("", "localhost"):
            self.refused.append(url)
            raise RefusedURL(f"refused {url}: only files of the book, styles and fonts are read")
        path = Path(unquote(parsed.path)).resolve()  # resolves symlinks too
        if not any(path.is_relative_to(folder) for folder in self.allowed):
            self.refused.append(url)
            raise RefusedURL(f"refused {url}: outside the book, styles and fonts folders")
        return super().fetch(url, headers)

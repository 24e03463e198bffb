"""The preflight's result: its problems, what it measured, and the short summary a build prints."""

from __future__ import annotations

from dataclasses import dataclass

from booklet.problems import Problem


@dataclass(frozen=True)
class Preflight:
    problems: tuple[Problem, ...]  # errors and warnings, editor terms, codes "preflight.*"
    facts: dict  # JSON-ready: what was measured

    def with_file(self, other: Preflight) -> Preflight:
        """These page checks with another's file checks (``check_file``) beside them."""
        ms = self.facts.get("ms", 0) + other.facts.get("ms", 0)
        facts = {**self.facts, "file": other.facts["file"], "ms": ms}
        return Preflight(self.problems + other.problems, facts)

    def summary(self) -> str:
        """Short lines for the terminal: the pages, and the file when it was checked."""
        lines = [self._pages_summary()] if "pages" in self.facts else []
        if "file" in self.facts:
            lines.append(self._file_summary())
        errors = sum(p.severity == "error" for p in self.problems)
        warnings = len(self.problems) - errors
        ms = self.facts.get("ms", 0)
        lines.append(
            f"  {errors} error{'' if errors == 1 else 's'}, "
            f"{warnings} warning{'' if warnings == 1 else 's'}; checked in {ms:.0f} ms"
        )
        return "\n".join(lines)

    def _file_summary(self) -> str:
        f = self.facts["file"]
        sheets = f.get("sheets", [])
        parts = []
        if sheets:
            w, h = f.get("sheet_mm", [0, 0])
            parts.append(
                f"{len(sheets)} sheet sides ({len(sheets) // 2} sheets of {w:g}×{h:g} mm, "
                "each side labelled with its pages)"
            )
        parts += self._press_parts(f)
        version = f["version"]
        parts.append(f"PDF {version['header']} {'✓' if version['ok'] else '✗'}")
        line = f"preflight ({self.facts['profile']}, file): " + ", ".join(parts)
        if self.facts["profile"] == "desktop":
            from booklet.press.desktop import PRINTER_SETTINGS

            line += f"\n  to print: {PRINTER_SETTINGS}"
        return line

    @staticmethod
    def _press_parts(f: dict) -> list[str]:
        parts = []
        if "pdfx" in f:
            x = f["pdfx"]
            total = len(x["requirements"])
            parts.append(f"{x['version']} {x['met']}/{total} {'✓' if x['met'] == total else '✗'}")
        if "colour" in f:
            spaces = ", ".join(f["colour"]["spaces"])
            mark = "✗" if f["colour"]["survivors"] else "✓"
            parts.append(f"colour {spaces} {mark}")
        if f.get("ink", {}).get("max") is not None:
            ink = f["ink"]
            mark = "✓" if ink["max"] <= ink["limit"] else "✗"
            parts.append(
                f"ink max {ink['max']:g} % on page {ink['page']} (limit {ink['limit']:g} %) {mark}"
            )
        return parts

    def _pages_summary(self) -> str:
        f = self.facts
        pages = f["pages"]
        fonts = f["fonts"]
        good_fonts = sum(1 for x in fonts if x["embedded"] and x["subset"] and x["from_fonts"])
        fonts_text = (
            f"{len(fonts)} fonts embedded+subset"
            if good_fonts == len(fonts)
            else f"{good_fonts}/{len(fonts)} fonts embedded+subset from fonts/"
        )
        images = f["images"]
        images_text = f"{len(images)} image{'' if len(images) == 1 else 's'}"
        ppis = [i["ppi"] for i in images if i["ppi"] is not None]
        if ppis:
            images_text += f" (min {min(ppis):.0f} ppi)"
        text = f["text"]
        toc = f["toc"]
        toc_ok = sum(1 for e in toc["entries"] if e["ok"])
        mark = "✓" if pages["boxes_ok"] else "✗"
        if pages.get("bleed_mm") and "trim_mm" in pages:
            width, height = pages["trim_mm"]
            boxes = f"{width:g}×{height:g} mm + {pages['bleed_mm']:g} mm bleed {mark}"
        else:
            boxes = f"boxes {mark}"
        parts = [
            f"{pages['count']} pages (×4 {'✓' if pages['multiple_of_4'] else '✗'}, {boxes})",
            fonts_text,
            images_text,
            f"{len(f['placeholders'])} placeholder{'' if len(f['placeholders']) == 1 else 's'}",
            f"{len(f['overflow'])} overflow",
        ]
        if f["empty_pages"]:
            parts.append(f"{len(f['empty_pages'])} empty")
        parts += [
            f"text {text['paragraphs_found']}/{text['paragraphs']} paragraphs",
            f"TOC {toc_ok}/{len(toc['entries'])} {'✓' if toc['ok'] else '✗'}",
        ]
        line = f"preflight ({f['profile']}): " + ", ".join(parts)
        press = self._press_parts(f)
        return line + (f"\n  press: {', '.join(press)}" if press else "")

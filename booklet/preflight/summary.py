"""The preflight's result: its problems, what it measured, and the short summary a build prints."""

from __future__ import annotations

from dataclasses import dataclass

from booklet.problems import Problem


@dataclass(frozen=True)
class Preflight:
    problems: tuple[Problem, ...]  # errors and warnings, editor terms, codes "preflight.*"
    facts: dict  # JSON-ready: what was measured

    def summary(self) -> str:
        """One or two short lines for the terminal."""
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
        errors = sum(p.severity == "error" for p in self.problems)
        warnings = len(self.problems) - errors
        second = (
            f"  {errors} error{'' if errors == 1 else 's'}, "
            f"{warnings} warning{'' if warnings == 1 else 's'}; checked in {f['ms']:.0f} ms"
        )
        return f"{line}\n{second}"

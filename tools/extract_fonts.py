"""Copy the faces the styles use from Debian's font packages into fonts/.

Noto CJK ships as TrueType collections whose first face is the Japanese one; the
booklet needs the Simplified Chinese faces (SC glyph forms for punctuation), so each
SC face is saved on its own. Run once when fonts change; the files are committed and
fonts/README.md records their origin and checksums.
"""

import hashlib
import shutil
import sys
from pathlib import Path

from fontTools.ttLib import TTCollection

NOTO = Path("/usr/share/fonts/opentype/noto")
WENKAI = Path("/usr/share/fonts/truetype/lxgw-wenkai")
FACES = [
    (NOTO / "NotoSerifCJK-Regular.ttc", "NotoSerifCJKsc-Regular"),
    (NOTO / "NotoSerifCJK-Bold.ttc", "NotoSerifCJKsc-Bold"),
    (NOTO / "NotoSansCJK-Regular.ttc", "NotoSansCJKsc-Regular"),
    (NOTO / "NotoSansCJK-Bold.ttc", "NotoSansCJKsc-Bold"),
]
COPIES = [WENKAI / "LXGWWenKai-Regular.ttf"]


def main(out: Path) -> None:
    out.mkdir(exist_ok=True)
    for collection, postscript_name in FACES:
        for face in TTCollection(str(collection)).fonts:
            if face["name"].getDebugName(6) == postscript_name:
                face.save(str(out / f"{postscript_name}.otf"))
                break
        else:
            sys.exit(f"{postscript_name} not found in {collection}")
    for path in COPIES:
        shutil.copyfile(path, out / path.name)
    for path in sorted(out.glob("*.[ot]tf")):
        print(path.name, hashlib.sha256(path.read_bytes()).hexdigest())


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("fonts"))

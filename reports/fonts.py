"""The font embedded in PDF reports: Noto Sans SC (Chinese and Latin), from the copy vendored for the screens.

A PDF that only names a CJK font (STSong-Light) shows blank boxes wherever the viewer lacks
that font (PDFium in Chromium on Linux, most printers' RIPs). So the report embeds its
glyphs. The vendored web font is split into ~100 WOFF2 slices by Unicode range; fontTools
joins one weight's slices into a single TrueType file once per machine (about 6 s), kept
in the cache folder; reportlab then embeds only the glyphs a report uses (~15 KB).
"""

from __future__ import annotations

import io
import os
import threading
from pathlib import Path

VENDORED = Path(__file__).resolve().parents[1] / "assets" / "vendor" / "noto-sans-sc" / "files"
WEIGHTS = {"regular": 400, "bold": 700}
FONT_NAMES = {"regular": "NotoSansSC", "bold": "NotoSansSC-Bold"}
_lock = threading.Lock()


def cache_folder() -> Path:
    """$WALLBOARD_DATA_DIR/fonts, else ~/.cache/wallboard/fonts (made when missing)."""
    base = os.environ.get("WALLBOARD_DATA_DIR")
    folder = Path(base).expanduser() / "fonts" if base else Path.home() / ".cache" / "wallboard" / "fonts"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def joined_font(weight: int) -> Path:
    """One TrueType file holding every vendored slice of a weight (built once, then reused)."""
    target = cache_folder() / f"noto-sans-sc-{weight}.ttf"
    if target.exists():
        return target
    from fontTools.merge import Merger, Options
    from fontTools.ttLib import TTFont

    slices = sorted(VENDORED.glob(f"noto-sans-sc-*-{weight}-normal.woff2"))
    if not slices:
        raise FileNotFoundError(f"no vendored Noto Sans SC files of weight {weight} in {VENDORED}")
    with _lock:
        if target.exists():
            return target
        buffers = []
        for path in slices:
            font = TTFont(path)
            font.flavor = None  # WOFF2 → plain TrueType
            for tag in ("GSUB", "GPOS", "GDEF"):  # layout features a table of figures does not need
                if tag in font:
                    del font[tag]
            buffer = io.BytesIO()
            font.save(buffer)
            buffer.seek(0)
            buffers.append(buffer)
        merged = Merger(options=Options(drop_tables=["GSUB", "GPOS", "GDEF", "vhea", "vmtx"])).merge(buffers)
        partial = target.with_suffix(f".{os.getpid()}.partial")
        merged.save(partial)
        partial.replace(target)  # atomic: a concurrent reader never sees half a font
    return target


def register_report_fonts() -> dict[str, str]:
    """Register the regular and bold fonts with reportlab (once); returns their names by style."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    registered = set(pdfmetrics.getRegisteredFontNames())
    for style, name in FONT_NAMES.items():
        if name not in registered:
            pdfmetrics.registerFont(TTFont(name, str(joined_font(WEIGHTS[style]))))
    return dict(FONT_NAMES)

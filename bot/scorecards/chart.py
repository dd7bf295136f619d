"""The scorecard's chart (PNG): a radar of the criteria beside the score's trend.

Drawn at delivery time from the data the outbox row holds (see bot.core.uploads), never inside a
transaction. Labels arrive already in the reader's language; a script the installed fonts cannot draw
(Chinese without a CJK font) falls back to the criterion's own name rather than empty boxes.
"""

from __future__ import annotations

import io
import math
from functools import cache
from typing import Any

RENDERER = "scorecard_chart"
_CJK_FONTS = ("Noto Sans CJK SC", "Noto Sans SC", "WenQuanYi Zen Hei", "Source Han Sans SC", "SimHei")


@cache
def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import font_manager, pyplot

    installed = {font.name for font in font_manager.fontManager.ttflist}
    cjk = [name for name in _CJK_FONTS if name in installed]
    pyplot.rcParams["font.sans-serif"] = [*cjk, "DejaVu Sans"]
    return pyplot, bool(cjk)


def _label(text: str, fallback: str, cjk: bool) -> str:
    """`text` when the fonts can draw it (DejaVu covers Latin, Greek and Cyrillic), else `fallback`."""
    return text if cjk or all(ord(c) < 0x2000 for c in text) else fallback


def render_chart(data: dict[str, Any]) -> bytes:
    """The PNG for `data`: {"criteria": [[label, key, 0-100 or null]], "trend": [[label, score or null]],
    "title": str, "title_fallback": str}."""
    pyplot, cjk = _pyplot()
    criteria = data.get("criteria") or []
    trend = data.get("trend") or []
    figure = pyplot.figure(figsize=(9, 4), dpi=100)
    try:
        radar = figure.add_subplot(1, 2, 1, projection="polar")
        angles = [2 * math.pi * i / max(len(criteria), 1) for i in range(len(criteria))]
        values = [value or 0 for _, _, value in criteria]
        if criteria:
            radar.plot([*angles, angles[0]], [*values, values[0]], color="#1f6feb", linewidth=2)
            radar.fill([*angles, angles[0]], [*values, values[0]], color="#1f6feb", alpha=0.25)
            radar.set_xticks(angles)
            radar.set_xticklabels([_label(label, key, cjk) for label, key, _ in criteria], fontsize=8)
        radar.set_ylim(0, 100)
        radar.set_yticks([25, 50, 75, 100])
        radar.tick_params(axis="y", labelsize=7)
        line = figure.add_subplot(1, 2, 2)
        points = [(i, score) for i, (_, score) in enumerate(trend) if score is not None]
        if points:
            line.plot([i for i, _ in points], [s for _, s in points], marker="o", color="#2da44e")
        line.set_xticks(range(len(trend)))
        line.set_xticklabels(
            [_label(label, str(i + 1), cjk) for i, (label, _) in enumerate(trend)], fontsize=8
        )
        line.set_ylim(0, 100)
        line.grid(alpha=0.3)
        figure.suptitle(_label(data.get("title", ""), data.get("title_fallback", ""), cjk))
        figure.tight_layout()
        out = io.BytesIO()
        figure.savefig(out, format="png")
        return out.getvalue()
    finally:
        pyplot.close(figure)

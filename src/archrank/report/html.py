"""One self-contained HTML page: inline CSS, pictures as base64 PNG, tables as HTML; no script, no network."""

from __future__ import annotations

import base64
import html
import math
from typing import Any

#: Section ids of the page of a store with ground truth, in order (tests check them).
SECTIONS = ("heatmap", "scatter", "top", "cost", "search", "provenance")
#: Section ids of the page of a store without ground truth (the user's own space), in order.
OWN_SECTIONS = ("ranking", "distributions", "agreement", "cost", "search", "provenance")

_CSS = """
body{font-family:sans-serif;margin:2em auto;max-width:1100px;color:#222;background:#fff}
h1{font-size:1.6em}h2{font-size:1.25em;border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:2em}
table{border-collapse:collapse;font-size:.82em;margin:.6em 0}td,th{border:1px solid #ddd;padding:2px 6px}
th{background:#f3f3f3}td.num{text-align:right;font-family:monospace}img{max-width:100%;height:auto}
p.note{color:#555;font-size:.9em}details{margin:.5em 0;overflow-x:auto}
td{max-width:30em;overflow-wrap:anywhere}
"""


def _fmt(v: Any) -> str:
    if isinstance(v, bool):
        return "yes" if v else ""
    if isinstance(v, float):
        return "nan" if not math.isfinite(v) else (f"{v:.0f}" if 1e4 <= abs(v) < 1e9 else f"{v:.4g}")
    return str(v)


def table_html(rows: list[dict[str, Any]], limit: int = 200) -> str:
    if not rows:
        return "<p class='note'>(empty)</p>"
    cols = list(rows[0])
    head = "".join(f"<th>{html.escape(c)}</th>" for c in cols)
    body = []
    for r in rows[:limit]:
        cells = "".join(f"<td class='{'num' if isinstance(r[c], (int, float)) else ''}'>{html.escape(_fmt(r[c]))}</td>"
                        for c in cols)
        body.append(f"<tr>{cells}</tr>")
    more = f"<p class='note'>first {limit} of {len(rows)} rows; all in the CSV</p>" if len(rows) > limit else ""
    return f"<table><tr>{head}</tr>{''.join(body)}</table>{more}"


def image_html(png: bytes, alt: str) -> str:
    data = base64.b64encode(png).decode("ascii")
    return f"<img alt='{html.escape(alt)}' src='data:image/png;base64,{data}'>"


def folded_html(rows: list[dict[str, Any]], summary: str, csv_name: str = "", open_table: bool = False) -> str:
    """A table inside ``<details>`` (folded unless ``open_table``), its summary naming the rows and the CSV."""
    label = f"{html.escape(summary)} ({len(rows)} rows{', ' + html.escape(csv_name) if csv_name else ''})"
    return f"<details{' open' if open_table else ''}><summary>{label}</summary>{table_html(rows)}</details>"


def section_html(sid: str, title: str, *, text: str = "", png: bytes | None = None, rows=None, csv_name: str = "",
                 open_table: bool = False, more: tuple = ()) -> str:
    """A section: its text, picture and table (``rows``), then further ``more`` tables, each
    ``(summary, rows, csv_name, open)``."""
    parts = [f"<section id='{sid}'><h2>{html.escape(title)}</h2>"]
    if text:
        parts.append(f"<p>{html.escape(text)}</p>")
    if png is not None:
        parts.append(image_html(png, title))
    if rows is not None:
        parts.append(folded_html(rows, "table", csv_name, open_table))
    for summary, extra, name, is_open in more:
        parts.append(folded_html(extra, summary, name, is_open))
    parts.append("</section>")
    return "".join(parts)


def page_html(title: str, sections: list[str], lead: str = "") -> str:
    """The page: ``title``, a lead paragraph (what kind of report this is), the sections."""
    intro = f"<p class='note'>{html.escape(lead)}</p>" if lead else ""
    return ("<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
            f"<title>{html.escape(title)}</title><link rel='icon' href='data:,'><style>{_CSS}</style></head><body>"
            f"<h1>{html.escape(title)}</h1>{intro}{''.join(sections)}</body></html>\n")

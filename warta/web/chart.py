"""The timeline: articles per Asia/Jakarta day for a search, as inline SVG built on the server.

No chart library and no script: bars are <rect>s with a <title> tooltip,
coloured by the static stylesheet (CSP forbids inline styles). Long spans
are drawn per month so a bar never gets thinner than a hairline.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Iterable

from markupsafe import Markup, escape

from indexer.base import JAKARTA, Hit, SearchBackend, SearchRequest

WIDTH, HEIGHT, PAD_TOP, PAD_BOTTOM = 800, 140, 12, 22
MAX_DAILY_BARS = 400


@dataclass
class Timeline:
    counts: dict[str, int]  # "YYYY-MM-DD" (daily) or "YYYY-MM" (monthly) -> articles, gaps filled with 0
    monthly: bool
    undated: int

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def day_counts(hits: Iterable[Hit]) -> tuple[Counter[date], int]:
    days: Counter[date] = Counter()
    undated = 0
    for hit in hits:
        published = hit.doc.get("published_at")
        if not published:
            undated += 1
            continue
        dt = datetime.fromisoformat(published)
        days[(dt.astimezone(JAKARTA) if dt.tzinfo else dt).date()] += 1
    return days, undated


def timeline(backend: SearchBackend, request: SearchRequest) -> Timeline:
    """Every hit of the search, counted by day (fine at warta's scale: thousands of articles)."""
    from dataclasses import replace

    everything = replace(request, cursor=None, facets=False, snippets=False, sort="date")
    days, undated = day_counts(backend.iter_hits(everything))
    return bucket(days, undated)


def bucket(days: Counter[date], undated: int = 0) -> Timeline:
    if not days:
        return Timeline({}, False, undated)
    first, last = min(days), max(days)
    if (last - first).days < MAX_DAILY_BARS:
        counts = {}
        d = first
        while d <= last:
            counts[d.isoformat()] = days.get(d, 0)
            d += timedelta(days=1)
        return Timeline(counts, False, undated)
    months: Counter[str] = Counter()
    for d, n in days.items():
        months[d.strftime("%Y-%m")] += n
    counts = {}
    y, m = first.year, first.month
    while (y, m) <= (last.year, last.month):
        key = f"{y:04d}-{m:02d}"
        counts[key] = months.get(key, 0)
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return Timeline(counts, True, undated)


def svg(tl: Timeline, label: str) -> Markup:
    """Inline SVG markup; the only text in it is dates, numbers and the escaped label."""
    if not tl.counts:
        return Markup("")
    keys = list(tl.counts)
    peak = max(tl.counts.values()) or 1
    slot = WIDTH / len(keys)
    bar_w = max(slot * 0.8, 0.5)
    plot_h = HEIGHT - PAD_TOP - PAD_BOTTOM
    parts = [f'<svg class="timeline" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{escape(label)}" '
             f'xmlns="http://www.w3.org/2000/svg">',
             f"<title>{escape(label)}</title>",
             f'<line class="axis" x1="0" y1="{HEIGHT - PAD_BOTTOM}" x2="{WIDTH}" y2="{HEIGHT - PAD_BOTTOM}"/>']
    for i, key in enumerate(keys):
        n = tl.counts[key]
        if not n:
            continue
        h = max(plot_h * n / peak, 1.0)
        x = i * slot + (slot - bar_w) / 2
        y = HEIGHT - PAD_BOTTOM - h
        parts.append(f'<rect class="bar" x="{x:.2f}" y="{y:.2f}" width="{bar_w:.2f}" height="{h:.2f}">'
                     f"<title>{escape(key)}: {n}</title></rect>")
    parts.append(f'<text class="tick" x="0" y="{HEIGHT - 6}">{escape(keys[0])}</text>')
    parts.append(f'<text class="tick" x="{WIDTH}" y="{HEIGHT - 6}" text-anchor="end">{escape(keys[-1])}</text>')
    parts.append(f'<text class="tick" x="2" y="{PAD_TOP - 2}">{peak}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))

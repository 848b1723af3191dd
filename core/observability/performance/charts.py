"""The performance page's charts, drawn as SVG on the server with pygal.

pygal because it draws SVG and nothing else, in pure Python with no dependency of weight (a
plotting stack such as matplotlib would bring numpy and Pillow into the service for six line
charts), is maintained, and leaves out its only outside asset, a tooltip script from a CDN,
when ``js`` is empty: the page loads nothing from elsewhere. Each chart's ``<title>`` is its
heading, so browsers and screen readers name it.
"""

from __future__ import annotations

from dataclasses import dataclass

import pygal
from pygal.style import Style

from core.observability.performance.series import Performance, Values

STYLE = Style(
    background="white",
    plot_background="white",
    font_family="system-ui, sans-serif",
    title_font_size=15,
    legend_font_size=12,
    label_font_size=10,
    major_label_font_size=10,
)


@dataclass(frozen=True)
class Chart:
    """One chart: its title and its SVG markup (no XML declaration, to sit inside HTML)."""

    title: str
    svg: str


def _chart(kind: type, title: str, labels: list[str], lines: dict[str, Values]) -> Chart:
    chart = kind(
        title=title,
        style=STYLE,
        js=[],  # no tooltip script: nothing fetched from a CDN
        disable_xml_declaration=True,
        width=900,
        height=320,
        show_dots=True,
        dots_size=2,
        x_labels=labels,
        x_labels_major_every=10,
        show_minor_x_labels=False,
        legend_at_bottom=True,
        truncate_legend=48,
        truncate_label=-1,  # "HH:MM" whole
        include_x_axis=True,
        no_data_text="No data yet",
        print_values=False,
    )
    for name, values in lines.items():
        chart.add(name, values)
    return Chart(title=title, svg=chart.render(is_unicode=True))


def performance_charts(figures: Performance) -> list[Chart]:
    """Requests per second, p50 and p99 latency by endpoint, cache hit ratio, slow queries and
    database pool use, in that order."""
    labels = figures.labels
    return [
        _chart(pygal.Line, "Requests per second", labels, figures.requests),
        _chart(pygal.Line, "p50 latency by endpoint (ms)", labels, figures.p50),
        _chart(pygal.Line, "p99 latency by endpoint (ms)", labels, figures.p99),
        _chart(pygal.Line, "Cache hit ratio (%)", labels, {"hits": figures.cache_hit_ratio}),
        _chart(pygal.Bar, "Slow queries per minute", labels, {"slow": figures.slow_queries}),
        _chart(pygal.Line, "Database pool use (connections)", labels, figures.pool),
    ]

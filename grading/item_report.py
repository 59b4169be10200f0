"""The item analysis as one self-contained HTML page, with plotly charts.

plotly.js is embedded from the installed plotly package (no CDN), so the page opens offline
and can be archived with the term's records. Every chart has a table with the same numbers
next to it, so nothing depends on seeing colours or running JavaScript.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from pathlib import Path

import plotly.graph_objects as go
from jinja2 import Environment
from plotly.offline import get_plotlyjs

from grading.item_analysis import Analysis, Item, Option
from widgets.theme import PALETTE, TEMPLATE

GROUP_COLOURS = {
    "upper": PALETTE["blue"],
    "middle": PALETTE["sky_blue"],
    "lower": PALETTE["orange"],
}

PAGE = Environment(autoescape=True).from_string(
    """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Item analysis - {{ a.quiz }}</title>
<style>
 body { font-family: system-ui, sans-serif; max-width: 64rem; margin: 2rem auto; padding: 0 1rem;
        color: #222; line-height: 1.45; }
 table { border-collapse: collapse; margin: 1rem 0; }
 th, td { border-bottom: 1px solid #ddd; padding: .3rem .6rem; text-align: left;
          vertical-align: top; }
 td.num { text-align: right; font-variant-numeric: tabular-nums; }
 caption { text-align: left; font-weight: 600; padding: .3rem 0; }
 .flag { color: #8a3c00; }
 .who { font-size: .85em; color: #444; }
 section { margin-top: 2.5rem; }
</style>
<script>{{ plotlyjs|safe }}</script>
</head>
<body>
<h1>Item analysis: {{ a.quiz }}</h1>
<p>{{ a.totals|length }} students analysed ({{ generated }}), autograded total out of
{{ "%g"|format(a.max_total) }}. Upper and lower groups: the top and bottom {{ a.upper|length }}
students by autograded total (27%).
{% if a.excluded %}Not included: {{ a.excluded|length }} student(s) whose submission is not
fully autograded ({{ a.excluded|join(", ") }}).{% endif %}</p>
<p>How to read it: <b>% correct</b> is the share with full points. <b>r<sub>pb</sub></b> is the
point-biserial correlation between getting the item right and the score on the other items;
<b>D</b> is % correct in the upper group minus % correct in the lower group. Items with r or
D below about 0.2 separate stronger from weaker students poorly; below 0, look at the key.</p>

<table>
<caption>Summary</caption>
<thead><tr><th scope="col">item</th><th scope="col">points</th><th scope="col">% correct</th>
<th scope="col">r<sub>pb</sub></th><th scope="col">D</th><th scope="col">notes</th></tr></thead>
<tbody>
{% for item in a.items %}<tr>
<th scope="row"><a href="#{{ item.grade_id }}">{{ label(item) }}</a></th>
<td class="num">{{ "%g"|format(item.max_score) }}</td>
<td class="num">{{ pct(item.proportion_correct) }}</td>
<td class="num">{{ num(item.point_biserial) }}</td><td class="num">{{ num(item.upper_lower) }}</td>
<td class="flag">{{ item.flags|join("; ") }}</td></tr>
{% endfor %}</tbody>
</table>
{{ overview|safe }}
{{ scatter|safe }}

{% for item, chart in details %}
<section id="{{ item.grade_id }}">
<h2>{{ label(item) }}</h2>
<p>{{ pct(item.proportion_correct) }} correct (mean {{ "%.2f"|format(item.mean_score) }} of
{{ "%g"|format(item.max_score) }} points), r<sub>pb</sub> = {{ num(item.point_biserial) }},
D = {{ num(item.upper_lower) }}.{% if item.variable %} Answers are the values of
<code>{{ item.variable }}</code>.{% endif %}</p>
{% if item.options %}
<table>
<caption>Answers given to {{ label(item) }}</caption>
<thead><tr><th scope="col">answer</th><th scope="col">right?</th><th scope="col">students</th>
<th scope="col">upper / middle / lower</th><th scope="col">their mean total</th>
<th scope="col">who</th></tr></thead>
<tbody>
{% for o in item.options %}<tr><th scope="row"><code>{{ o.answer }}</code></th>
<td>{{ right(o) }}</td>
<td class="num">{{ o.count }}</td>
<td class="num">{{ o.upper }} / {{ o.middle }} / {{ o.lower }}</td>
<td class="num">{{ "%.1f"|format(o.mean_total) }}</td>
<td class="who">{{ who(o) }}</td></tr>
{% endfor %}</tbody>
</table>
{{ chart|safe }}
{% else %}<p>No answers could be read for this item.</p>{% endif %}
</section>
{% endfor %}
</body>
</html>
"""
)


def label(item: Item) -> str:
    return item.grade_id.removesuffix("_tests")


def pct(value: float) -> str:
    return "-" if value is None or math.isnan(value) else f"{100 * value:.0f}%"


def num(value: float | None) -> str:
    return "-" if value is None or math.isnan(value) else f"{value:.2f}"


def right(option: Option) -> str:
    if option.correct_share == 1:
        return "yes"
    return "no" if option.correct_share == 0 else f"{pct(option.correct_share)} got it"


def who(option: Option, shown: int = 30) -> str:
    names = ", ".join(option.students[:shown])
    more = len(option.students) - shown
    return f"{names} and {more} more" if more > 0 else names


def _html(fig: go.Figure) -> str:
    fig.update_layout(template=TEMPLATE)
    return fig.to_html(full_html=False, include_plotlyjs=False, config={"displaylogo": False})


def overview_chart(analysis: Analysis) -> go.Figure:
    items = analysis.items
    fig = go.Figure(
        go.Bar(
            x=[label(i) for i in items],
            y=[i.proportion_correct for i in items],
            marker_color=PALETTE["blue"],
            customdata=[[num(i.point_biserial), num(i.upper_lower)] for i in items],
            hovertemplate="%{x}: %{y:.0%} correct<br>r_pb %{customdata[0]}, D %{customdata[1]}"
            "<extra></extra>",
            name="% correct",
        )
    )
    fig.update_layout(title="Share of students with full points, per item", height=380)
    fig.update_yaxes(range=[0, 1], tickformat=".0%", title="correct")
    return fig


def scatter_chart(analysis: Analysis) -> go.Figure:
    items = [i for i in analysis.items if i.point_biserial is not None]
    fig = go.Figure(
        go.Scatter(
            x=[i.proportion_correct for i in items],
            y=[i.point_biserial for i in items],
            mode="markers+text",
            text=[label(i) for i in items],
            textposition="top center",
            marker=dict(size=11, color=PALETTE["vermillion"]),
            hovertemplate="%{text}: %{x:.0%} correct, r_pb %{y:.2f}<extra></extra>",
            name="items",
        )
    )
    fig.add_hline(y=0.2, line_dash="dash", line_color="#777", annotation_text="r = 0.2")
    fig.add_hline(y=0, line_color="#999")
    fig.update_layout(title="Difficulty and discrimination", height=420, showlegend=False)
    fig.update_xaxes(range=[-0.05, 1.05], tickformat=".0%", title="share correct")
    fig.update_yaxes(range=[-1.05, 1.05], title="point-biserial r (item vs rest)")
    return fig


def options_chart(item: Item) -> go.Figure:
    answers = [o.answer + (" (right)" if o.correct_share == 1 else "") for o in item.options]
    fig = go.Figure()
    for group in ("upper", "middle", "lower"):
        fig.add_trace(
            go.Bar(
                y=answers,
                x=[getattr(o, group) for o in item.options],
                orientation="h",
                name=f"{group} group",
                marker_color=GROUP_COLOURS[group],
                hovertemplate=f"%{{y}}: %{{x}} from the {group} group<extra></extra>",
            )
        )
    fig.update_layout(
        barmode="stack",
        title=f"Who chose which answer: {label(item)}",
        height=160 + 32 * len(answers),
    )
    fig.update_yaxes(autorange="reversed", title=None)
    fig.update_xaxes(
        title="students", dtick=1 if max(o.count for o in item.options) <= 10 else None
    )
    return fig


def render(analysis: Analysis) -> str:
    details = [
        (item, _html(options_chart(item)) if item.options else "") for item in analysis.items
    ]
    return PAGE.render(
        a=analysis,
        generated=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        plotlyjs=get_plotlyjs(),
        overview=_html(overview_chart(analysis)) if analysis.items else "",
        scatter=_html(scatter_chart(analysis)) if analysis.items else "",
        details=details,
        label=label,
        right=right,
        who=who,
        pct=pct,
        num=num,
    )


def write(analysis: Analysis, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(analysis), encoding="utf-8")
    return path

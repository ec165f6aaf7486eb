"""The backlog over time as an SVG drawn on the server (Altair, then vl-convert): the page
carries it inline, with no script and nothing fetched, as its content security policy requires."""

from __future__ import annotations

import re
from functools import lru_cache

from custodes.web.vetting.backlog import Week

__all__ = ["backlog_svg"]

OPEN, OVERDUE = "Open tasks", "Of them overdue"


def backlog_svg(weeks: list[Week]) -> str:
    """Return the chart of open and overdue tasks at the end of each week, as SVG text."""
    return _svg(tuple((w.ends_on.isoformat(), w.open, w.overdue) for w in weeks))


@lru_cache(maxsize=64)
def _svg(points: tuple[tuple[str, int, int], ...]) -> str:
    # Imported here, not with the URLs: Altair, pandas and vl-convert take seconds to load,
    # which every worker's first request would otherwise wait for, whatever page it asked.
    import altair as alt
    import pandas as pd
    import vl_convert

    frame = pd.DataFrame(points, columns=["week", OPEN, OVERDUE])
    long = frame.melt("week", var_name="count", value_name="tasks")
    base = alt.Chart(long).encode(
        x=alt.X("week:T", title="week ending", axis=alt.Axis(format="%d %b", labelAngle=0)),
        y=alt.Y("tasks:Q", title="tasks", axis=alt.Axis(tickMinStep=1)),
        color=alt.Color(
            "count:N",
            title=None,
            sort=[OPEN, OVERDUE],
            scale=alt.Scale(domain=[OPEN, OVERDUE], range=["#1f4e79", "#8a1c1c"]),
            legend=alt.Legend(orient="top", labelFontSize=13, symbolStrokeWidth=3),
        ),
    )
    # Overdue dashed as well as red, so the two lines differ without colour.
    chart = (
        alt.layer(
            base.transform_filter(alt.datum.count == OPEN).mark_line(point=True, strokeWidth=2),
            base.transform_filter(alt.datum.count == OVERDUE).mark_line(
                point=True, strokeWidth=2, strokeDash=[6, 3]
            ),
        )
        .properties(width=820, height=220)
        # The page gives the chart its text alternative; Vega's own ARIA marks would repeat it.
        .configure(aria=False, font="system-ui, sans-serif")
        .configure_axis(labelFontSize=12, titleFontSize=12, gridColor="#e6e9ef")
        .configure_view(stroke=None)
    )
    return _silent(str(vl_convert.vegalite_to_svg(chart.to_dict())))


# Vega marks its groups as graphics for assistive technology even with ARIA turned off; the
# page names the chart once, on the element around it (role="img"), and gives its figures.
_ROLES = re.compile(r'\s(?:role|aria-roledescription|aria-label)="[^"]*"')


def _silent(svg: str) -> str:
    """Return the SVG with its own roles and labels taken out, hidden from assistive technology."""
    return _ROLES.sub("", svg).replace("<svg ", '<svg aria-hidden="true" focusable="false" ', 1)

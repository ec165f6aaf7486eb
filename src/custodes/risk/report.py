"""report.html for a risk list: self-contained (Vega inline, no CDN), readable offline."""

from __future__ import annotations

import datetime as dt
import html
from pathlib import Path
from typing import Any

import altair as alt
import duckdb
import numpy as np
import pandas as pd
import vl_convert

from custodes.caserules import FINDINGS
from custodes.vega import script_json, vega_runtime

__all__ = ["TIMELINES", "write_report"]

#: How many of the top officers get their history drawn on a timeline.
TIMELINES = 20
LISTED = 100
_MARKS = [*FINDINGS, "undecided", "event"]


def _vega(chart: alt.TopLevelMixin) -> str:
    """Compile an Altair chart to a Vega spec here, so the page needs no Vega-Lite compiler."""
    return script_json(vl_convert.vegalite_to_vega(chart.to_dict()))


def _pr_chart(curve: list[dict[str, Any]]) -> alt.Chart:
    data = pd.DataFrame(curve)
    data["top"] = (data["share"] * 100).round(1).astype(str) + "%"
    chart: alt.Chart = (
        alt.Chart(data, title="Precision and recall down the list (held-out past snapshot)")
        .mark_line(point=True)
        .encode(
            x=alt.X("recall:Q", scale=alt.Scale(domain=[0, 1])),
            y=alt.Y("precision:Q", scale=alt.Scale(domain=[0, 1])),
            tooltip=[
                "top:N",
                alt.Tooltip("precision:Q", format=".3f"),
                alt.Tooltip("recall:Q", format=".3f"),
            ],
        )
        .properties(width=520, height=300)
    )
    return chart


def _score_chart(scores: pd.Series) -> alt.Chart:
    # Binned here: a chart of every officer's score would carry tens of thousands of rows.
    counts, edges = np.histogram(scores.astype(float), bins=40)
    data = pd.DataFrame({"low": edges[:-1], "high": edges[1:], "officers": counts})
    chart: alt.Chart = (
        alt.Chart(data, title="Scores of every officer serving")
        .mark_bar()
        .encode(
            x=alt.X("low:Q", title="score (probability of the outcome)"),
            x2="high:Q",
            y=alt.Y("officers:Q", title="officers"),
            # With x and x2 both given, Vega-Lite draws a bar across them at its y: the bar
            # must be told to stand on zero.
            y2=alt.datum(0),
            tooltip=["low:Q", "high:Q", "officers:Q"],
        )
        .properties(width=520, height=220)
    )
    return chart


def _timeline_chart(rows: pd.DataFrame, start: dt.date, as_of: dt.date) -> alt.Chart:
    domain = [pd.Timestamp(start).isoformat(), pd.Timestamp(as_of).isoformat()]
    chart: alt.Chart = (
        alt.Chart(rows)
        .mark_point(filled=True, size=70)
        .encode(
            x=alt.X(
                "day:T",
                title=None,
                scale=alt.Scale(domain=domain),
                axis=alt.Axis(format="%Y", tickCount={"interval": "year", "step": 1}),
            ),
            y=alt.Y("lane:N", title=None),
            # One colour and shape per finding on every officer's chart.
            color=alt.Color(
                "finding:N", title="finding known then", scale=alt.Scale(domain=_MARKS)
            ),
            shape=alt.Shape("finding:N", scale=alt.Scale(domain=_MARKS)),
            tooltip=["day:T", "lane:N", "finding:N", "what:N"],
        )
        .properties(width=640, height=alt.Step(22))
    )
    return chart


def _histories(con: duckdb.DuckDBPyConnection, refs: list[str], as_of: dt.date) -> pd.DataFrame:
    """Return the top officers' allegations and events known at `as_of`, one row each."""
    con.execute("CREATE OR REPLACE TEMP TABLE drawn (officer_ref VARCHAR)")
    con.executemany("INSERT INTO drawn VALUES (?)", [[r] for r in refs])
    return con.execute(
        """
        SELECT a.officer_ref, a.received_date AS day, 'allegation: ' || a.category_group AS lane,
               CASE WHEN a.finding_known_on <= $as_of THEN a.finding ELSE 'undecided' END
                 AS finding,
               a.category AS what
        FROM allegations a JOIN drawn USING (officer_ref)
        WHERE a.received_date <= $as_of
        UNION ALL
        SELECT e.officer_ref, e.date, 'event: ' || e.kind, 'event', coalesce(e.detail, e.kind)
        FROM events e JOIN drawn USING (officer_ref)
        WHERE e.date <= $as_of
        ORDER BY 1, 2
        """,
        {"as_of": as_of},
    ).df()


def write_report(
    path: Path,
    con: duckdb.DuckDBPyConnection,
    ranked: pd.DataFrame,
    officers: pd.DataFrame,
    run: dict[str, Any],
    *,
    named: bool = True,
) -> None:
    """Write the ranked list, the evaluation's precision-recall curve, the scores' spread and
    each top officer's history on a timeline; with `named` false, only what names no officer
    (the evaluation, the scores' spread, the rules' counts): the summary the web app serves to
    everyone who uses the list, since no one page can be cut to what each viewer may see."""
    esc = html.escape
    as_of = dt.date.fromisoformat(run["as_of"])
    top = ranked.head(LISTED)
    people = officers.set_index("officer_ref")
    figures: list[tuple[str, str]] = []
    curve = run.get("evaluation", {}).get("pr_curve", [])
    if curve:
        figures.append(("pr-curve", _vega(_pr_chart(curve))))
    figures.append(("scores", _vega(_score_chart(ranked["score"]))))
    refs = top["officer_ref"].head(TIMELINES).astype(str).tolist() if named else []
    histories = _histories(con, refs, as_of) if refs else pd.DataFrame(columns=["day"])
    start = histories["day"].min() if not histories.empty else as_of
    sections = []
    for row in top.head(TIMELINES if named else 0).itertuples():
        ref = str(row.officer_ref)
        mine = histories[histories["officer_ref"] == ref].drop(columns=["officer_ref"])
        figure = ""
        if not mine.empty:
            figure = (
                "<figure class='chart'><div></div><script type='application/json'>"
                f"{_vega(_timeline_chart(mine, start, as_of))}</script></figure>"
            )
        who = people.loc[ref] if ref in people.index else None
        name = ""
        if who is not None:
            name = " ".join(
                str(x)
                for x in (who["rank"], who["first_name"], who["last_name"])
                if isinstance(x, str) and x
            )
        reasons = "".join(f"<li>{esc(r)}</li>" for r in str(row.reasons).split("; "))
        sections.append(
            f"<section class='officer' id='o-{esc(ref)}'><h3>#{row.rank} · {esc(ref)}"
            f"{' · ' + esc(name) if name else ''} · score {row.score:.3f}</h3>"
            f"<ul>{reasons}</ul>{figure}</section>"
        )
    table = "\n".join(
        f"<tr><td>{r.rank}</td><td><a href='#o-{esc(str(r.officer_ref))}'>"
        f"{esc(str(r.officer_ref))}</a></td><td>{r.score:.3f}</td><td>{esc(str(r.reasons))}</td>"
        "</tr>"
        for r in top.itertuples()
    )
    evaluation = run.get("evaluation", {})
    held_out = str(evaluation.get("snapshot", ""))
    eval_rows = "".join(
        f"<tr><td>top {key.split('_')[1].replace('pct', '%')}</td><td>{v['n']:,}</td>"
        f"<td>{v['hits']:,}</td><td>{v['precision']:.3f}</td><td>{v['recall']:.3f}</td></tr>"
        for key, v in evaluation.items()
        if key.startswith("top_")
    )
    rules = "".join(
        f"<tr><td>{esc(rule)}</td><td>{count:,}</td></tr>"
        for rule, count in run.get("rules_flagged", {}).items()
    )
    charts = "".join(
        f"<figure class='chart' id='{name}'><div></div><script type='application/json'>{spec}"
        "</script></figure>"
        for name, spec in figures
    )
    listed = f"""<h2>The list</h2>
<table><thead><tr><th>rank</th><th>officer</th><th>score</th><th>reasons</th></tr></thead>
<tbody>{table}</tbody></table>
<p>The first {len(top):,} of {len(ranked):,}; risk.csv ranks every one.</p>
<h2>The top {min(TIMELINES, len(top))} officers' histories</h2>
{"".join(sections)}"""
    unnamed = (
        "<p>This summary names no officer. Each officer's place, score and reasons are on the "
        "list, to whoever may see them.</p>"
    )
    label = {
        "substantiated": "a substantiated allegation",
        "sexual": "an allegation of sexual misconduct",
    }.get(run["label"], run["label"])
    page = f"""<!doctype html>
<html lang="en-GB"><head><meta charset="utf-8">
<title>custodes early intervention · {esc(run["as_of"])}</title>
<style>
body {{ font: 15px/1.45 system-ui, sans-serif; color: #1d2330; margin: 2rem auto; max-width: 64rem;
       padding: 0 1rem; }}
h1 {{ color: #1f4e79; }} table {{ border-collapse: collapse; width: 100%; margin-bottom: 2rem; }}
th, td {{ text-align: left; padding: .3rem .5rem; border-bottom: 1px solid #d8dde6;
          vertical-align: top; }}
section.officer {{ border: 1px solid #d8dde6; border-radius: 6px; padding: .5rem 1rem;
                   margin: 1rem 0; }}
figure {{ margin: 0; overflow-x: auto; }}
</style></head><body>
<h1>Early intervention as of {esc(run["as_of"])}</h1>
<p>{run["officers_scored"]:,} officers serving on {esc(run["as_of"])} are ranked by the chance of
{esc(label)} received within {run["horizon_days"]} days, learned from their histories at past
dates ({esc(", ".join(run["trained_on"]))}), using only what was known at each date. The reasons
are the parts of each officer's record that raised their score most. A score is a reason to look
at a record, never a finding.</p>
<h2>How well it ranked a past snapshot it did not learn from ({esc(held_out)})</h2>
<table><thead><tr><th>flagged</th><th>officers</th><th>with the outcome</th><th>precision</th>
<th>recall</th></tr></thead><tbody>{eval_rows}</tbody></table>
{charts}
<h2>Threshold rules met at {esc(run["as_of"])}</h2>
<table><thead><tr><th>rule</th><th>officers flagged</th></tr></thead><tbody>{rules}</tbody></table>
{listed if named else unnamed}
<noscript><p>The charts are drawn by the page's own script, which this browser is not running.
</p></noscript>
<script>{vega_runtime()}</script>
<script>
document.querySelectorAll('figure.chart').forEach(function (figure) {{
  var spec = JSON.parse(figure.querySelector('script').textContent);
  vegaEmbed(figure.querySelector('div'), spec, {{mode: 'vega', renderer: 'svg', actions: false}});
}});
</script>
</body></html>
"""
    path.write_text(page, encoding="utf-8")

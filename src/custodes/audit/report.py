"""report.html: a self-contained page for the reviewing analyst, readable offline."""

from __future__ import annotations

import datetime as dt
import html
from pathlib import Path

import pyarrow as pa

from custodes.audit.catalogue import Catalogue
from custodes.audit.engine import Engine
from custodes.audit.timeline import load_spec
from custodes.vega import script_json, vega_runtime

__all__ = ["write_report"]

LISTED = 200


def _when(value: object) -> str:
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return "" if value is None else str(value)


# On the 760-pixel axis a pixel is about three hours of a 90-day extract: one tick per three
# hours and explanation shows the same picture as one per look-up, and renders far faster.
_TICK_SECONDS = 3 * 3600


def _timeline_data(
    eng: Engine, drawn: int, lo_ms: int, hi_ms: int
) -> dict[str, dict[str, list[dict[str, object]]]]:
    """Fetch, in one pass each, the look-ups and spans of the first `drawn` ranked users."""
    p = eng.dialect.param("drawn")
    looks = eng.fetch(
        f"""SELECT r.user_id, CAST(floor(ev.t / {_TICK_SECONDS}) AS BIGINT) * {_TICK_SECONDS}
                   * 1000 AS at, coalesce(h.how, 'assigned') AS explanation
            FROM a_ev ev JOIN s_ranked r ON r.u = ev.u
            LEFT JOIN x_ev x ON x.e = ev.e
            LEFT JOIN x_kind h ON h.k = x.k
            WHERE r.rank <= {p}
            GROUP BY r.user_id, CAST(floor(ev.t / {_TICK_SECONDS}) AS BIGINT),
                     coalesce(h.how, 'assigned')""",
        {"drawn": drawn},
    ).to_pylist()
    spans = eng.fetch(
        f"""SELECT r.user_id, 'assigned incidents' AS lane, ist.lo * 1000 AS start,
                   ist.hi * 1000 AS stop
            FROM a_ist ist JOIN s_ranked r ON r.u = ist.u WHERE r.rank <= {p}
            UNION ALL
            SELECT r.user_id, 'shifts' AS lane, sh.s * 1000 AS start, sh.f * 1000 AS stop
            FROM a_shifts sh JOIN s_ranked r ON r.u = sh.u WHERE r.rank <= {p}""",
        {"drawn": drawn},
    ).to_pylist()
    data: dict[str, dict[str, list[dict[str, object]]]] = {}
    for look in looks:
        user = str(look.pop("user_id"))
        data.setdefault(user, {"spans": [], "looks": []})["looks"].append(
            {**look, "lane": "look-ups"}
        )
    for span in spans:
        user = str(span.pop("user_id"))
        span["start"] = max(int(span["start"]), lo_ms)
        span["stop"] = min(int(span["stop"]), hi_ms)
        data.setdefault(user, {"spans": [], "looks": []})["spans"].append(span)
    return data


def _columns(rows: list[dict[str, object]], names: tuple[str, ...]) -> dict[str, list[object]]:
    return {n: [r[n] for r in rows] for n in names}


def _timelines(eng: Engine, users: list[str]) -> tuple[str, dict[str, str]]:
    """Return the page's drawing script and, per user, the data of their timeline."""
    if not users:
        return "", {}
    bounds = eng.fetch("SELECT min(first_t) AS lo, max(last_t) AS hi FROM a_ev_sys").to_pylist()[0]
    lo_ms, hi_ms = int(bounds["lo"] or 0) * 1000, int(bounds["hi"] or 0) * 1000
    template = load_spec(lo_ms, hi_ms)
    data = _timeline_data(eng, len(users), lo_ms, hi_ms)
    empty: dict[str, list[dict[str, object]]] = {"spans": [], "looks": []}
    # Column-wise data keeps the page to a fraction of the size of one object per point.
    per_user = {
        user: script_json(
            {
                "spans": _columns(data.get(user, empty)["spans"], ("lane", "start", "stop")),
                "looks": _columns(data.get(user, empty)["looks"], ("at", "explanation")),
            }
        )
        for user in users
    }
    script = (
        f"<script>{vega_runtime()}</script>\n"
        f"<script type='application/json' id='timeline-spec'>{script_json(template)}</script>\n"
        f"<script>{_DRAW}</script>"
    )
    return script, per_user


# Draw each timeline as its section nears the screen: two hundred charts drawn at once would
# hold the page up for seconds, and most reviews read only the first few.
_DRAW = """
(function () {
  var template = JSON.parse(document.getElementById('timeline-spec').textContent);
  function rows(columns, extra) {
    var names = Object.keys(columns), n = names.length ? columns[names[0]].length : 0, out = [];
    for (var i = 0; i < n; i++) {
      var row = Object.assign({}, extra);
      names.forEach(function (k) { row[k] = columns[k][i]; });
      out.push(row);
    }
    return out;
  }
  function draw(figure) {
    var given = JSON.parse(figure.querySelector('script').textContent);
    var values = {spans: rows(given.spans, {}), looks: rows(given.looks, {lane: 'look-ups'})};
    var spec = Object.assign({}, template, {data: template.data.map(function (d) {
      return values[d.name] ? Object.assign({}, d, {values: values[d.name]}) : d;
    })});
    vegaEmbed(figure.querySelector('div'), spec, {mode: 'vega', renderer: 'svg', actions: false});
  }
  var figures = document.querySelectorAll('figure.timeline');
  if (!('IntersectionObserver' in window)) { figures.forEach(draw); return; }
  var seen = new IntersectionObserver(function (entries) {
    entries.forEach(function (e) {
      if (e.isIntersecting) { seen.unobserve(e.target); draw(e.target); }
    });
  }, {rootMargin: '600px 0px'});
  figures.forEach(function (f) { seen.observe(f); });
})();
"""


def write_report(
    eng: Engine,
    path: Path,
    alerts: pa.Table,
    explained: pa.Table,
    catalogue: Catalogue,
    extract: Path,
    notes: list[str],
    drawn: int,
) -> None:
    """Write the ranked list, a timeline per top alert, the reasons and the explained shares."""
    # The timelines are drawn by the reader's browser from one compiled Vega spec and each
    # alert's data; drawing 200 of them here took most of the audit's output time.
    esc = html.escape
    rows = alerts.slice(0, LISTED).to_pylist()
    titles = {s.id: s.title for s in catalogue.signals}
    table_rows = "\n".join(
        f"<tr><td>{r['rank']}</td><td><a href='#u-{esc(str(r['user_id']))}'>"
        f"{esc(str(r['user_id']))}</a></td><td>{r['score']:.1f}</td>"
        f"<td>{esc(str(r['summary']))}</td><td>{r['events']}</td></tr>"
        for r in rows
    )
    sections = []
    script, timelines = _timelines(eng, [str(r["user_id"]) for r in rows[:drawn]])
    for r in rows[:drawn]:
        reasons = "".join(
            f"<li><b>{esc(titles.get(reason, reason))}</b></li>"
            for reason in str(r["reasons"]).split(";")
            if reason
        )
        sections.append(
            f"<section class='alert' id='u-{esc(str(r['user_id']))}'>"
            f"<h3>#{r['rank']} · {esc(str(r['user_id']))} · score {r['score']:.1f}</h3>"
            f"<p>{esc(str(r['summary']))}</p><ul>{reasons}</ul>"
            f"<p class='when'>{r['events']} look-ups from {_when(r['first_ts'])} to "
            f"{_when(r['last_ts'])} UTC</p>"
            "<figure class='timeline'><div></div><script type='application/json'>"
            f"{timelines[str(r['user_id'])]}</script></figure></section>"
        )
    shares = "\n".join(
        f"<tr><td>{esc(str(x['system']))}</td><td>{x['look_ups']:,}</td>"
        f"<td>{x['explained']:,}</td><td>{100 * float(x['share'] or 0):.1f}%</td></tr>"
        for x in explained.to_pylist()
    )
    rationale = "\n".join(
        f"<tr><td>{esc(s.title)}</td><td>{s.weight:.2f}</td><td>{esc(s.rationale)}</td></tr>"
        for s in catalogue.signals
    )
    note_items = "".join(f"<li>{esc(n)}</li>" for n in notes) or "<li>none</li>"
    page = f"""<!doctype html>
<html lang="en-GB"><head><meta charset="utf-8">
<title>custodes access audit · {esc(extract.name)}</title>
<style>
body {{ font: 15px/1.45 system-ui, sans-serif; color: #1d2330; margin: 2rem auto; max-width: 64rem;
       padding: 0 1rem; }}
h1 {{ color: #1f4e79; }} table {{ border-collapse: collapse; width: 100%; margin-bottom: 2rem; }}
th, td {{ text-align: left; padding: .3rem .5rem; border-bottom: 1px solid #d8dde6;
          vertical-align: top; }}
section.alert {{ border: 1px solid #d8dde6; border-radius: 6px; padding: .5rem 1rem;
                 margin: 1rem 0; }}
.when {{ color: #5b6475; }} figure {{ margin: 0; overflow-x: auto; }}
</style></head><body>
<h1>Access audit</h1>
<p>Extract <code>{esc(str(extract))}</code>. Staff are ranked by how strongly their look-ups
without a work reason point at vulnerable people, people met on duty, their own complainants or
many people. Each alert lists the signals behind its score; the evidence file lists the
look-ups.</p>
<h2>Notes</h2><ul>{note_items}</ul>
<h2>Ranked alerts</h2>
<table><thead><tr><th>rank</th><th>user</th><th>score</th><th>summary</th><th>look-ups</th></tr>
</thead><tbody>{table_rows}</tbody></table>
<p>{alerts.num_rows:,} members of staff in all; the first {min(LISTED, alerts.num_rows)} are
listed here and all of them in alerts.csv.</p>
<h2>The top {min(drawn, len(rows))} alerts</h2>
{"".join(sections)}
<noscript><p>The timelines are drawn by the page's own script, which this browser is not
running; evidence.parquet lists every look-up behind each alert.</p></noscript>
<h2>Look-ups explained</h2>
<table><thead><tr><th>system</th><th>look-ups</th><th>explained</th><th>share</th></tr></thead>
<tbody>{shares}</tbody></table>
<h2>Signals</h2>
<table><thead><tr><th>signal</th><th>weight</th><th>why it matters</th></tr></thead>
<tbody>{rationale}</tbody></table>
{script}
</body></html>
"""
    path.write_text(page, encoding="utf-8")

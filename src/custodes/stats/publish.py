"""Publish statistics: tables under disclosure control, as open data, charts and a report.

`publish` takes the records (`custodes.stats.records`), fills every table the records can
(`custodes.stats.tables`), puts each kind of record through disclosure control
(`custodes.stats.disclosure.protect`), checks the result with the attacker
(`custodes.stats.audit.attack`: it must recover no suppressed cell, from the margins, from the
other tables or from the previous publication) and writes, all or nothing:

- `data/<table>.csv` and `data/<table>.json`: each table in long form, one row per cell;
- `datapackage.json`: a Frictionless data package describing every file and column;
- `charts/*.svg`: the funnel, the trend by year and timeliness, drawn by Altair from the
  published values only;
- `report.html`: every table and chart in one page that needs nothing else (no script);
- `publication.json`: the rule, the date, the source, the tables' definitions (a later
  publication reads them to protect itself against differencing with this one) and the check.

Nothing true is ever written: every count, percentage and chart comes from the published
values, after suppression, rounding and (if chosen) cell-key noise.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import altair as alt
import duckdb
import pandas as pd
import vl_convert
from frictionless import Package, Resource, Schema, fields

from custodes.caserules import check_history
from custodes.errors import CustodesError
from custodes.folders import swap_folder
from custodes.history import load_history
from custodes.stats.audit import attack
from custodes.stats.ccrb import penalty_records
from custodes.stats.disclosure import (
    ALL,
    COUNT,
    CellKey,
    Publication,
    Rule,
    TableSpec,
    build_problem,
    protect,
)
from custodes.stats.records import (
    DAYS_BANDS,
    LIST_REPORT_STAGES,
    MATTER_STAGES,
    PENALTY_STAGES,
    STAGES,
    Stage,
    allegations_from_history,
)
from custodes.stats.tables import (
    Table,
    allegation_tables,
    list_report_tables,
    matter_tables,
    penalty_tables,
)
from custodes.stats.wide import SUPPRESSED_MARK, widen

__all__ = [
    "FORMAT",
    "PublishError",
    "PublishResult",
    "Records",
    "publish",
    "publish_history",
    "read_publication",
    "rule_from_options",
]

#: The version of the publication's own files (publication.json).
FORMAT = 1

_DIMENSION_WORDS = {
    "agency": "The force or agency of the subject",
    "year": "The year the matter came to attention (All: every year)",
    "category_group": "The allegation's category, as the importer grouped the source's own",
    "sexual": "sexual: abuse of position for a sexual purpose and other sexual misconduct; other",
    "finding": "The finding reached, or open",
    "outcome_group": "The action taken on a substantiated allegation",
    "sex": "The subject's sex, as the source records it",
    "age_band": "The subject's age when the matter came to attention",
    "ethnicity": "The subject's ethnicity, as the source records it",
    "days_band": "Days from coming to attention to the end of handling",
    "list_type": "The list reported to (barred or advisory)",
    "recommended": "The discipline the oversight board recommended",
    "final_group": "The penalty the department imposed, grouped",
}


class PublishError(CustodesError):
    """The statistics cannot be published as asked; nothing was written."""


@dataclass(frozen=True)
class Records:
    """What a publication counts: allegations, and optionally matters, list reports and (from
    the CCRB's penalties file) penalties."""

    allegations: pd.DataFrame
    matters: pd.DataFrame | None = None
    list_reports: pd.DataFrame | None = None
    penalties: pd.DataFrame | None = None


@dataclass
class PublishResult:
    """Where a publication went and what it holds."""

    out: Path
    tables: list[str]
    cells: int
    suppressed: dict[str, int]
    left_out: list[str]
    seconds: float
    checked: int = 0
    units: dict[str, int] = field(default_factory=dict)


def _stage_words() -> dict[str, Stage]:
    return {s.column: s for s in (*STAGES, *MATTER_STAGES, *LIST_REPORT_STAGES, *PENALTY_STAGES)}


def _measure_label(measure: str, first: str) -> str:
    stage = _stage_words().get(first if measure == COUNT else measure)
    return stage.label if stage is not None else measure


def _spec_json(spec: TableSpec) -> dict[str, Any]:
    return {
        "name": spec.name,
        "by": list(spec.by),
        "measures": list(spec.measures),
        "where": [[column, value] for column, value in spec.where],
    }


def _spec_from_json(data: Mapping[str, Any]) -> TableSpec:
    return TableSpec(
        str(data["name"]),
        tuple(str(b) for b in data["by"]),
        tuple(str(m) for m in data["measures"]),
        tuple((str(c), v) for c, v in data.get("where", [])),
    )


_FIRST = {
    "allegations": "received",
    "matters": "matters",
    "list reports": "list_reports_due",
    "penalties": "penalties",
}


def _units(records: Records) -> list[tuple[str, pd.DataFrame, list[Table]]]:
    tables, _ = allegation_tables(records.allegations)
    units = [("allegations", records.allegations, tables)]
    if records.matters is not None and len(records.matters):
        units.append(("matters", records.matters, matter_tables(records.matters)))
    if records.list_reports is not None and len(records.list_reports):
        units.append(
            ("list reports", records.list_reports, list_report_tables(records.list_reports))
        )
    if records.penalties is not None and len(records.penalties):
        units.append(("penalties", records.penalties, penalty_tables()))
    return units


@dataclass(frozen=True)
class _Previous:
    """The previous publication: its rule, its tables and what it published, per unit."""

    as_of: dt.date
    specs: dict[str, list[TableSpec]]
    frames: dict[str, pd.DataFrame]
    rule: Rule


def read_publication(folder: Path) -> dict[str, Any]:
    """Return a publication's publication.json, checked for the fields a later one needs."""
    path = folder / "publication.json"
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise PublishError(f"{path}: not a custodes publication ({exc})") from exc
    for key in ("format", "as_of", "rule", "tables"):
        if key not in meta:
            raise PublishError(f"{path}: field {key!r} is missing")
    if meta["format"] != FORMAT:
        raise PublishError(f"{path}: format {meta['format']!r}; this custodes reads {FORMAT}")
    return dict(meta)


def _read_previous(folder: Path) -> _Previous:
    meta = read_publication(folder)
    specs: dict[str, list[TableSpec]] = {}
    frames: dict[str, pd.DataFrame] = {}
    for entry in meta["tables"]:
        spec = _spec_from_json(entry["spec"])
        specs.setdefault(str(entry["unit"]), []).append(spec)
        path = folder / "data" / f"{spec.name}.csv"
        try:
            frames[spec.name] = pd.read_csv(path, dtype=str, keep_default_na=False)
        except OSError as exc:
            raise PublishError(f"{path}: cannot be read ({exc})") from exc
    rule = meta["rule"]
    return _Previous(
        as_of=dt.date.fromisoformat(meta["as_of"]),
        specs=specs,
        frames=frames,
        rule=Rule(
            threshold=int(rule["threshold"]),
            rounding=int(rule["rounding"]),
            protection=int(rule["protection"]),
            suppress_zero=bool(rule["suppress_zero"]),
        ),
    )


def publish(
    out: Path,
    records: Records,
    *,
    source: str,
    as_of: dt.date,
    rule: Rule | None = None,
    previous: Path | None = None,
    previous_records: Records | None = None,
    title: str = "Misconduct allegations: from receipt to outcome",
) -> PublishResult:
    """Publish `records` to `out` under `rule` (the 10-5 rule by default); see the module.

    With `previous` (an earlier publication's folder) and `previous_records` (the same records
    as they stood at its date), no suppressed cell of this publication can be worked out by
    setting it beside that one. Raises PublishError, writing nothing, if the check fails.
    """
    started = time.perf_counter()
    rule = rule or Rule()
    before = _read_previous(previous) if previous is not None else None
    if before is not None and previous_records is None:
        raise PublishError("a previous publication needs the records as they stood at its date")
    if before is not None and before.as_of > as_of:
        raise PublishError(f"the previous publication ({before.as_of}) is later than {as_of}")
    written: dict[str, tuple[Table, pd.DataFrame]] = {}
    suppressed = {"primary": 0, "secondary": 0}
    cells = checked = 0
    units: dict[str, int] = {}
    for unit, frame, tables in _units(records):
        specs = [t.spec for t in tables]
        old_frame = _previous_frame(unit, previous_records)
        old_specs = before.specs.get(unit) if before is not None else None
        use_previous = old_frame is not None and old_specs
        problem = build_problem(
            frame,
            specs,
            previous=old_frame if use_previous else None,
            previous_specs=old_specs if use_previous else None,
        )
        old_pub = (
            Publication.from_frames(
                {s.name: before.frames[s.name] for s in old_specs or []},
                old_specs or [],
                before.rule,
            )
            if before is not None and use_previous
            else None
        )
        publication = protect(problem, rule, previous_publication=old_pub)
        found = attack(problem, publication, previous_publication=old_pub)
        if found:
            raise PublishError(
                f"the check recovered {len(found)} suppressed cell(s) of the {unit}' tables, "
                f"first {found[0]}: nothing was published"
            )
        checked += sum(1 for v in publication.values if v is None)
        cells += len(publication.cells)
        units[unit] = len(frame)
        for reason in suppressed:
            suppressed[reason] += publication.count(reason)  # type: ignore[arg-type]
        frames = publication.frames()
        for table in tables:
            written[table.name] = (table, _long(frames[table.name], _FIRST[unit]))
    _, left_out = allegation_tables(records.allegations)
    with tempfile.TemporaryDirectory(dir=out.parent if out.parent.exists() else None) as tmp:
        work = Path(tmp) / "publication"
        _write(work, written, rule, source, as_of, title, left_out, before)
        out.parent.mkdir(parents=True, exist_ok=True)
        swap_folder(work, out)
    return PublishResult(
        out=out,
        tables=list(written),
        cells=cells,
        suppressed=suppressed,
        left_out=left_out,
        seconds=time.perf_counter() - started,
        checked=checked,
        units=units,
    )


def _previous_frame(unit: str, previous: Records | None) -> pd.DataFrame | None:
    if previous is None:
        return None
    return {
        "allegations": previous.allegations,
        "matters": previous.matters,
        "list reports": previous.list_reports,
        "penalties": previous.penalties,
    }[unit]


def _long(frame: pd.DataFrame, first: str) -> pd.DataFrame:
    """Add each cell's measure label and its percentage of the first measure in its row,
    from the published values (never the true ones)."""
    out = frame.copy()
    dims = [c for c in frame.columns if c not in ("measure", "value", "suppressed")]
    out["measure_label"] = [_measure_label(m, first) for m in out["measure"]]
    base = out[out["measure"] == COUNT].set_index(dims)["value"] if dims else None
    percents: list[int | None] = []
    for row in out.itertuples(index=False):
        value = row.value
        key = tuple(getattr(row, d) for d in dims)
        bottom = None
        if base is not None:
            bottom = base.get(key if len(dims) > 1 else key[0])
        if (
            row.measure == COUNT
            or pd.isna(value)
            or bottom is None
            or pd.isna(bottom)
            or int(bottom) == 0
        ):
            percents.append(None)
        else:
            percents.append((200 * int(value) + int(bottom)) // (2 * int(bottom)))
    out["percent_of_first"] = pd.array(percents, dtype="Int64")
    return out[[*dims, "measure", "measure_label", "value", "suppressed", "percent_of_first"]]


# -- writing ---------------------------------------------------------------------------------


def _schema(table: Table, frame: pd.DataFrame) -> Schema:
    dims = [c for c in frame.columns if c in table.spec.by]
    parts: list[Any] = [
        fields.StringField(
            name=d,
            title=d.replace("_", " "),
            description=_DIMENSION_WORDS.get(d, d) + f'; "{ALL}" sums over every value',
            constraints={"required": True},
        )
        for d in dims
    ]
    parts += [
        fields.StringField(
            name="measure",
            description="Which count: 'count' is every record in the row; any other, a stage "
            "of the funnel (see measure_label)",
            constraints={"required": True},
        ),
        fields.StringField(name="measure_label", description="The measure, in words"),
        fields.IntegerField(
            name="value",
            description="The count after disclosure control (rounded; empty when suppressed)",
            constraints={"minimum": 0},
        ),
        fields.BooleanField(
            name="suppressed",
            description="true when the count is withheld: under the threshold, or to protect "
            "one that is",
            constraints={"required": True},
        ),
        fields.IntegerField(
            name="percent_of_first",
            description="value as a whole percentage of the row's first measure, from the "
            "published counts; empty where either is withheld",
        ),
    ]
    return Schema(fields=parts)


def _write(
    work: Path,
    written: Mapping[str, tuple[Table, pd.DataFrame]],
    rule: Rule,
    source: str,
    as_of: dt.date,
    title: str,
    left_out: Sequence[str],
    before: _Previous | None,
) -> None:
    (work / "data").mkdir(parents=True)
    (work / "charts").mkdir()
    resources = []
    for name, (table, frame) in written.items():
        csv_path = work / "data" / f"{name}.csv"
        frame.to_csv(csv_path, index=False, lineterminator="\n")
        rows = json.loads(frame.to_json(orient="records"))
        (work / "data" / f"{name}.json").write_text(
            json.dumps(
                {"table": name, "title": table.title, "counts": table.unit, "rows": rows},
                indent=1,
            )
            + "\n",
            encoding="utf-8",
        )
        resources.append(
            Resource(
                name=name.replace("_", "-"),
                path=f"data/{name}.csv",
                title=table.title,
                description=f"{table.description} Counts {table.unit}.",
                format="csv",
                mediatype="text/csv",
                schema=_schema(table, frame),
            )
        )
    package = Package(
        name="custodes-statistics",
        title=title,
        description=f"{source}, as of {as_of.isoformat()}. {_rule_words(rule)}",
        resources=resources,
    )
    package.to_json(str(work / "datapackage.json"))
    charts = _charts(written)
    for name, svg in charts.items():
        (work / "charts" / f"{name}.svg").write_text(svg, encoding="utf-8")
    meta = {
        "format": FORMAT,
        "title": title,
        "source": source,
        "as_of": as_of.isoformat(),
        "published": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "rule": {
            "threshold": rule.threshold,
            "rounding": rule.rounding,
            "protection": rule.width,
            "suppress_zero": rule.suppress_zero,
            "cell_key_noise": rule.max_noise,
            "words": _rule_words(rule),
        },
        "previous": before.as_of.isoformat() if before is not None else None,
        "tables": [
            {"unit": t.unit, "title": t.title, "spec": _spec_json(t.spec)}
            for t, _ in written.values()
        ],
        "left_out": list(left_out),
        "charts": sorted(charts),
        "check": "no suppressed cell can be recovered from the margins, the other tables or "
        + ("the previous publication" if before is not None else "(no previous publication)"),
    }
    (work / "publication.json").write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8")
    (work / "report.html").write_text(_report(written, charts, meta), encoding="utf-8")


def _rule_words(rule: Rule) -> str:
    words = (
        f"Counts under {rule.threshold} are withheld, and others as needed so that none can be "
        f"worked out; the rest are rounded to the nearest {rule.rounding}."
    )
    if rule.perturbation is not None:
        words += f" Each count also carries cell-key noise of up to ±{rule.max_noise}."
    return words


# -- charts (Altair, from published values only) ---------------------------------------------


def _svg(chart: alt.TopLevelMixin) -> str:
    return str(vl_convert.vegalite_to_svg(chart.to_dict()))


def _title(text: str) -> alt.TitleParams:
    return alt.TitleParams(text, subtitle=f"Withheld counts ({SUPPRESSED_MARK}) are not drawn.")


def _by_year(frame: pd.DataFrame, keep: pd.Series) -> pd.DataFrame:
    """Return the published rows by year, then every year together (which small caseloads,
    whose years are mostly withheld, still publish whole)."""
    years = frame[keep & (frame["year"] != ALL)].dropna(subset=["value"])
    every = frame[keep & (frame["year"] == ALL)].dropna(subset=["value"])
    return pd.concat([years, every.assign(year="all years")], ignore_index=True)


def _charts(written: Mapping[str, tuple[Table, pd.DataFrame]]) -> dict[str, str]:
    """Draw the charts from the published values; a chart with nothing published is left out."""
    out: dict[str, str] = {}
    if "funnel" in written:
        frame = written["funnel"][1]
        whole = frame[(frame["category_group"] == ALL) & (frame["year"] == ALL)]
        data = whole[["measure_label", "value"]].dropna()
        order = list(whole["measure_label"])
        if not data.empty:
            out["funnel"] = _svg(
                alt.Chart(
                    data, title=_title("From allegation to outcome (every year and category)")
                )
                .mark_bar(color="#1f4e79")
                .encode(
                    y=alt.Y("measure_label:N", sort=order, title=None),
                    x=alt.X("value:Q", title="allegations"),
                    tooltip=["measure_label", "value"],
                )
                .properties(width=460, height=24 * max(1, len(order)))
            )
        years = frame[(frame["year"] != ALL) & frame["measure"].isin([COUNT, "substantiated"])]
        lines = years[years["category_group"].isin([ALL, "sexual"])].dropna(subset=["value"])
        lines = lines.assign(
            category=lines["category_group"].map(
                {ALL: "every category", "sexual": "sexual misconduct"}
            )
        )
        if lines["year"].nunique() > 1:
            out["trend"] = _svg(
                alt.Chart(lines)
                .mark_line(point=True)
                .encode(
                    x=alt.X("year:O", title="year"),
                    y=alt.Y("value:Q", title="allegations"),
                    color=alt.Color("measure_label:N", title=None),
                    tooltip=["year", "category", "measure_label", "value"],
                )
                .properties(width=560, height=170)
                .facet(
                    row=alt.Row("category:N", title=None),
                    title=_title("By year: received and substantiated"),
                )
                .resolve_scale(y="independent")
            )
    if "timeliness" in written:
        frame = written["timeliness"][1]
        data = _by_year(frame, frame["days_band"] != ALL)
        bands = [label for _, label in DAYS_BANDS]
        if data["value"].sum() > 0:
            out["timeliness"] = _svg(
                alt.Chart(
                    data, title=_title("Days from coming to attention to the end of handling")
                )
                .mark_bar()
                .encode(
                    x=alt.X("year:O", title="year"),
                    y=alt.Y("value:Q", title="share of closed allegations", stack="normalize"),
                    color=alt.Color("days_band:N", title=None, sort=bands),
                    order=alt.Order("band_order:Q"),
                    tooltip=["year", "days_band", "value"],
                )
                .transform_calculate(band_order=f"indexof({json.dumps(bands)}, datum.days_band)")
                .properties(width=560, height=260)
            )
    if "referral_compliance" in written:
        frame = written["referral_compliance"][1]
        data = _by_year(frame, frame["measure"] != COUNT)
        stages = [
            label
            for label in dict.fromkeys(frame["measure_label"])
            if label in set(data["measure_label"])
        ]
        if data["value"].sum() > 0:
            out["referral"] = _svg(
                alt.Chart(data, title=_title("Mandatory referral: required, made, made on time"))
                .mark_bar()
                .encode(
                    x=alt.X("year:O", title="year"),
                    xOffset=alt.XOffset("measure_label:N", sort=stages),
                    y=alt.Y("value:Q", title="matters"),
                    color=alt.Color("measure_label:N", title=None, sort=stages),
                    tooltip=["year", "measure_label", "value"],
                )
                .properties(width=560, height=260)
            )
    return out


# -- the report ------------------------------------------------------------------------------


def _wide(table: Table, frame: pd.DataFrame) -> str:
    """Return a table as HTML: one row per combination, one column per measure."""
    esc = html.escape
    wide = widen(frame.to_dict("records"), table.spec.by)
    head = "".join(f"<th scope='col'>{esc(d.replace('_', ' '))}</th>" for d in wide.dimensions)
    head += "".join(f"<th scope='col' class='n'>{esc(m)}</th>" for m in wide.measures)
    rows = []
    for row in wide.rows:
        cells = "".join(f"<th scope='row'>{esc(k)}</th>" for k in row.keys)
        for count, pct in row.cells:
            cells += (
                f"<td class='n'>{esc(count)}{f' <small>{esc(pct)}</small>' if pct else ''}</td>"
            )
        rows.append(f"<tr{' class=total' if row.total else ''}>{cells}</tr>")
    return (
        f"<table><caption>{esc(table.title)}</caption><thead><tr>{head}</tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def _report(
    written: Mapping[str, tuple[Table, pd.DataFrame]], charts: Mapping[str, str], meta: Any
) -> str:
    esc = html.escape
    sections = []
    for name, (table, frame) in written.items():
        sections.append(
            f"<section id='{esc(name)}'><h2>{esc(table.title)}</h2>"
            f"<p>{esc(table.description)} Counts {esc(table.unit)}. "
            f"<a href='data/{esc(name)}.csv'>CSV</a> · <a href='data/{esc(name)}.json'>JSON</a>"
            f"</p>{_wide(table, frame)}</section>"
        )
    figures = "".join(f"<figure>{svg}</figure>" for svg in charts.values())
    left = "".join(f"<li>{esc(x)}</li>" for x in meta["left_out"])
    return f"""<!doctype html>
<html lang="en-GB"><head><meta charset="utf-8">
<title>{esc(meta["title"])} · {esc(meta["as_of"])}</title>
<style>
body {{ font: 15px/1.45 system-ui, sans-serif; color: #1d2330; margin: 2rem auto;
       max-width: 72rem; padding: 0 1rem; }}
h1 {{ color: #1f4e79; }} figure {{ margin: 1rem 0; overflow-x: auto; }}
table {{ border-collapse: collapse; margin: .5rem 0 2rem; }}
caption {{ text-align: left; font-weight: 600; padding: .3rem 0; }}
th, td {{ padding: .2rem .6rem; border-bottom: 1px solid #d8dde6; text-align: left; }}
td.n, th.n {{ text-align: right; font-variant-numeric: tabular-nums; }}
tr.total th, tr.total td {{ background: #f3f5f9; }}
small {{ color: #5a6372; }}
</style></head><body>
<h1>{esc(meta["title"])}</h1>
<p>{esc(meta["source"])}, as of {esc(meta["as_of"])}. {esc(meta["rule"]["words"])}
{SUPPRESSED_MARK} marks a withheld count. Percentages are of each row's first count, from the
published figures. The data package (<a href='datapackage.json'>datapackage.json</a>) describes
every file and column.</p>
{figures}
{"<h2>Not published</h2><ul>" + left + "</ul>" if left else ""}
{"".join(sections)}
</body></html>
"""


def rule_from_options(
    threshold: int, rounding: int, noise_secret: bytes | None, max_noise: int = 2
) -> Rule:
    """Return the rule a publication's options ask for (the 10-5 rule by default)."""
    return Rule(
        threshold=threshold,
        rounding=rounding,
        perturbation=CellKey(noise_secret, max_noise) if noise_secret else None,
    )


def publish_history(
    history: Path,
    out: Path,
    *,
    as_of: dt.date | None = None,
    rule: Rule | None = None,
    previous: Path | None = None,
    ccrb_penalties: Path | None = None,
    year_start_month: int = 1,
) -> PublishResult:
    """Publish an officer-history folder's statistics as they stood at `as_of` (default: all
    it holds, dated by its latest allegation). With `previous`, the earlier publication's
    tables are rebuilt from the same history as of that publication's date, so no suppressed
    cell can be had by setting the two side by side."""
    problems = check_history(history)
    if problems:
        shown = "; ".join(str(p) for p in problems[:5])
        more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
        raise PublishError(f"{history}: the history does not meet the format: {shown}{more}")
    allegations = allegations_from_history(history, as_of=as_of, year_start_month=year_start_month)
    if allegations.empty:
        raise PublishError(f"{history}: no allegation received by {as_of}: nothing to publish")
    day = as_of or _latest(history)
    penalties = penalty_records(ccrb_penalties) if ccrb_penalties is not None else None
    before = None
    if previous is not None:
        then = dt.date.fromisoformat(read_publication(previous)["as_of"])
        before = Records(
            allegations_from_history(history, as_of=then, year_start_month=year_start_month),
            penalties=penalties,
        )
    return publish(
        out,
        Records(allegations, penalties=penalties),
        source=f"officer history {history.name}",
        as_of=day,
        rule=rule,
        previous=previous,
        previous_records=before,
    )


def _latest(history: Path) -> dt.date:
    con = duckdb.connect()
    load_history(history, con)
    day = con.execute("SELECT max(received_date) FROM allegations").fetchall()[0][0]
    con.close()
    if not isinstance(day, dt.date):
        raise PublishError(f"{history}: no allegation has a received date")
    return day

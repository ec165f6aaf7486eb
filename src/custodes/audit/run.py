"""Run the access audit on an extract and write its outputs, all or nothing."""

from __future__ import annotations

import re
import shutil
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from custodes.audit.catalogue import EXPLANATION_KINDS, Catalogue, load_catalogue
from custodes.audit.checks import VALIDATOR_KEYS
from custodes.audit.config import AuditConfig
from custodes.audit.engine import Engine, make_engine
from custodes.audit.manifest import extract_hashes, file_hash, rules_identity, write_manifest
from custodes.audit.outputs import (
    ALERT_COLUMNS,
    ALERTS_CSV,
    ALERTS_PARQUET,
    EVIDENCE_COLUMNS,
    EVIDENCE_PARQUET,
    EXPLAINED_COLUMNS,
    EXPLAINED_CSV,
    REPORT_HTML,
)
from custodes.audit.pipeline import (
    KEYED,
    Step,
    explain_steps,
    key_clashes_sql,
    kind_code,
    load_steps,
    score_steps,
    signal_steps,
)
from custodes.audit.summary import SignalStats, summarise
from custodes.audit.validate import OPTIONAL_TABLE_NOTES, validate_added, validate_extract
from custodes.errors import CustodesError, EngineError, ExtractError
from custodes.folders import swap_folder
from custodes.lists import spreadsheet_safe
from custodes.signing import SigningKey

__all__ = ["AuditResult", "run_audit"]

# Codings tried before giving up: a clash has odds of about n^2 / 2^64 for n ids, so a
# second coding is already all but certain to succeed.
KEY_ATTEMPTS = 3
# The tables the outputs read after the last step (see _write_outputs and report.py).
OUTPUT_TABLES = frozenset(
    {
        "a_ev",
        "a_ev_sys",
        "a_ist",
        "a_persons",
        "a_shifts",
        "a_staff",
        "a_system",
        "s_event_ids",
        "s_evidence",
        "s_ranked",
        "s_signal",
        "x_ev",
        "x_kind",
    }
)


@dataclass
class AuditResult:
    """What an audit run found, and how long each stage took."""

    out: Path
    staff: int
    look_ups: int
    explained: int
    alerts: int
    top: list[dict[str, object]]
    notes: list[str]
    stage_seconds: dict[str, float] = field(default_factory=dict)
    # The id of the key that signed the run's manifest; None for a run the web app refuses.
    signed_by: str | None = None

    @property
    def explained_share(self) -> float:
        """Return the share of look-ups an explanation covered."""
        return self.explained / self.look_ups if self.look_ups else 1.0


def _sought(catalogue: Catalogue, config: AuditConfig) -> dict[str, str]:
    """Return, per signal, the explanation the audit looked for and did not find."""
    before, after = config.before // 3600, config.after // 86_400
    link = (
        f"an assignment of theirs to an incident with this person from {before} h before to "
        f"{after} days after it"
    )
    return {
        s.id: (
            "a declaration explains it; no work link was found"
            if s.scope == "declared"
            else f"{link}, a reason incident with this person, or a declared association"
        )
        for s in catalogue.signals
    }


def run_audit(
    extract: Path,
    out: Path,
    *,
    engine: str = "duckdb",
    config: AuditConfig | None = None,
    catalogue: Catalogue | None = None,
    rules_text: str | None = None,
    signing_key: SigningKey | None = None,
    spark_master: str | None = None,
    memory_limit: str | None = None,
    on_step: Callable[[Step, int, int], None] | None = None,
    engine_instance: Engine | None = None,
    declared: Sequence[Path] = (),
) -> AuditResult:
    """Audit the extract in `extract`; write alerts, evidence, shares and report to `out`.

    `declared` names files of declared associations (the extract's table's columns, as
    `custodes vetting associations` writes them) whose rows join the extract's own, which is
    left as it is: each is checked as the extract's own file would be, and the manifest lists
    them apart from the extract.
    """
    # `rules_text` is the catalogue's text when it came from a file: the manifest records its
    # SHA-256. With `signing_key` the manifest is signed, as the web app's import requires.
    config = config or AuditConfig()
    rules = rules_identity(catalogue, rules_text)
    if catalogue is None:
        catalogue = load_catalogue(rules_text)
    extract, out = Path(extract), Path(out)
    # An extract that fails validation stops the run before any work, with every problem.
    started = time.perf_counter()
    report = validate_extract(extract)
    report.raise_for_problems()
    declared = [Path(path) for path in declared]
    added_notes = _check_declared(extract, declared) if declared else []
    validation = time.perf_counter() - started
    if out.exists() and any(out.iterdir()) and not (out / ALERTS_CSV).exists():
        raise CustodesError(f"{out} is not empty and holds no earlier audit; not replacing it")
    # Hashed before the engine reads a byte, so the manifest names the files the run read.
    started = time.perf_counter()
    made_from = extract_hashes(extract)
    declared_from = {str(path): file_hash(path) for path in declared}
    fingerprinting = time.perf_counter() - started

    def seal(folder: Path) -> None:
        write_manifest(
            folder,
            extract=made_from,
            rules=rules,
            config=config,
            engine=eng.dialect.name,
            key=signing_key,
            added={"declared_associations": declared_from} if declared_from else None,
        )

    timings: dict[str, float] = {"validation": validation, "fingerprint": fingerprinting}
    eng = engine_instance or make_engine(engine, spark_master, memory_limit)
    try:
        started = time.perf_counter()
        present = eng.load(extract, {"declared_associations": declared})
        timings["load"] = time.perf_counter() - started
        d = eng.dialect

        def later(salt: int) -> list[Step]:
            return [
                *explain_steps(config, catalogue, d),
                *signal_steps(config, catalogue, d, present),
                *score_steps(catalogue, d, salt),
            ]

        total, done = len(load_steps(d)) + len(later(0)), 0

        def step_run(step: Step) -> None:
            nonlocal done
            done += 1
            if on_step:
                on_step(step, min(done, total), total)
            started = time.perf_counter()
            eng.run(step)
            timings[step.stage] = timings.get(step.stage, 0.0) + time.perf_counter() - started

        salt = _load(eng, step_run, timings, report.coded_apart)
        # The validator's notes name every optional table and column the extract lacks and
        # what the audit does without it, as the spec asks the run summary to.
        notes = list(report.notes)
        if declared:
            absent = (
                f"no declared_associations table: {OPTIONAL_TABLE_NOTES['declared_associations']}"
            )
            notes = [note for note in notes if note != absent] + added_notes
        if "person_markers" in present:
            notes += _uncounted_markers(eng, catalogue)
        if "shifts" in present:
            notes += _unrostered(eng)
        steps = later(salt)
        loaded = [step.name for step in load_steps(d)]
        for step, dead in zip(steps, _dead_after(loaded, steps), strict=True):
            step_run(step)
            for name in dead:
                eng.drop(name)
        started = time.perf_counter()
        result = _write_outputs(eng, config, catalogue, extract, out, notes, seal)
        timings["outputs"] = time.perf_counter() - started
    finally:
        if engine_instance is None:
            eng.close()
    result.stage_seconds = timings
    result.signed_by = signing_key.key_id if signing_key is not None else None
    return result


def _check_declared(extract: Path, declared: list[Path]) -> list[str]:
    """Check the declared associations given beside the extract; return the run's note on them.

    Every problem in every file is reported at once, before any work, naming the file as given.
    """
    names = [str(path) for path in declared]
    if len(set(names)) < len(names):
        raise ExtractError("the same declared associations file is given twice")
    found = validate_added(extract, "declared_associations", declared)
    if found.problems:
        lines = "\n".join(str(p) for p in found.problems)
        raise ExtractError(f"the declared associations do not meet the spec:\n{lines}")
    rows = sum(found.rows.values())
    return [
        f"declared_associations: {rows:,} row{'s' if rows != 1 else ''} added from "
        f"{', '.join(names)} (custodes vetting associations), beside the extract's own"
    ]


def _uncounted_markers(eng: Engine, catalogue: Catalogue) -> list[str]:
    """Name the extract's markers that the vulnerable signal does not count, if any."""
    listed = set(catalogue.signal("vulnerable").values("markers"))
    rows = eng.fetch(
        "SELECT marker, count(DISTINCT p) AS people FROM a_markers GROUP BY marker ORDER BY marker"
    ).to_pylist()
    other = [
        f"{r['marker']} ({r['people']:,} {'person' if r['people'] == 1 else 'people'})"
        for r in rows
        if r["marker"] not in listed
    ]
    if not other:
        return []
    return [
        "person_markers: these markers are not counted as vulnerability (list them under the "
        "vulnerable signal's markers and pass the rules with --rules to count them): "
        + ", ".join(other)
    ]


def _unrostered(eng: Engine) -> list[str]:
    """Say how many staff have no shift at all, and so are never weighed as off duty."""
    (row,) = eng.fetch(
        "SELECT count(*) AS n FROM a_staff st "
        "WHERE NOT EXISTS (SELECT 1 FROM a_shifts sh WHERE sh.u = st.u)"
    ).to_pylist()
    n = int(row["n"])
    if not n:
        return []
    who = "member of staff has" if n == 1 else "staff have"
    return [f"shifts: {n:,} {who} no shift in it, so off duty is not weighed for them"]


def _dead_after(loaded: list[str], steps: list[Step]) -> list[list[str]]:
    """Return, per step, the tables that neither a later step nor the outputs read."""
    # At 100 million look-ups the pipeline's tables outgrow memory: dropping each one once it
    # is spent leaves the memory to the tables still to be read, instead of spilling them.
    made = dict.fromkeys(loaded, -1) | {step.name: i for i, step in enumerate(steps)}
    dead: list[list[str]] = [[] for _ in steps]
    for name, born in made.items():
        if name in OUTPUT_TABLES:
            continue
        readers = [i for i, s in enumerate(steps) if re.search(rf"\b{name}\b", s.sql)]
        dead[max([born, 0, *readers])].append(name)
    return dead


def _load(
    eng: Engine,
    step_run: Callable[[Step], None],
    timings: dict[str, float],
    coded_apart: set[str],
) -> int:
    """Code the extract's ids as numbers; return the salt that gave every id its own."""
    clashes: list[dict[str, object]] = []
    for salt in range(KEY_ATTEMPTS):
        for step in load_steps(eng.dialect, salt):
            step_run(step)
        # Validation counted the codes DuckDB's first coding gives: where it found every id
        # of a table coded apart, counting again would only repeat it (14 s at 100 million
        # look-ups). Any other coding, or engine, is counted here.
        same = eng.dialect.key("id", salt) == VALIDATOR_KEYS.key("id")
        tables = [t for t, _, source in KEYED if not (same and source in coded_apart)]
        if not tables:
            return salt
        started = time.perf_counter()
        clashes = [r for r in eng.fetch(key_clashes_sql(tables)).to_pylist() if r["clashes"]]
        timings["load"] += time.perf_counter() - started
        if not clashes:
            return salt
    # UNION ALL promises no row order; name the tables alphabetically so the message is stable.
    shared = ", ".join(
        f"{r['ids']} ({r['clashes']})" for r in sorted(clashes, key=lambda r: str(r["ids"]))
    )
    raise EngineError(f"ids still share numeric keys after {KEY_ATTEMPTS} codings: {shared}")


def _write_outputs(
    eng: Engine,
    config: AuditConfig,
    catalogue: Catalogue,
    extract: Path,
    out: Path,
    notes: list[str],
    seal: Callable[[Path], None],
) -> AuditResult:
    """Fetch the results and write every output file into a fresh folder, then swap it in."""
    ranked = eng.fetch(
        "SELECT r.rank, r.user_id, r.score, r.reasons, r.events, r.first_t, r.last_t, r.u "
        "FROM s_ranked r ORDER BY r.rank"
    )
    stats = eng.fetch("SELECT u, signal, part, n_events, n_people, n_days, n_records FROM s_signal")
    by_user: dict[int, dict[str, SignalStats]] = {}
    for u, signal, part, n_events, n_people, n_days, n_records in zip(
        *(column.to_pylist() for column in stats.columns), strict=True
    ):
        by_user.setdefault(int(u), {})[str(signal)] = SignalStats(
            float(part), int(n_events), int(n_people), int(n_days), int(n_records)
        )
    users = ranked.column("u").to_pylist()
    summaries = [summarise(by_user.get(int(u), {})) for u in users]
    alerts = pa.table(
        {
            "rank": pc.cast(ranked.column("rank"), pa.int64()),
            "user_id": ranked.column("user_id"),
            "score": pc.cast(ranked.column("score"), pa.float64()),
            "summary": pa.array(summaries, pa.string()),
            "reasons": ranked.column("reasons"),
            "events": pc.cast(ranked.column("events"), pa.int64()),
            "first_ts": _ts(ranked.column("first_t")),
            "last_ts": _ts(ranked.column("last_t")),
        }
    ).select(list(ALERT_COLUMNS))
    sought = _sought(catalogue, config)
    evidence = eng.fetch(
        """
        SELECT st.user_id, x.event_id, p.person_id, v.signal, k.how AS explanation_found
        FROM s_evidence v
        JOIN x_kind k ON k.k = v.k
        JOIN s_event_ids x ON x.e = v.e
        JOIN a_staff st ON st.u = v.u
        LEFT JOIN a_persons p ON p.p = v.p
        ORDER BY st.user_id, x.event_id, v.signal
        """
    )
    found = pc.index_in(evidence.column("signal"), value_set=pa.array(list(sought), pa.string()))
    evidence = evidence.append_column(
        "explanation_sought",
        pc.fill_null(pc.take(pa.array(list(sought.values()), pa.string()), found), ""),
    ).select(list(EVIDENCE_COLUMNS))
    explained = _explained_table(eng)

    out.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{out.name}-", dir=out.parent))
    try:
        # The CSVs are for people, who open them in spreadsheets: text from the extract (a
        # user id, a system's name) that begins like a formula is written so none runs. The
        # Parquet files keep it as the extract gave it.
        pacsv.write_csv(_spreadsheet_safe(alerts, "user_id"), work / ALERTS_CSV)
        pq.write_table(alerts, work / ALERTS_PARQUET)
        pq.write_table(evidence, work / EVIDENCE_PARQUET)
        pacsv.write_csv(_spreadsheet_safe(explained, "system"), work / EXPLAINED_CSV)
        from custodes.audit.report import write_report

        staff = int(eng.fetch("SELECT count(*) AS n FROM a_staff").column("n")[0].as_py())
        write_report(
            eng,
            work / REPORT_HTML,
            alerts,
            explained,
            catalogue,
            extract,
            notes,
            config.drawn(staff),
        )
        # The manifest last, over the finished files, before anyone can read them as a run.
        seal(work)
        swap_folder(work, out)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    # The totals come last; a system that is itself called "ALL" comes before them.
    total = explained.slice(explained.num_rows - 1).to_pylist()[0]
    return AuditResult(
        out=out,
        staff=int(staff),
        look_ups=int(total["look_ups"]),
        explained=int(total["explained"]),
        alerts=alerts.num_rows,
        top=alerts.slice(0, 10).to_pylist(),
        notes=notes,
    )


def _spreadsheet_safe(table: pa.Table, name: str) -> pa.Table:
    """Return `table` with column `name`'s text made inert for a spreadsheet."""
    at = table.column_names.index(name)
    cells = [None if v is None else spreadsheet_safe(v) for v in table.column(at).to_pylist()]
    return table.set_column(at, name, pa.array(cells, pa.string()))


def _ts(seconds: pa.ChunkedArray) -> pa.Array:
    micros = pc.multiply(pc.cast(seconds, pa.int64()), 1_000_000)
    return pc.cast(micros, pa.timestamp("us", tz="UTC"))


def _explained_table(eng: Engine) -> pa.Table:
    """Return look-ups and the share explained, per system and for all systems together."""
    kinds = [k for k in EXPLANATION_KINDS if k != "assigned"]
    counts = ", ".join(
        f"coalesce(sum(CASE WHEN ev.k = {kind_code(k)} THEN 1 ELSE 0 END), 0) AS by_{k}"
        for k in kinds
    )
    # Look-ups explained by the user's own assignment are not in x_ev: they are the rest.
    rows = eng.fetch(
        f"""
        SELECT sy.system, t.look_ups,
               {", ".join(f"coalesce(k.by_{k}, 0) AS by_{k}" for k in kinds)},
               t.look_ups - coalesce(k.others, 0) AS by_assigned
        FROM a_ev_sys t
        JOIN a_system sy ON sy.sys = t.sys
        LEFT JOIN (SELECT ev.sys, count(*) AS others, {counts}
                   FROM x_ev ev GROUP BY ev.sys) k
          ON k.sys = t.sys
        ORDER BY sy.system
        """
    ).to_pylist()
    by_kind = [c for c in EXPLAINED_COLUMNS if c.startswith("by_")]
    rows.append(
        {"system": "ALL", **{c: sum(int(r[c]) for r in rows) for c in ["look_ups", *by_kind]}}
    )
    out: dict[str, list[object]] = {name: [] for name in EXPLAINED_COLUMNS}
    for r in rows:
        look_ups, unexplained = int(r["look_ups"]), int(r["by_none"])
        out["system"].append(r["system"])
        out["look_ups"].append(look_ups)
        out["explained"].append(look_ups - unexplained)
        out["share"].append(round((look_ups - unexplained) / look_ups, 6) if look_ups else 1.0)
        for c in by_kind:
            out[c].append(int(r[c]))
    return pa.table(
        {
            name: pa.array(
                values,
                pa.string()
                if name == "system"
                else pa.float64()
                if name == "share"
                else pa.int64(),
            )
            for name, values in out.items()
        }
    )

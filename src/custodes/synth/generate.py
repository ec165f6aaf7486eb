"""Generate a whole synthetic force extract and its truth file, all or nothing."""

from __future__ import annotations

import csv
import shutil
import tempfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa

from custodes.errors import CustodesError
from custodes.folders import swap_folder
from custodes.synth.config import DECOY_PATTERNS, MISCONDUCT_PATTERNS, SynthConfig
from custodes.synth.incidents import (
    KIND_NAMES,
    PERSON_ROLES,
    STAFF_ROLES,
    Incidents,
    build_incidents,
)
from custodes.synth.lookups import ACTIONS, SYSTEMS, EventBuffer, broad_lookups, work_lookups
from custodes.synth.misconduct import ASSOCIATION_KINDS, Planted, plant
from custodes.synth.organisation import Organisation, build_organisation
from custodes.synth.population import MARKERS, SEXES, Population, build_population
from custodes.synth.rota import Rota, build_rota
from custodes.synth.write import dates, ids, take, timestamps, write_table

__all__ = ["SynthResult", "generate", "truth_path_for"]

DAY = 86_400


@dataclass(frozen=True)
class SynthResult:
    """Where an extract was written and how much of each table it holds."""

    out: Path
    truth_path: Path
    counts: dict[str, int]
    truth_counts: dict[str, int]


def truth_path_for(out: Path) -> Path:
    """Return where the truth of the extract in `out` is kept: beside it, never inside."""
    return out.parent / f"{out.name}.truth.csv"


def generate(
    config: SynthConfig,
    out: Path,
    fmt: str = "parquet",
    on_stage: Callable[[str], None] | None = None,
) -> SynthResult:
    """Generate the extract into `out` (replacing an earlier synthetic one) and its truth."""
    if fmt not in ("parquet", "csv"):
        raise CustodesError(f"unknown format {fmt!r}: use 'parquet' or 'csv'")
    out = Path(out)
    truth_path = truth_path_for(out)
    if out.exists() and any(out.iterdir()) and not truth_path.exists():
        raise CustodesError(f"{out} is not empty and is not a synthetic extract; not replacing it")
    stage = on_stage or (lambda _name: None)
    seeds = np.random.SeedSequence(config.seed).spawn(7)
    rng = [np.random.default_rng(s) for s in seeds]

    stage("organisation and rotas")
    org = build_organisation(config.staff, rng[0])
    rota = build_rota(org, config.days, rng[1])
    stage("persons and markers")
    pop = build_population(max(3000, config.staff * 40), org.size, config.start_ts // DAY, rng[2])
    stage("incidents")
    inc = build_incidents(org, rota, pop, config.days, config.incidents_per_staff_day, rng[3])
    stage("look-ups")
    buf = EventBuffer()
    work_lookups(inc, org, rota, pop, config.days * DAY, rng[4], buf)
    broad_lookups(org, rota, pop, rng[5], buf)
    stage("planted misconduct")
    planted = plant(config, org, rota, pop, inc, rng[6], buf)
    events = buf.joined()

    out.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{out.name}-", dir=out.parent))
    try:
        stage("writing")
        counts = _write_all(config, org, rota, pop, inc, planted, events, work, fmt)
        truth_counts = _write_truth(planted, work / "truth.csv")
        _replace(work, out, truth_path)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return SynthResult(out, truth_path, counts, truth_counts)


def _replace(work: Path, out: Path, truth_path: Path) -> None:
    """Swap the finished extract into place, its truth beside it."""
    (work / "truth.csv").replace(truth_path)
    swap_folder(work, out)


def _write_truth(planted: Planted, path: Path) -> dict[str, int]:
    """Write truth.csv (user_id, pattern) and count staff per pattern."""
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["user_id", "pattern"])
        for user, pattern in sorted(planted.truth, key=lambda t: (t[1], t[0])):
            writer.writerow([f"U{user + 1:06d}", pattern])
    counts = Counter(pattern for _, pattern in planted.truth)
    return {p: counts.get(p, 0) for p in (*MISCONDUCT_PATTERNS, *DECOY_PATTERNS)}


def _names(values: tuple[str, ...], index: np.ndarray) -> pa.Array:
    """Return the names of coded values, null for empty names."""
    names = pa.array([v if v else None for v in values], type=pa.string())
    return take(names, index.astype(np.int64))


def _write_all(
    config: SynthConfig,
    org: Organisation,
    rota: Rota,
    pop: Population,
    inc: Incidents,
    planted: Planted,
    events: dict[str, np.ndarray],
    folder: Path,
    fmt: str,
) -> dict[str, int]:
    """Write every table of the extract into `folder`."""
    t0 = config.start_ts
    user_ids = ids("U", org.size, 6)
    person_ids = ids("P", pop.size, 7)
    incident_ids = ids("I", inc.size, 8)
    counts: dict[str, int] = {}

    def write(name: str, columns: dict[str, pa.Array]) -> None:
        counts[name] = write_table(name, columns, folder, fmt)

    write(
        "staff",
        {
            "user_id": user_ids,
            "force": pa.array([config.force] * org.size),
            "role": pa.array(org.role.tolist(), type=pa.string()),
            "unit": take(pa.array(org.units), org.unit.astype(np.int64)),
            "line_manager_id": take(user_ids, org.line_manager.astype(np.int64)),
            "broad_access": pa.array(org.broad_access),
        },
    )
    write(
        "persons",
        {
            "person_id": person_ids,
            "birth_date": dates(pop.birth_day),
            "sex": _names(SEXES, pop.sex),
            "staff_user_id": take(user_ids, pop.staff_user.astype(np.int64)),
        },
    )
    write(
        "incidents",
        {
            "incident_id": incident_ids,
            "kind": _names(KIND_NAMES, inc.kind),
            "opened_at": timestamps(t0, inc.opened),
            "closed_at": timestamps(t0, inc.closed),
        },
    )
    write(
        "incident_persons",
        {
            "incident_id": take(incident_ids, inc.person_incident.astype(np.int64)),
            "person_id": take(person_ids, inc.person.astype(np.int64)),
            "role": _names(PERSON_ROLES, inc.person_role),
        },
    )
    write(
        "incident_staff",
        {
            "incident_id": take(incident_ids, inc.staff_incident.astype(np.int64)),
            "user_id": take(user_ids, inc.staff_user.astype(np.int64)),
            "role": _names(STAFF_ROLES, inc.staff_role),
            "assigned_from": timestamps(t0, inc.assigned_from),
            "assigned_to": timestamps(t0, inc.assigned_to),
        },
    )
    write(
        "access_events",
        {
            "event_id": ids("E", len(events["ts"]), 10),
            "ts": timestamps(t0, events["ts"]),
            "user_id": take(user_ids, events["user"].astype(np.int64)),
            "system": _names(SYSTEMS, events["system"]),
            "action": _names(ACTIONS, events["action"]),
            "person_id": take(person_ids, events["person"].astype(np.int64)),
            "incident_id": take(incident_ids, events["incident"].astype(np.int64)),
            "reason_incident_id": take(incident_ids, events["reason"].astype(np.int64)),
        },
    )
    write(
        "person_markers",
        {
            "person_id": take(person_ids, pop.marker_person.astype(np.int64)),
            "marker": _names(MARKERS, pop.marker_kind),
            "valid_from": dates(pop.marker_from),
            "valid_to": dates(pop.marker_to),
        },
    )
    member, day = np.nonzero(rota.on)
    shift_start = day.astype(np.int64) * DAY + rota.start[member, day]
    write(
        "shifts",
        {
            "user_id": take(user_ids, member.astype(np.int64)),
            "start": timestamps(t0, shift_start),
            "end": timestamps(t0, shift_start + rota.length[member, day]),
        },
    )
    received = np.array(planted.complaint_received, dtype=np.int64)
    c_order = np.argsort(received, kind="stable")
    write(
        "complaints",
        {
            "complaint_id": ids("C", len(received), 6),
            "subject_user_id": take(
                user_ids, np.array(planted.complaint_subject, dtype=np.int64)[c_order]
            ),
            "complainant_person_id": take(
                person_ids, np.array(planted.complaint_person, dtype=np.int64)[c_order]
            ),
            "received_at": timestamps(t0, received[c_order]),
        },
    )
    write(
        "declared_associations",
        {
            "user_id": take(user_ids, np.array(planted.association_user, dtype=np.int64)),
            "person_id": take(person_ids, np.array(planted.association_person, dtype=np.int64)),
            "kind": _names(ASSOCIATION_KINDS, np.array(planted.association_kind)),
            "declared_at": dates(np.array(planted.association_declared, dtype=np.int64)),
        },
    )
    return counts

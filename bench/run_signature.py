"""Time what signing adds to an audit run and its import, on a 10-million look-up extract.

Makes the extract (`custodes synth --staff 20500 --days 90 --seed 1`), a key pair and a signed
run in a scratch folder, then times, as medians of five: hashing the extract (what the audit
adds before its work), and checking the signed run (signature, every output's hash, the
extract's hashes, copies of the files the import reads), which the import adds before reading.
Last, the whole `custodes alerts import` once, into a fresh SQLite database, for scale.
Results: bench/results/run_signature.json.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from custodes.audit import OUTPUT_FILES, verify_run
from custodes.audit.manifest import extract_hashes
from custodes.signing import load_signing_key

ROOT = Path(__file__).resolve().parents[1]
CUSTODES = str(Path(sys.executable).with_name("custodes"))


def run(*args: str, env: dict[str, str] | None = None) -> float:
    """Run a custodes command; return its wall time in seconds."""
    started = time.perf_counter()
    subprocess.run([CUSTODES, *args], check=True, capture_output=True, env=env)
    return time.perf_counter() - started


def median_of(times: int, work: object) -> tuple[float, float, float]:
    """Return the median, lowest and highest wall time of `times` calls of `work`."""
    taken = []
    for _ in range(times):
        started = time.perf_counter()
        work()  # type: ignore[operator]
        taken.append(time.perf_counter() - started)
    return statistics.median(taken), min(taken), max(taken)


def main() -> None:
    """Measure and print the figures, and write them to bench/results."""
    base = Path(tempfile.mkdtemp(prefix="custodes-bench-signature-"))
    extract, out, key = base / "extract", base / "run", base / "keys" / "audit.key"
    run("synth", "--staff", "20500", "--days", "90", "--seed", "1", "--out", str(extract))
    run("keys", "pair", str(key))
    audit = run("audit", str(extract), "--out", str(out), "--signing-key", str(key))
    public = load_signing_key(key).public
    size = sum(p.stat().st_size for p in extract.iterdir())
    hashing = median_of(5, lambda: extract_hashes(extract))

    def check() -> None:
        with tempfile.TemporaryDirectory() as into:
            verify_run(
                out, extract, [public], Path(into), outputs=OUTPUT_FILES, extract_copies=("staff",)
            )

    checking = median_of(5, check)
    env = {
        k: v
        for k, v in os.environ.items()
        if k != "DATABASE_URL" and not k.startswith(("DJANGO_", "CUSTODES_"))
    }
    env |= {"CUSTODES_DATA_DIR": str(base / "web"), "CUSTODES_AUDIT_TRUSTED_KEYS": public.line}
    run("web", "migrate", env=env)
    imported = run("alerts", "import", str(out), "--extract", str(extract), env=env)
    figures = {
        "extract_bytes": size,
        "audit_whole_command_s": round(audit, 2),
        "extract_hash_s": [round(x, 3) for x in hashing],
        "import_check_s": [round(x, 3) for x in checking],
        "import_whole_command_s": round(imported, 2),
    }
    shutil.rmtree(base)
    print(json.dumps(figures, indent=2))
    results = ROOT / "bench" / "results" / "run_signature.json"
    results.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()

"""An audit run's signed manifest: what it was made from and the hash of every file it wrote.

`custodes audit` writes `manifest.json` (and, given a private key, `manifest.sig`) into the run
before it is swapped in; the web app checks both before it reads anything else of the run.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any

from custodes import __version__
from custodes.audit.catalogue import Catalogue, load_catalogue
from custodes.audit.config import AuditConfig
from custodes.audit.extract import locate_files
from custodes.errors import CustodesError
from custodes.signing import (
    AUDIT_RUN,
    BadSignatureError,
    PublicKey,
    SigningError,
    SigningKey,
    read_json,
    verify,
)

__all__ = [
    "FORMAT",
    "MANIFEST",
    "SIGNATURE",
    "FileHash",
    "ManifestError",
    "Rules",
    "VerifiedRun",
    "extract_hashes",
    "file_hash",
    "rules_identity",
    "verify_run",
    "write_manifest",
]

FORMAT = "custodes-audit-run/1"
MANIFEST, SIGNATURE = "manifest.json", "manifest.sig"
# A manifest lists a few dozen files: anything far larger is not one, and is not read whole.
_MOST_BYTES = 1 << 20
_CHUNK = 1 << 20
_NAME = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]*")
_SHA256 = re.compile(r"[0-9a-f]{64}")


class ManifestError(CustodesError):
    """A run's manifest or signature is missing, untrusted or does not match its files."""


@dataclass(frozen=True)
class Rules:
    """The rule catalogue a run used: its SHA-256, and whether it is the packaged one."""

    sha256: str
    packaged: bool


@dataclass(frozen=True)
class FileHash:
    """A file's SHA-256 and size."""

    sha256: str
    size: int

    def as_json(self) -> dict[str, Any]:
        """Return the entry as the manifest writes it."""
        return {"sha256": self.sha256, "bytes": self.size}


@dataclass(frozen=True)
class VerifiedRun:
    """A run whose signature, files and extract all checked out, with copies of what was read."""

    key_id: str
    made_at: str
    engine: str
    version: str
    extract_fingerprint: str
    rules: Rules
    # The checked copies, in a folder only this process uses: read these, not the originals,
    # so nobody can swap a file between its check and its reading.
    outputs: Path
    extract: Path


def _hash(path: Path, copy_to: Path | None = None) -> FileHash:
    """Hash a file, copying it on the way when asked, so the copy is exactly what was hashed."""
    digest, size = hashlib.sha256(), 0
    with path.open("rb") as source:
        target = copy_to.open("xb") if copy_to is not None else None
        try:
            while chunk := source.read(_CHUNK):
                digest.update(chunk)
                size += len(chunk)
                if target is not None:
                    target.write(chunk)
        finally:
            if target is not None:
                target.close()
    return FileHash(digest.hexdigest(), size)


def _extract_files(extract: Path) -> dict[str, Path]:
    """Return the extract's table files by file name, both copies of a table given twice."""
    try:
        layout = locate_files(extract)
    except CustodesError as exc:
        raise ManifestError(str(exc)) from None
    found = {path.name: path for path in layout.files.values()}
    for paths in layout.doubled.values():
        found |= {path.name: path for path in paths}
    return found


def file_hash(path: Path) -> FileHash:
    """Return one file's SHA-256 and size."""
    return _hash(Path(path))


def extract_hashes(extract: Path) -> dict[str, FileHash]:
    """Return the SHA-256 of every table file of an extract, by file name."""
    return {name: _hash(path) for name, path in sorted(_extract_files(Path(extract)).items())}


def _fingerprint(hashes: dict[str, str]) -> str:
    """Return one SHA-256 for a set of files: their names and hashes, in name order."""
    digest = hashlib.sha256()
    for name, sha in sorted(hashes.items()):
        digest.update(f"{name}\x00{sha}\n".encode())
    return digest.hexdigest()


def _canonical(catalogue: Catalogue) -> bytes:
    body = json.dumps(dataclasses.asdict(catalogue), sort_keys=True, default=str)
    return body.encode("utf-8")


def rules_identity(catalogue: Catalogue | None, text: str | None) -> Rules:
    """Identify the rules a run uses: the SHA-256 of their text (of the catalogue if no text)."""
    packaged_text = files("custodes.audit").joinpath("rules.toml").read_text(encoding="utf-8")
    if text is None and catalogue is None:
        text = packaged_text
    if text is not None:
        return Rules(hashlib.sha256(text.encode("utf-8")).hexdigest(), text == packaged_text)
    assert catalogue is not None  # noqa: S101 - the two branches above leave only this
    return Rules(hashlib.sha256(_canonical(catalogue)).hexdigest(), catalogue == load_catalogue())


def write_manifest(
    folder: Path,
    *,
    extract: dict[str, FileHash],
    rules: Rules,
    config: AuditConfig,
    engine: str,
    key: SigningKey | None,
    added: dict[str, dict[str, FileHash]] | None = None,
) -> None:
    """Write manifest.json for every file in `folder`, and manifest.sig when given a key.

    `added` lists, by table, files given beside the extract whose rows joined its own (by the
    path they were given as): apart from the extract's files, whose fingerprint stays theirs.
    """
    outputs = {
        path.name: _hash(path).as_json()
        for path in sorted(Path(folder).iterdir())
        if path.is_file() and path.name not in (MANIFEST, SIGNATURE)
    }
    manifest = {
        "format": FORMAT,
        "custodes": __version__,
        "made_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "engine": engine,
        "config": dataclasses.asdict(config),
        "rules": {"sha256": rules.sha256, "packaged": rules.packaged},
        "extract": {
            "fingerprint": _fingerprint({n: h.sha256 for n, h in extract.items()}),
            "files": {name: h.as_json() for name, h in sorted(extract.items())},
        },
        "outputs": outputs,
        "signed_by": key.key_id if key is not None else None,
    }
    if added:
        manifest["added"] = {
            table: {path: h.as_json() for path, h in sorted(files.items())}
            for table, files in sorted(added.items())
        }
    body = (json.dumps(manifest, indent=2, sort_keys=True) + "\n").encode("utf-8")
    (folder / MANIFEST).write_bytes(body)
    if key is not None:
        (folder / SIGNATURE).write_text(key.sign(AUDIT_RUN, body) + "\n", encoding="ascii")


def _read_small(path: Path) -> bytes:
    with path.open("rb") as f:
        data = f.read(_MOST_BYTES + 1)
    if len(data) > _MOST_BYTES:
        raise ManifestError(f"{path}: more than {_MOST_BYTES:,} bytes; not a manifest")
    return data


def _file_table(where: str, table: object) -> dict[str, FileHash]:
    """Read a manifest's table of file names to hashes and sizes, strictly."""
    if not isinstance(table, dict):
        raise ManifestError(f"{where}: not a table of files")
    out: dict[str, FileHash] = {}
    for name, entry in table.items():
        ok = (
            _NAME.fullmatch(name)
            and isinstance(entry, dict)
            and set(entry) == {"sha256", "bytes"}
            and isinstance(entry["sha256"], str)
            and _SHA256.fullmatch(entry["sha256"])
            and type(entry["bytes"]) is int
            and entry["bytes"] >= 0
        )
        if not ok:
            raise ManifestError(f"{where}: entry {name!r} is not a file name with its hash")
        out[name] = FileHash(entry["sha256"], entry["bytes"])
    return out


def _parse(path: Path, body: bytes) -> dict[str, Any]:
    try:
        manifest = read_json(body)
    except (UnicodeDecodeError, ValueError) as exc:
        raise ManifestError(f"{path}: not a manifest: {exc}") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ManifestError(f"{path}: not a manifest of format {FORMAT}")
    for name, kind in (
        ("custodes", str),
        ("made_at", str),
        ("engine", str),
        ("signed_by", str),
        ("rules", dict),
        ("extract", dict),
    ):
        if not isinstance(manifest.get(name), kind):
            raise ManifestError(f"{path}: {name} is missing or not a {kind.__name__}")
    rules, extract = manifest["rules"], manifest["extract"]
    if not (
        isinstance(rules.get("sha256"), str)
        and _SHA256.fullmatch(rules["sha256"])
        and isinstance(rules.get("packaged"), bool)
    ):
        raise ManifestError(f"{path}: rules has no SHA-256 or no packaged flag")
    if not (
        isinstance(extract.get("fingerprint"), str) and _SHA256.fullmatch(extract["fingerprint"])
    ):
        raise ManifestError(f"{path}: extract has no fingerprint")
    return manifest


def _changed(
    folder: Path, listed: dict[str, FileHash], copy_to: Path | None, copied: Iterable[str]
) -> list[str]:
    """Return what differs between the files listed and those in `folder`, one phrase each."""
    problems: list[str] = []
    keep = set(copied)
    for name, signed in sorted(listed.items()):
        path = folder / name
        if not path.is_file():
            problems.append(f"{name} is missing")
            continue
        found = _hash(path, copy_to / name if copy_to is not None and name in keep else None)
        if found != signed:
            problems.append(
                f"{name} differs (SHA-256 {found.sha256[:16]}…, {found.size:,} bytes; "
                f"signed {signed.sha256[:16]}…, {signed.size:,} bytes)"
            )
    return problems


def verify_run(
    run_dir: Path,
    extract_dir: Path,
    trusted: Sequence[PublicKey],
    into: Path,
    *,
    outputs: Sequence[str],
    extract_copies: Sequence[str] = (),
) -> VerifiedRun:
    """Check a run's signature, then every file's hash, then that it was made from the extract."""
    # The checked `outputs`, and the extract's tables named in `extract_copies`, are copied
    # into `into` as they are hashed: the caller reads those copies, never the originals.
    run_dir, extract_dir, into = Path(run_dir), Path(extract_dir), Path(into)
    manifest_path, signature_path = run_dir / MANIFEST, run_dir / SIGNATURE
    if not signature_path.is_file():
        absent = SIGNATURE if manifest_path.is_file() else f"{MANIFEST} or {SIGNATURE}"
        raise ManifestError(
            f"{run_dir}: the run is not signed (no {absent}): only a run signed by `custodes "
            "audit --signing-key` (or CUSTODES_AUDIT_SIGNING_KEY_FILE) with a key the web app "
            "trusts is imported"
        )
    if not manifest_path.is_file():
        raise ManifestError(f"{run_dir}: {MANIFEST} is missing; {SIGNATURE} signs nothing")
    if not trusted:
        raise ManifestError(
            "the web app trusts no audit signing key, so it imports no run: set "
            "CUSTODES_AUDIT_TRUSTED_KEYS (or _FILE) to the audit machine's public key line"
        )
    body = _read_small(manifest_path)
    signature = _read_small(signature_path).decode("ascii", errors="replace")
    try:
        key = verify(trusted, AUDIT_RUN, body, signature, str(signature_path))
    except BadSignatureError:
        raise ManifestError(
            f"{manifest_path}: does not match its signature {SIGNATURE}: the manifest, or the "
            "signature, was altered after the audit signed the run"
        ) from None
    except SigningError as exc:
        raise ManifestError(str(exc)) from None
    manifest = _parse(manifest_path, body)
    if manifest["signed_by"] != key.key_id:
        raise ManifestError(
            f"{manifest_path}: names key {manifest['signed_by']}, signed by {key.key_id}"
        )
    listed = _file_table(f"{manifest_path}: outputs", manifest.get("outputs"))
    unlisted = [name for name in outputs if name not in listed]
    if unlisted:
        raise ManifestError(f"{manifest_path}: does not list {', '.join(unlisted)}")
    copies = into / "run"
    copies.mkdir(parents=True)
    changed = _changed(run_dir, listed, copies, outputs)
    if changed:
        raise ManifestError(f"{run_dir}: changed since the audit signed it: {'; '.join(changed)}")
    made_from = _file_table(f"{manifest_path}: extract files", manifest["extract"].get("files"))
    if (
        _fingerprint({n: h.sha256 for n, h in made_from.items()})
        != manifest["extract"]["fingerprint"]
    ):
        raise ManifestError(f"{manifest_path}: the extract's fingerprint is not its files'")
    extract_copy = into / "extract"
    extract_copy.mkdir(parents=True)
    present = _extract_files(extract_dir)
    wanted = [name for name in present if Path(name).stem in extract_copies]
    problems = _changed(extract_dir, made_from, extract_copy, wanted)
    problems += [f"{name} was not in it" for name in sorted(set(present) - set(made_from))]
    if problems:
        raise ManifestError(
            f"{extract_dir}: not the extract the run was made from: {'; '.join(problems)}"
        )
    rules = manifest["rules"]
    return VerifiedRun(
        key_id=key.key_id,
        made_at=manifest["made_at"],
        engine=manifest["engine"],
        version=manifest["custodes"],
        extract_fingerprint=manifest["extract"]["fingerprint"],
        rules=Rules(rules["sha256"], rules["packaged"]),
        outputs=copies,
        extract=extract_copy,
    )

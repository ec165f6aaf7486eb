"""A clean copy of a reporter's file, made by mat2, for the handlers; the original stays sealed."""

from __future__ import annotations

import functools
import io
import posixpath
import tempfile
import zipfile
from pathlib import Path
from types import ModuleType
from xml.etree import ElementTree

from custodes.files.errors import FileRefused, ScrubberUnavailable
from custodes.files.kinds import ALLOWED, DOCX, PDF, PPTX, XLSX, sniff

RELATIONSHIPS = "http://schemas.openxmlformats.org/package/2006/relationships"


@functools.cache
def _parser_factory() -> ModuleType:
    """Return mat2's parser factory, or say which part of the machine is missing."""
    try:
        import libmat2
        from libmat2 import parser_factory
    except (ImportError, ValueError) as error:  # gi.require_version raises ValueError
        raise ScrubberUnavailable(
            f"mat2 cannot load ({error}): run `make files-deps` to install its Debian packages"
        ) from error
    missing = [
        name
        for name, found in libmat2.check_dependencies().items()
        if found["required"] and not found["found"]
    ]
    if missing:
        raise ScrubberUnavailable(f"mat2 needs {', '.join(missing)}: run `make files-deps`")
    factory: ModuleType = parser_factory
    return factory


def scrub(data: bytes, content_type: str, *, name: str = "") -> bytes:
    """Return a copy of the file with its metadata removed, as mat2 removes it."""
    kind = sniff(data, name)
    if kind != content_type:
        raise FileRefused(name, f"it was given as {content_type} but its bytes are {kind}")
    factory = _parser_factory()
    extension, label = ALLOWED[kind]
    with tempfile.TemporaryDirectory(prefix="custodes-scrub-") as folder:
        # mat2 picks its parser from the extension: the upload's own name never reaches the disk.
        source = Path(folder) / f"upload{extension}"
        source.write_bytes(data)
        try:
            parser, _ = factory.get_parser(str(source))
            if parser is None:
                raise FileRefused(name, f"mat2 has no cleaner for a {label}")
            # A PDF is redrawn as vector pages, so its text stays searchable; mat2's thorough
            # mode would turn each page into a picture.
            parser.lightweight_cleaning = kind == PDF
            cleaned = parser.remove_all()
            output = Path(parser.output_filename)
        except (ValueError, RuntimeError, OSError) as error:
            reason = f"the {label} could not be read to clean it ({error})"
            raise FileRefused(name, reason) from error
        if not cleaned or not output.is_file():
            raise FileRefused(name, f"mat2 could not clean this {label}")
        copy = output.read_bytes()
    if kind not in (DOCX, XLSX, PPTX):
        return copy
    try:
        return _drop_dangling_relationships(copy)
    except (zipfile.BadZipFile, ElementTree.ParseError) as error:
        raise FileRefused(name, f"mat2's copy of the {label} is damaged ({error})") from error


def _drop_dangling_relationships(document: bytes) -> bytes:
    """Return the OOXML package without relationships to parts that are no longer in it.

    mat2 removes parts such as customXml/ but leaves the relationships that point at them, and
    Word and python-docx then refuse the document as damaged.
    """
    source = zipfile.ZipFile(io.BytesIO(document))
    names = set(source.namelist())
    out = io.BytesIO()
    with source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename.endswith(".rels"):
                data = _keep_present(data, item.filename, names)
            target.writestr(item, data)
    return out.getvalue()


def _keep_present(rels: bytes, path: str, names: set[str]) -> bytes:
    """Return a relationships part without its internal targets that are missing."""
    root = ElementTree.fromstring(rels)  # noqa: S314 (mat2 has just parsed and written it)
    # "word/_rels/document.xml.rels" speaks for "word/document.xml": targets are relative to word/.
    base = posixpath.dirname(posixpath.dirname(path))
    dangling = [
        rel
        for rel in root
        if rel.get("TargetMode") != "External"
        and posixpath.normpath(
            rel.get("Target", "").lstrip("/")
            if rel.get("Target", "").startswith("/")
            else posixpath.join(base, rel.get("Target", ""))
        )
        not in names
    ]
    if not dangling:
        return rels
    for rel in dangling:
        root.remove(rel)
    # mat2 registers the namespaces it meets in the same way, so the part keeps its prefixes.
    ElementTree.register_namespace("", RELATIONSHIPS)
    written: bytes = ElementTree.tostring(root, encoding="utf-8", xml_declaration=True)
    return written

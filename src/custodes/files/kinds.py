"""What a reporter's file really is, read from its bytes by libmagic, never from its name."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Mapping
from pathlib import PurePosixPath, PureWindowsPath
from types import MappingProxyType

import magic

from custodes.files.errors import FileRefused

JPEG = "image/jpeg"
PNG = "image/png"
GIF = "image/gif"
PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
ODT = "application/vnd.oasis.opendocument.text"
ODS = "application/vnd.oasis.opendocument.spreadsheet"
TEXT = "text/plain"

# The kinds the portal takes, each with the extension mat2 knows it by and a name for people.
ALLOWED: Mapping[str, tuple[str, str]] = MappingProxyType(
    {
        JPEG: (".jpg", "JPEG photo"),
        PNG: (".png", "PNG image"),
        GIF: (".gif", "GIF image"),
        PDF: (".pdf", "PDF document"),
        DOCX: (".docx", "Word document"),
        XLSX: (".xlsx", "Excel spreadsheet"),
        PPTX: (".pptx", "PowerPoint presentation"),
        ODT: (".odt", "OpenDocument text"),
        ODS: (".ods", "OpenDocument spreadsheet"),
        TEXT: (".txt", "plain text"),
    }
)
OFFICE = frozenset({DOCX, XLSX, PPTX, ODT, ODS})

# Names that say "run me": refused even when the bytes look harmless (a batch file or a script
# is plain text to libmagic), so a handler's system never offers to open one.
RUNNABLE_EXTENSIONS = frozenset(
    {
        ".apk", ".app", ".appx", ".bat", ".bin", ".cmd", ".com", ".cpl", ".dll", ".dmg", ".docm",
        ".dotm", ".elf", ".exe", ".gadget", ".hta", ".inf", ".ins", ".jar", ".js", ".jse", ".ko",
        ".lnk", ".msc", ".msi", ".msix", ".msp", ".pif", ".pl", ".potm", ".ppam", ".ppsm",
        ".pptm", ".ps1", ".psm1", ".py", ".pyw", ".rb", ".reg", ".run", ".scf", ".scr", ".sct",
        ".sh", ".so", ".sys", ".url", ".vb", ".vbe", ".vbs", ".ws", ".wsc", ".wsf", ".wsh",
        ".xlam", ".xlsm", ".xltm", ".command", ".csh", ".ksh", ".zsh", ".bash", ".php", ".html",
        ".htm", ".svg", ".xhtml", ".mht", ".mhtml", ".iso", ".img", ".vhd", ".vhdx",
    }
)  # fmt: skip
# Inside an office file: a VBA project (OOXML) or Basic and scripts (OpenDocument) are macros.
MACRO_PARTS = re.compile(r"(^|/)vbaProject\.bin$|^(Basic|Scripts)/|(^|/)activeX/", re.IGNORECASE)


def _extension(name: str) -> str:
    """Return a name's last extension in lower case, however the browser sent the path."""
    base = PureWindowsPath(PurePosixPath(name).name).name
    return PurePosixPath(base.rstrip(". ")).suffix.lower()


# An office file says what it is inside: OOXML in [Content_Types].xml (the main part's type),
# OpenDocument in its `mimetype` entry. libmagic reads only the first zip entries, so a document
# whose parts another tool reordered (mat2 does) is to it just "Microsoft OOXML".
OOXML_MAIN = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml": DOCX,
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml": XLSX,
    "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml": PPTX,
}
CONTENT_TYPE = re.compile(rb'ContentType="([^"]+)"')
ZIP_KINDS = frozenset({"application/zip", *OFFICE})


def _office_kind(data: bytes, name: str) -> str:
    """Return the kind of office document a zip holds, refusing archives and macros."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            parts = set(archive.namelist())
            if "mimetype" in parts:
                kind = archive.read("mimetype").decode("ascii", "replace").strip()
            elif "[Content_Types].xml" in parts:
                types = CONTENT_TYPE.findall(archive.read("[Content_Types].xml"))
                if any(b"macroEnabled" in found for found in types):
                    raise FileRefused(name, "it is an office document with macros (code that runs)")
                main = [OOXML_MAIN[t.decode()] for t in types if t.decode() in OOXML_MAIN]
                kind = main[0] if main else "an office file of another kind"
            else:
                raise FileRefused(name, "it is a Zip archive, not an office document")
    except (zipfile.BadZipFile, OSError, UnicodeDecodeError) as error:
        raise FileRefused(name, f"it is a damaged Zip or office file ({error})") from error
    if kind not in OFFICE:
        raise FileRefused(name, f"it is {kind}, not a document the portal takes")
    if any(MACRO_PARTS.search(part) for part in parts):
        raise FileRefused(name, "it is an office document with macros (code that runs)")
    return kind


def sniff(data: bytes, name: str) -> str:
    """Return the file's real content type, or refuse it if the portal does not take its kind."""
    if not data:
        raise FileRefused(name, "it is empty (0 bytes)")
    extension = _extension(name)
    if extension in RUNNABLE_EXTENSIONS:
        raise FileRefused(name, f"files named {extension} can run as programs")
    kind = magic.from_buffer(data, mime=True)
    described = magic.from_buffer(data)
    if kind in ZIP_KINDS or described.startswith("Microsoft OOXML"):
        return _office_kind(data, name)
    if kind not in ALLOWED:
        raise FileRefused(
            name,
            f"it is {described} ({kind}); the portal takes only "
            + ", ".join(label for _, label in ALLOWED.values()),
        )
    if kind == TEXT and data.lstrip(b"\xef\xbb\xbf").startswith(b"#!"):
        raise FileRefused(name, "it is a script (it starts with #!)")
    return kind

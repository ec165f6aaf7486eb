"""Reporters' files: the handlers' copy keeps what the file shows and loses who and what made it."""

from __future__ import annotations

import io
import subprocess
import sys
import zipfile
from collections.abc import Callable

import gi
import pikepdf
import pytest
from docx import Document
from openpyxl import load_workbook  # type: ignore[import-untyped]
from PIL import Image

from custodes.errors import CustodesError
from custodes.files import ALLOWED, FileRefused, scrub, sniff
from tests.fixtures import files as samples

gi.require_version("Poppler", "0.18")
from gi.repository import GLib, Poppler  # noqa: E402

PERSONAL = [samples.AUTHOR, samples.EDITOR, samples.CAMERA_SERIAL, samples.PDF_PRODUCER]


def _leaks(data: bytes) -> list[str]:
    """Return the personal strings found anywhere in a file, inside its zip parts too."""
    texts = [data]
    if data.startswith(b"PK"):
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            texts += [archive.read(part) for part in archive.namelist()]
    return sorted({value for value in PERSONAL for text in texts if value.encode("utf-8") in text})


def _pdf_text(data: bytes) -> str:
    document = Poppler.Document.new_from_bytes(GLib.Bytes.new(data), None)
    return "".join(document.get_page(i).get_text() for i in range(document.get_n_pages()))


def _clean(data: bytes, name: str) -> bytes:
    """Sniff and scrub as the portal does, and check the copy is still the same kind of file."""
    kind = sniff(data, name)
    cleaned = scrub(data, kind, name=name)
    assert sniff(cleaned, name) == kind
    return cleaned


def test_a_photo_loses_its_gps_camera_and_serial_but_keeps_its_picture() -> None:
    photo = samples.jpeg_with_gps()
    before = Image.open(io.BytesIO(photo))
    exif = before.getexif()
    assert exif[samples.MODEL] == samples.CAMERA_MODEL
    assert exif.get_ifd(samples.GPS_IFD)[2] == (51.0, 30.0, 26.0)
    assert exif.get_ifd(samples.EXIF_IFD)[samples.BODY_SERIAL] == samples.CAMERA_SERIAL

    cleaned = _clean(photo, "IMG_0412.JPG")

    after = Image.open(io.BytesIO(cleaned))
    left = after.getexif()
    assert dict(left) == {}
    assert left.get_ifd(samples.GPS_IFD) == {}
    assert _leaks(cleaned) == []
    assert samples.CAMERA_MAKE.encode() not in cleaned
    assert after.size == before.size
    # The red square the reporter photographed is still there (JPEG re-encodes, so near enough).
    red, green, blue = after.convert("RGB").getpixel((20, 20))  # type: ignore[misc]
    assert red > 150 > green and blue < 100


def test_a_png_loses_its_text_chunks_and_not_a_pixel() -> None:
    image = samples.png_with_text()
    before = Image.open(io.BytesIO(image))
    assert before.info["Author"] == samples.AUTHOR
    assert samples.AUTHOR in str(before.info["Comment"])

    cleaned = _clean(image, "screenshot.png")

    after = Image.open(io.BytesIO(cleaned))
    assert not {"Author", "Software", "Comment"} & set(after.info)
    assert _leaks(cleaned) == []
    assert after.size == before.size
    assert after.convert("RGB").tobytes() == before.convert("RGB").tobytes()


def test_a_gif_loses_its_comment() -> None:
    image = samples.gif_with_comment()
    assert samples.AUTHOR.encode() in Image.open(io.BytesIO(image)).info["comment"]

    cleaned = _clean(image, "animation.gif")

    after = Image.open(io.BytesIO(cleaned))
    assert "comment" not in after.info
    assert _leaks(cleaned) == []
    assert after.size == (64, 48)


def test_a_pdf_loses_author_creator_producer_and_xmp_but_its_text_stays_searchable() -> None:
    document = samples.pdf_with_metadata()
    with pikepdf.open(io.BytesIO(document)) as before:
        assert str(before.docinfo["/Author"]) == samples.AUTHOR
        assert str(before.docinfo["/Producer"]) == samples.PDF_PRODUCER
        assert samples.AUTHOR in str(before.open_metadata())
    assert samples.BODY in _pdf_text(document)

    cleaned = _clean(document, "statement.pdf")

    with pikepdf.open(io.BytesIO(cleaned)) as after:
        info = {str(key): str(value) for key, value in after.docinfo.items()}
        assert not {"/Author", "/Creator", "/Producer", "/Title"} & set(info)
        assert "/Metadata" not in after.Root
        assert len(after.pages) == 1
    assert _leaks(cleaned) == []
    assert samples.PDF_CREATOR.encode() not in cleaned
    assert samples.BODY in _pdf_text(cleaned)


def test_a_word_document_loses_its_author_and_last_editor_but_keeps_its_words() -> None:
    document = samples.docx_with_author()
    before = Document(io.BytesIO(document)).core_properties
    assert (before.author, before.last_modified_by) == (samples.AUTHOR, samples.EDITOR)

    cleaned = _clean(document, "what happened.docx")

    after = Document(io.BytesIO(cleaned))
    assert after.core_properties.author in ("", None)
    assert after.core_properties.last_modified_by in ("", None)
    assert [paragraph.text for paragraph in after.paragraphs] == [samples.BODY]
    assert _leaks(cleaned) == []


def test_a_spreadsheet_loses_its_creator_but_keeps_its_cells() -> None:
    sheet = samples.xlsx_with_creator()
    assert load_workbook(io.BytesIO(sheet)).properties.creator == samples.AUTHOR

    cleaned = _clean(sheet, "dates.xlsx")

    after = load_workbook(io.BytesIO(cleaned))
    assert after.properties.creator != samples.AUTHOR
    assert after.active["A1"].value == samples.BODY
    assert _leaks(cleaned) == []


def test_an_opendocument_text_loses_its_creator_but_keeps_its_words() -> None:
    document = samples.odt_with_creator()
    assert set(_leaks(document)) == {samples.AUTHOR, samples.EDITOR}

    cleaned = _clean(document, "account.odt")

    with zipfile.ZipFile(io.BytesIO(cleaned)) as after:
        assert samples.BODY.encode() in after.read("content.xml")
        assert after.read("mimetype") == b"application/vnd.oasis.opendocument.text"
    assert _leaks(cleaned) == []
    assert samples.SOFTWARE.encode() not in cleaned


def test_plain_text_comes_through_as_it_was() -> None:
    text = f"{samples.BODY}\nPlease call me after six.\n".encode()
    assert _clean(text, "notes.txt") == text


@pytest.mark.parametrize(
    ("make", "name", "why"),
    [
        (samples.elf_program, "holiday.jpg", "ELF"),
        (samples.windows_program, "statement.pdf", "PE32"),
        (samples.shell_script, "notes.txt", "script"),
        (lambda: samples.docm_from(samples.docx_with_author()), "letter.docx", "macros"),
        (lambda: samples.docm_from(samples.docx_with_author()), "letter.docm", ".docm"),
        (lambda: b"@echo off\r\ndel /q C:\\*\r\n", "readme.bat", ".bat"),
        (samples.jpeg_with_gps, "photo.jpg.exe", ".exe"),
        (lambda: b"", "photo.jpg", "empty"),
    ],
    ids=[
        "ELF named .jpg",
        "PE named .pdf",
        "shell script named .txt",
        "macro document named .docx",
        ".docm",
        "batch file",
        "photo named .exe",
        "zero bytes",
    ],
)
def test_programs_scripts_and_macros_are_refused_whatever_they_are_called(
    make: Callable[[], bytes], name: str, why: str
) -> None:
    data = make()
    with pytest.raises(FileRefused) as refused:
        sniff(data, name)
    message = str(refused.value)
    assert message.startswith(f"{name} was refused: ")
    assert why in message
    # scrub sniffs for itself, so a caller that skipped sniff still cannot clean a program.
    with pytest.raises(FileRefused):
        scrub(data, "image/jpeg", name=name)


def test_an_archive_that_is_not_an_office_document_is_refused() -> None:
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as plain:
        plain.writestr("payload.exe", samples.windows_program())
    with pytest.raises(FileRefused, match=r"^evidence\.docx was refused: .*Zip archive"):
        sniff(archive.getvalue(), "evidence.docx")


def test_a_file_given_as_another_kind_is_refused_by_scrub() -> None:
    with pytest.raises(FileRefused, match="given as image/png but its bytes are image/jpeg"):
        scrub(samples.jpeg_with_gps(), "image/png", name="photo.png")


def test_a_damaged_pdf_is_refused_not_passed_through() -> None:
    broken = b"%PDF-1.7\n" + samples.AUTHOR.encode() + b" nothing else of a PDF here\n"
    assert sniff(broken, "broken.pdf") == "application/pdf"
    with pytest.raises(FileRefused, match=r"^broken\.pdf was refused: the PDF document could not"):
        scrub(broken, "application/pdf", name="broken.pdf")


def test_the_refusal_is_a_custodes_error_and_every_allowed_kind_is_named() -> None:
    assert issubclass(FileRefused, CustodesError)
    with pytest.raises(FileRefused) as refused:
        sniff(samples.elf_program(), "a.png")
    for _, label in ALLOWED.values():
        assert label in str(refused.value)


def test_importing_the_file_library_loads_no_django_and_no_mat2() -> None:
    # mat2 pulls in GObject and Poppler: loaded on the first scrub, not by importing the face.
    code = (
        "import sys, custodes.files\n"
        "print(sorted({n.split('.')[0] for n in sys.modules} & {'django', 'libmat2', 'gi'}))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"

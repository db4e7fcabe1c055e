"""Attachments: uploads are judged by their content, stored under random names, and downloaded safely."""

import hashlib
import io
import os
import struct
import zipfile
import zlib
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile, TemporaryUploadedFile
from django.db import connection, models
from django.http import Http404
from PIL import Image

from portico.core import attachments
from portico.core.attachments import (
    KINDS,
    AttachmentBase,
    attachment_response,
    clean_filename,
    save_attachment,
    validate_upload,
)
from portico.core.storage import private_storage

ALL_TYPES = tuple(KINDS)
MB = 1024 * 1024


class SampleAttachment(AttachmentBase):
    """A concrete attachment for these tests; its table exists only while this module runs."""

    label = models.CharField(max_length=20, blank=True)

    class Meta:
        app_label = "core"
        managed = False  # no migration: never part of the test database's serialized snapshot
        default_permissions = ()  # nor of the staff roles


@pytest.fixture(scope="module")
def sample_table(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        with connection.schema_editor() as editor:
            editor.create_model(SampleAttachment)
        yield
        with connection.schema_editor() as editor:
            editor.delete_model(SampleAttachment)


# ---------------------------------------------------------------- files to upload


def upload(name, content):
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def check(name, content, *, allowed=ALL_TYPES, max_bytes=MB):
    return validate_upload(upload(name, content), max_bytes=max_bytes, allowed_types=allowed)


def refusal(name, content, **kwargs) -> ValidationError:
    with pytest.raises(ValidationError) as error:
        check(name, content, **kwargs)
    return error.value


def image(fmt, size=(4, 3)):
    buffer = io.BytesIO()
    Image.new("RGB", size, "teal").save(buffer, fmt)
    return buffer.getvalue()


def png_header(width, height):
    """A PNG that declares its size and nothing else: enough for a decoder to decide how much memory to take."""

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IEND", b"")
    )


def archive(*members, compression=zipfile.ZIP_DEFLATED):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as zf:
        for name, data in members:
            zf.writestr(name, data, compress_type=zipfile.ZIP_STORED if name == "mimetype" else compression)
    return buffer.getvalue()


CONTENT_TYPES = b'<Types><Default Extension="xml" ContentType="application/xml"/></Types>'


def office_open_xml(part, *extra, content_types=CONTENT_TYPES):
    return archive(
        ("[Content_Types].xml", content_types), ("_rels/.rels", b"<Relationships/>"), (part, b"<x/>"), *extra
    )


def open_document(kind, *extra):
    return archive(("mimetype", KINDS[kind].mime.encode()), ("content.xml", b"<office:document/>"), *extra)


def overlapping_zip(copies=5):
    """A zip whose directory lists the same compressed data several times (the overlapping-files bomb)."""
    data = archive(("a", bytes(MB)))
    end = data.rindex(b"PK\x05\x06")
    central = data.index(b"PK\x01\x02")
    entry = data[central:end]
    entries = b"".join(entry[:46] + bytes([ord("a") + i]) + entry[47:] for i in range(copies))
    eocd = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, copies, copies, len(entries), central, 0)
    return data[:central] + entries + eocd


# ---------------------------------------------------------------- accepted files


@pytest.mark.parametrize(
    ("name", "content", "kind", "content_type", "is_image"),
    [
        ("scan.pdf", b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n", "pdf", "application/pdf", False),
        ("photo.png", image("PNG"), "png", "image/png", True),
        ("photo.jpg", image("JPEG"), "jpg", "image/jpeg", True),
        ("photo.jpeg", image("JPEG"), "jpg", "image/jpeg", True),
        ("anim.gif", image("GIF"), "gif", "image/gif", True),
        ("shot.webp", image("WEBP"), "webp", "image/webp", True),
        ("notes.txt", "Grüße, 你好\n".encode(), "txt", "text/plain", False),
        ("server.log", b"\x1b[31mERROR\x1b[0m disk full\r\n", "txt", "text/plain", False),
        ("data.csv", b"\xef\xbb\xbfname;amount\r\nAcme;-12,50\r\n", "csv", "text/csv", False),
        ("mail.eml", b"From: a@example.com\r\nSubject: Hi\r\n\r\nHello\r\n", "eml", "message/rfc822", False),
        ("files.zip", archive(("a.txt", b"hello"), ("b/c.txt", b"world")), "zip", "application/zip", False),
        ("letter.docx", office_open_xml("word/document.xml"), "docx", KINDS["docx"].mime, False),
        ("sheet.xlsx", office_open_xml("xl/workbook.xml"), "xlsx", KINDS["xlsx"].mime, False),
        ("slides.pptx", office_open_xml("ppt/presentation.xml"), "pptx", KINDS["pptx"].mime, False),
        ("letter.odt", open_document("odt"), "odt", KINDS["odt"].mime, False),
        ("sheet.ods", open_document("ods"), "ods", KINDS["ods"].mime, False),
    ],
)
def test_genuine_files_are_accepted_with_their_sniffed_type(name, content, kind, content_type, is_image):
    checked = check(name, content)
    assert (checked.kind, checked.content_type, checked.is_image) == (kind, content_type, is_image)
    assert checked.name == name
    assert checked.size == len(content)
    assert checked.sha256 == hashlib.sha256(content).hexdigest()
    assert checked.file.read() == content  # handed back rewound, ready to store


def test_a_docx_written_by_libreoffice_with_its_parts_in_another_order_is_a_docx():
    content = archive(
        ("_rels/.rels", b"<Relationships/>"),
        ("docProps/app.xml", b"<x/>"),
        ("docProps/core.xml", b"<x/>"),
        ("word/_rels/document.xml.rels", b"<x/>"),
        ("word/styles.xml", b"<x/>"),
        ("word/document.xml", b"<x/>"),
        ("[Content_Types].xml", CONTENT_TYPES),
    )
    assert check("report.docx", content).kind == "docx"


def test_a_file_without_an_extension_gets_the_extension_of_its_content():
    assert check("Scan from printer", image("PNG")).name == "Scan from printer.png"
    assert check("README", b"plain words\n").name == "README.txt"


def test_uppercase_extensions_are_lowered():
    assert check("PHOTO.JPG", image("JPEG")).name == "PHOTO.jpg"


# ---------------------------------------------------------------- refused files


def test_an_exe_named_png_is_refused_as_a_program():
    error = refusal("cute-cat.png", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + bytes(100) + b"PE\x00\x00")
    assert error.code == "program"
    assert "Programs and scripts" in error.messages[0]


@pytest.mark.parametrize(
    "content",
    [
        b"\x7fELF\x02\x01\x01" + bytes(60),
        b"\xcf\xfa\xed\xfe\x07\x00\x00\x01" + bytes(60),
        b"\xca\xfe\xba\xbe\x00\x00\x00\x34" + bytes(60),
        b"\x00asm\x01\x00\x00\x00",
        b"#!/bin/sh\nrm -rf ~\n",
    ],
    ids=["elf", "mach-o", "java-class", "webassembly", "shell-script"],
)
def test_programs_are_refused_whatever_their_name(content):
    assert refusal("report.pdf", content).code == "program"
    assert refusal("notes.txt", content).code == "program"


def test_text_that_happens_to_start_with_mz_is_not_a_program():
    assert check("brands.txt", b"MZ Motors, Helsinki\n").kind == "txt"


@pytest.mark.parametrize(
    "content",
    [
        b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.cookie)</script></svg>',
        b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
        b"\xef\xbb\xbf  <!DOCTYPE html><html><body><script>alert(1)</script></body></html>",
        b"\n\n<!-- hidden --><iframe src=javascript:alert(1)>",
    ],
    ids=["svg", "svg-with-xml-declaration", "html-with-bom", "html-comment"],
)
@pytest.mark.parametrize("name", ["logo.png", "notes.txt", "data.csv", "mail.eml", "page"])
def test_markup_is_refused_under_any_name(content, name):
    assert refusal(name, content).code == "markup"


@pytest.mark.parametrize("name", ["logo.svg", "page.html", "page.htm", "feed.xml", "app.js", "setup.exe", "run.bat"])
def test_extensions_outside_the_allowed_types_are_refused_before_reading(name):
    error = refusal(name, b"anything")
    assert error.code == "type_not_allowed"
    assert "Allowed types:" in error.messages[0]


def test_a_type_the_caller_does_not_allow_is_refused():
    error = refusal("letter.docx", office_open_xml("word/document.xml"), allowed=("pdf", "png"))
    assert error.messages == ["Files of type .docx are not allowed. Allowed types: pdf, png."]


def test_content_of_a_type_the_caller_does_not_allow_is_refused_even_without_an_extension():
    assert refusal("letter", office_open_xml("word/document.xml"), allowed=("pdf",)).code == "type_not_allowed"


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("photo.jpg", image("PNG")),
        ("photo.png", b"%PDF-1.4\n%%EOF\n"),
        ("scan.pdf", image("JPEG")),
        ("photo.png", b"just some text\n"),
        ("notes.txt", image("GIF")),
        ("letter.docx", office_open_xml("xl/workbook.xml")),
        ("files.zip", office_open_xml("word/document.xml")),
        ("letter.docx", archive(("a.txt", b"not a document"))),
        ("mail.eml", b"Dear team,\nthis is not an email file.\n"),
    ],
)
def test_a_file_whose_content_disagrees_with_its_name_is_refused(name, content):
    assert refusal(name, content).code == "type_mismatch"


def test_unknown_binary_content_is_refused():
    gzip_data = b"\x1f\x8b\x08\x00" + bytes(30)
    assert refusal("archive.zip", gzip_data).code == "type_not_allowed"
    assert refusal("noise", bytes(range(256))).code == "type_not_allowed"


def test_binary_bytes_after_the_first_block_make_a_text_file_binary():
    assert refusal("notes.txt", b"a" * 20_000 + b"\x00\x01\x02").code == "type_not_allowed"


def test_an_oversized_file_is_refused_with_the_limit_in_the_message():
    error = refusal("big.txt", b"x" * 2048, max_bytes=1024)
    assert error.code == "too_large"
    assert error.messages == ["The file is too large. The limit is 1.0\xa0KB."]


def test_a_file_larger_than_it_claims_is_refused_while_reading():
    liar = upload("big.txt", b"x" * 4096)
    liar.size = 10
    with pytest.raises(ValidationError) as error:
        validate_upload(liar, max_bytes=1024, allowed_types=ALL_TYPES)
    assert error.value.code == "too_large"


def test_an_empty_file_is_refused():
    assert refusal("empty.txt", b"").code == "empty"


def test_an_unknown_allowed_type_is_a_programming_error():
    with pytest.raises(ImproperlyConfigured):
        check("notes.txt", b"x", allowed=("txt", "exe"))


# ---------------------------------------------------------------- images


def test_a_truncated_image_is_refused_as_damaged():
    assert refusal("photo.png", image("PNG", (64, 64))[:60]).code == "damaged"


def test_an_image_declaring_billions_of_pixels_is_refused_without_decoding_it():
    assert refusal("bomb.png", png_header(100_000, 100_000)).code == "image_too_large"


def test_an_image_just_over_pillows_pixel_limit_is_refused_as_well():
    width = 10_000
    height = Image.MAX_IMAGE_PIXELS // width + 1  # over the limit, under twice the limit (only a warning in Pillow)
    with pytest.warns(Image.DecompressionBombWarning):
        assert refusal("big.png", png_header(width, height)).code == "image_too_large"


def test_the_pixel_limit_follows_pillows_setting(monkeypatch):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 100)
    with pytest.warns(Image.DecompressionBombWarning):
        assert refusal("photo.png", image("PNG", (11, 10))).code == "image_too_large"
    assert check("photo.png", image("PNG", (10, 10))).is_image


# ---------------------------------------------------------------- archives and office documents


def test_a_zip_bomb_is_refused_by_its_declared_sizes():
    bomb = archive(("zeros.bin", bytes(8 * MB)))
    assert len(bomb) < 20_000
    error = refusal("holiday-photos.zip", bomb)
    assert error.code == "zip_bomb"
    assert "unpacks to far more" in error.messages[0]


def test_a_document_hiding_a_bomb_is_refused():
    assert refusal("letter.docx", office_open_xml("word/document.xml", ("word/media/x.bin", bytes(8 * MB)))).code == (
        "zip_bomb"
    )


def test_checking_a_documents_manifest_never_unpacks_more_than_a_megabyte(monkeypatch):
    read = []
    real_open = zipfile.ZipFile.open

    def counting_open(self, name, *args, **kwargs):
        member = real_open(self, name, *args, **kwargs)
        real_read = member.read
        member.read = lambda n=-1: read.append(n) or real_read(n)
        return member

    monkeypatch.setattr(zipfile.ZipFile, "open", counting_open)
    padded = CONTENT_TYPES + b"<!--" + os.urandom(MB).hex().encode() + b"-->"  # a 2 MB manifest, under the ratio
    checked = check("letter.docx", office_open_xml("word/document.xml", content_types=padded), max_bytes=4 * MB)
    assert checked.kind == "docx"
    assert read and all(0 < n <= 1024 * 1024 for n in read)


def test_a_zip_whose_entries_share_their_data_is_refused():
    content = overlapping_zip()
    with zipfile.ZipFile(io.BytesIO(content)) as zf:
        assert len(zf.infolist()) == 5  # a valid archive to any unzip tool
    assert refusal("files.zip", content).code == "zip_bomb"


def test_a_zip_with_too_many_entries_is_refused(monkeypatch):
    monkeypatch.setattr(attachments, "ZIP_MAX_ENTRIES", 3)
    assert refusal("files.zip", archive(*((f"{i}.txt", b"x") for i in range(4)))).code == "zip_bomb"


def test_a_zip_unpacking_past_the_total_limit_is_refused(monkeypatch):
    monkeypatch.setattr(attachments, "ZIP_MAX_TOTAL_BYTES", 1000)
    assert refusal("files.zip", archive(("a.txt", bytes(600)), ("b.txt", bytes(600)))).code == "zip_bomb"


def test_small_members_may_compress_well():
    assert check("files.zip", archive(("blank.txt", bytes(MB)))).kind == "zip"


def test_a_damaged_zip_is_refused():
    assert refusal("files.zip", archive(("a.txt", b"hello"))[:-30]).code == "damaged"


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("letter.docx", office_open_xml("word/document.xml", ("word/vbaProject.bin", b"\xd0\xcf\x11\xe0"))),
        ("sheet.xlsx", office_open_xml("xl/workbook.xml", ("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0"))),
        (
            "sheet.xlsx",
            office_open_xml(
                "xl/workbook.xml",
                content_types=b'<Types><Override ContentType="application/vnd.ms-excel.sheet.macroEnabled.main+xml"/>'
                b"</Types>",
            ),
        ),
        ("letter.odt", open_document("odt", ("Basic/Standard/Module1.xml", b"<script:module/>"))),
        ("sheet.ods", open_document("ods", ("Scripts/python/run.py", b"import os"))),
    ],
    ids=["docm-as-docx", "xlsm-as-xlsx", "macro-enabled-content-type", "odt-basic", "ods-python-script"],
)
def test_documents_with_macros_are_refused(name, content):
    error = refusal(name, content)
    assert error.code == "macros"
    assert error.messages == ["Documents with macros cannot be uploaded."]


# ---------------------------------------------------------------- file names


@pytest.mark.parametrize(
    ("given", "cleaned"),
    [
        ("../../etc/passwd.txt", "passwd.txt"),
        ("C:\\Users\\bob\\Desktop\\report.pdf", "report.pdf"),
        ("invoice\u202egpj.exe.pdf", "invoicegpj.exe.pdf"),
        ("zero\u200bwidth\u2066.png", "zerowidth.png"),
        ("line\nbreak\ttab\x00nul.txt", "linebreaktabnul.txt"),
        ("  spaced   out  .txt", "spaced out.txt"),
        ('what?<is>"this"|*.txt', "what__is__this___.txt"),
        ("CON.txt", "_CON.txt"),
        ("lpt1.tar.zip", "_lpt1.tar.zip"),
        ("nul", "_nul"),
        ("CONSOLE.txt", "CONSOLE.txt"),
        (".htaccess", "htaccess"),
        ("trailing dots...", "trailing dots"),
        ("....", "file"),
        ("", "file"),
        ("photo.JPG", "photo.jpg"),
        ("archive.tar.gz", "archive.tar.gz"),
        ("weird.ext with space", "weird.ext with space"),
        ("Ångström–Ünïcode ✓.pdf", "Ångström–Ünïcode ✓.pdf"),
        ("A\u030angstrom.txt", "Ångstrom.txt"),
    ],
)
def test_file_names_are_cleaned(given, cleaned):
    assert clean_filename(given) == cleaned


def test_long_file_names_are_shortened_keeping_their_extension():
    cleaned = clean_filename("x" * 500 + ".pdf")
    assert len(cleaned) == attachments.MAX_NAME_LENGTH
    assert cleaned.endswith("xx.pdf")


def test_the_original_name_is_kept_without_control_characters():
    checked = check("bad\x00name\u202e.txt", b"hello")
    assert checked.original_name == "badname\u202e.txt"
    assert checked.name == "badname.txt"


# ---------------------------------------------------------------- storage


def test_private_files_live_outside_every_served_directory():
    private = Path(settings.PRIVATE_MEDIA_ROOT).resolve()
    for served in (settings.STATIC_ROOT, settings.STORAGES["default"]["OPTIONS"]["location"]):
        assert not private.is_relative_to(Path(served).resolve())
    assert private.is_relative_to(Path("/tmp").resolve())  # the test settings keep it in a temporary directory


def test_private_files_have_no_url():
    with pytest.raises(ValueError, match="no URL"):
        private_storage().url("anything")


@pytest.mark.django_db
def test_saved_attachment_is_stored_under_a_random_name_in_the_private_directory(sample_table, private_media):
    checked = check("../Quarterly report <final>.pdf", b"%PDF-1.4\n%%EOF\n")
    attachment = save_attachment(attachment=SampleAttachment(label="q3"), upload=checked)
    attachment.refresh_from_db()
    assert attachment.name == "Quarterly report _final_.pdf"
    assert attachment.original_name == "Quarterly report <final>.pdf"  # Django drops the path of an upload
    assert (attachment.content_type, attachment.size, attachment.is_image) == ("application/pdf", 15, False)
    assert attachment.sha256 == hashlib.sha256(b"%PDF-1.4\n%%EOF\n").hexdigest()
    stored = Path(attachment.file.path)
    assert stored.is_relative_to(private_media)
    assert "Quarterly" not in attachment.file.name and "." not in stored.name
    assert attachment.file.name.startswith("core/sampleattachment/")
    assert stored.read_bytes() == b"%PDF-1.4\n%%EOF\n"


@pytest.mark.django_db
def test_a_large_upload_spooled_to_disk_is_checked_and_stored(sample_table, private_media):
    content = image("PNG", (300, 200))
    spooled = TemporaryUploadedFile("big photo.png", "image/png", len(content), None)
    spooled.write(content)
    checked = validate_upload(spooled, max_bytes=MB, allowed_types=("png",))
    attachment = save_attachment(attachment=SampleAttachment(), upload=checked)
    spooled.close()  # as Django does when the request ends (the storage moved the file away)
    assert Path(attachment.file.path).read_bytes() == content
    assert attachment.is_image


@pytest.mark.django_db
def test_two_uploads_with_the_same_name_get_different_files(sample_table, private_media):
    first = save_attachment(attachment=SampleAttachment(), upload=check("a.txt", b"one"))
    second = save_attachment(attachment=SampleAttachment(), upload=check("a.txt", b"two"))
    assert first.file.name != second.file.name
    assert Path(first.file.path).read_bytes() == b"one"


@pytest.mark.django_db
def test_a_failed_save_leaves_no_file_behind(sample_table, private_media, monkeypatch):
    def fail(*args, **kwargs):
        raise RuntimeError("database down")

    monkeypatch.setattr(SampleAttachment, "save", fail)
    with pytest.raises(RuntimeError):
        save_attachment(attachment=SampleAttachment(), upload=check("a.txt", b"one"))
    assert not [p for p in private_media.rglob("*") if p.is_file()]


@pytest.mark.django_db
def test_deleting_an_attachment_removes_its_file_after_commit(
    sample_table, private_media, django_capture_on_commit_callbacks
):
    attachment = save_attachment(attachment=SampleAttachment(), upload=check("a.txt", b"one"))
    path = Path(attachment.file.path)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        attachment.delete()
    assert path.exists()  # until the deletion commits
    for callback in callbacks:
        callback()
    assert not path.exists()


# ---------------------------------------------------------------- downloads


def saved(name, content):
    return save_attachment(attachment=SampleAttachment(), upload=check(name, content))


def closed(response):
    """The response with its file closed: its headers are all these tests read."""
    response.close()
    return response


def body(response):
    content = b"".join(response.streaming_content)
    response.close()
    return content


@pytest.mark.django_db
def test_a_document_downloads_as_an_attachment_with_protective_headers(sample_table, private_media):
    response = attachment_response(saved("report.pdf", b"%PDF-1.4\n%%EOF\n"))
    assert body(response) == b"%PDF-1.4\n%%EOF\n"
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == "attachment; filename=\"report.pdf\"; filename*=UTF-8''report.pdf"
    assert response["Content-Length"] == "15"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "sandbox; default-src 'none'"
    assert response["Cache-Control"] == "private"


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "GIF", "WEBP"])
def test_a_verified_raster_image_may_be_shown_inline(sample_table, private_media, fmt):
    attachment = saved(f"photo.{fmt.lower()}", image(fmt))
    response = closed(attachment_response(attachment))
    assert response["Content-Disposition"].startswith("inline; ")
    assert response["Content-Type"] == attachment.content_type
    assert response["X-Content-Type-Options"] == "nosniff"
    assert closed(attachment_response(attachment, inline_ok=False))["Content-Disposition"].startswith("attachment; ")


@pytest.mark.django_db
def test_text_is_never_shown_inline(sample_table, private_media):
    response = closed(attachment_response(saved("notes.txt", b"hello")))
    assert response["Content-Disposition"].startswith("attachment; ")
    assert response["Content-Type"] == "text/plain"


@pytest.mark.django_db
def test_a_type_outside_the_catalogue_downloads_as_plain_bytes(sample_table, private_media):
    attachment = saved("photo.png", image("PNG"))
    attachment.content_type = "text/html"  # as if someone edited the row
    response = closed(attachment_response(attachment))
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment; ")


@pytest.mark.django_db
def test_a_non_ascii_name_is_sent_in_filename_star(sample_table, private_media):
    response = closed(attachment_response(saved("Tarjous – Åbo.pdf", b"%PDF-1.4\n%%EOF\n")))
    assert response["Content-Disposition"] == (
        "attachment; filename=\"Tarjous  Abo.pdf\"; filename*=UTF-8''Tarjous%20%E2%80%93%20%C3%85bo.pdf"
    )


@pytest.mark.django_db
def test_a_missing_file_is_a_404_not_a_500(sample_table, private_media):
    attachment = saved("notes.txt", b"hello")
    Path(attachment.file.path).unlink()
    with pytest.raises(Http404):
        attachment_response(attachment)

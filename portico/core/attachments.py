"""Attachments: uploads checked by their content, stored privately, and downloaded safely.

Every module with files (case messages, documents, projects) subclasses `AttachmentBase`, checks each upload
with `validate_upload()`, stores it with `save_attachment()`, and serves it with `attachment_response()` from
a view that found the record inside the access engine (`engine.visible_through()`).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
import uuid
import zipfile
from collections.abc import Collection
from dataclasses import dataclass

import filetype
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.files import File
from django.db import models, transaction
from django.db.models.signals import class_prepared, post_delete
from django.http import FileResponse, Http404
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from PIL import Image

from portico.core.http import content_disposition
from portico.core.storage import private_storage


@dataclass(frozen=True)
class FileKind:
    """One kind of file an upload may be: its extensions, its MIME type and how its content is checked."""

    key: str
    extensions: tuple[str, ...]
    mime: str
    # "image", "office", "text", "email" or "plain" (the signature is enough; zip bombs are refused while sniffing)
    check: str


_OOXML = "application/vnd.openxmlformats-officedocument"
_ODF = "application/vnd.oasis.opendocument"
KINDS: dict[str, FileKind] = {
    kind.key: kind
    for kind in (
        FileKind("pdf", ("pdf",), "application/pdf", "plain"),
        FileKind("png", ("png",), "image/png", "image"),
        FileKind("jpg", ("jpg", "jpeg"), "image/jpeg", "image"),
        FileKind("gif", ("gif",), "image/gif", "image"),
        FileKind("webp", ("webp",), "image/webp", "image"),
        FileKind("txt", ("txt", "log"), "text/plain", "text"),
        FileKind("csv", ("csv",), "text/csv", "text"),
        FileKind("eml", ("eml",), "message/rfc822", "email"),
        FileKind("zip", ("zip",), "application/zip", "plain"),
        FileKind("docx", ("docx",), f"{_OOXML}.wordprocessingml.document", "office"),
        FileKind("xlsx", ("xlsx",), f"{_OOXML}.spreadsheetml.sheet", "office"),
        FileKind("pptx", ("pptx",), f"{_OOXML}.presentationml.presentation", "office"),
        FileKind("odt", ("odt",), f"{_ODF}.text", "office"),
        FileKind("ods", ("ods",), f"{_ODF}.spreadsheet", "office"),
        FileKind("odp", ("odp",), f"{_ODF}.presentation", "office"),
    )
}
# Raster images a browser may show inline: their decoders run no scripts.
INLINE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})
_PILLOW_FORMATS = {"png": "PNG", "jpg": "JPEG", "gif": "GIF", "webp": "WEBP"}
_SIGNATURE_KINDS = {"pdf": "pdf", "png": "png", "jpg": "jpg", "gif": "gif", "webp": "webp"}
_OPEN_DOCUMENT = {KINDS[key].mime: key for key in ("odt", "ods", "odp")}
_OFFICE_OPEN_XML = {"word/": "docx", "xl/": "xlsx", "ppt/": "pptx"}

# Programs are refused whatever they are named: Windows, Linux and macOS binaries, Java, WebAssembly, Android.
_PROGRAM_SIGNATURES = (
    b"MZ",
    b"\x7fELF",
    b"\xfe\xed\xfa",
    b"\xce\xfa\xed\xfe",
    b"\xcf\xfa\xed\xfe",
    b"\xca\xfe\xba\xbe",
    b"\x00asm",
    b"dex\n",
)
# Control bytes that never occur in text (tab, line breaks, form feed and escape do).
_BINARY_BYTES = bytes([*range(0x00, 0x09), 0x0B, *range(0x0E, 0x1B), *range(0x1C, 0x20)])
_TEXT_BYTES = bytes(b for b in range(256) if b not in _BINARY_BYTES)
# A file that starts with a tag, a comment or an XML declaration is markup (HTML, SVG, XML): a browser may run it.
_MARKUP = re.compile(rb"\s*<[!?/a-zA-Z]")
_EMAIL_HEADER = re.compile(rb"(From |[!-9;-~]+:)")
_HEAD_BYTES = 8192

ZIP_MAX_ENTRIES = 10_000
ZIP_MAX_TOTAL_BYTES = 512 * 1024 * 1024
ZIP_MAX_RATIO = 200  # deflate reaches about 1000:1 on a bomb; documents and logs stay well under 100:1
ZIP_RATIO_FLOOR = 1024 * 1024  # small members may compress further without harm

_WINDOWS_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in "123456789"), *(f"LPT{i}" for i in "123456789")}
_WINDOWS_FORBIDDEN = str.maketrans(dict.fromkeys('<>:"/\\|?*', "_"))
MAX_NAME_LENGTH = 120


@dataclass(frozen=True)
class CheckedUpload:
    """An upload that passed `validate_upload()`: its content, sanitised name and sniffed type."""

    file: File
    original_name: str
    name: str
    kind: str
    content_type: str
    size: int
    sha256: str
    is_image: bool


def clean_filename(name: str) -> str:
    """Return a file name safe to show and to save on any system: no path, controls, bidi tricks or device names."""
    name = unicodedata.normalize("NFC", str(name)).replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(_clean_char(ch) for ch in name).translate(_WINDOWS_FORBIDDEN)
    name = " ".join(name.split()).strip(" .")
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem or not ext.isascii() or not ext.isalnum() or len(ext) > 10:
        stem, ext = name, ""
    stem = stem.rstrip(" .") or "file"
    if stem.split(".")[0].rstrip().upper() in _WINDOWS_RESERVED:
        stem = f"_{stem}"
    ext = ext.lower()
    stem = stem[: MAX_NAME_LENGTH - len(ext) - 1].rstrip(" .") or "file"
    return f"{stem}.{ext}" if ext else stem


def _clean_char(ch: str) -> str:
    category = unicodedata.category(ch)
    if category.startswith("C"):  # controls, format characters (bidi overrides, zero-width), unassigned
        return ""
    return " " if category.startswith("Z") else ch


def validate_upload(upload: File, *, max_bytes: int, allowed_types: Collection[str]) -> CheckedUpload:
    """Check an upload by its content and return it with a safe name and its real type; else ValidationError."""
    unknown = set(allowed_types) - KINDS.keys()
    if unknown:
        raise ImproperlyConfigured(f"Unknown attachment types: {', '.join(sorted(unknown))}")
    original_name = "".join(ch for ch in str(upload.name or "") if unicodedata.category(ch) != "Cc")[:255]
    name = clean_filename(original_name)
    ext = name.rpartition(".")[2] if "." in name else ""
    allowed_exts = sorted({e for key in allowed_types for e in KINDS[key].extensions})
    if ext and ext not in allowed_exts:
        raise _refuse(
            gettext("Files of type .%(ext)s are not allowed. Allowed types: %(allowed)s.")
            % {"ext": ext, "allowed": ", ".join(allowed_exts)},
            "type_not_allowed",
        )
    size, sha256, head, is_text = _read(upload, max_bytes)
    kind = _sniff(upload, head, is_text, ext, size)
    if ext and ext not in KINDS[kind].extensions:
        raise _refuse(
            gettext("The file's content does not match its name: it is not a .%(ext)s file.") % {"ext": ext},
            "type_mismatch",
        )
    if kind not in allowed_types:
        raise _refuse(
            gettext("This type of file is not allowed. Allowed types: %(allowed)s.")
            % {"allowed": ", ".join(allowed_exts)},
            "type_not_allowed",
        )
    _check_content(upload, head, KINDS[kind])
    upload.seek(0)
    return CheckedUpload(
        file=upload,
        original_name=original_name,
        name=name if ext else f"{name}.{KINDS[kind].extensions[0]}",
        kind=kind,
        content_type=KINDS[kind].mime,
        size=size,
        sha256=sha256,
        is_image=KINDS[kind].check == "image",
    )


def _refuse(message: str, code: str) -> ValidationError:
    return ValidationError(message, code=code)


def _read(upload: File, max_bytes: int) -> tuple[int, str, bytes, bool]:
    """Read the upload once: its size (refused past the limit), SHA-256, first bytes and whether it is text."""
    too_large = ValidationError(
        gettext("The file is too large. The limit is %(limit)s.") % {"limit": filesizeformat(max_bytes)},
        code="too_large",
    )
    if (upload.size or 0) > max_bytes:
        raise too_large
    size, digest, head, is_text = 0, hashlib.sha256(), b"", True
    for chunk in upload.chunks():
        size += len(chunk)
        if size > max_bytes:
            raise too_large
        digest.update(chunk)
        if len(head) < _HEAD_BYTES:
            head += chunk[: _HEAD_BYTES - len(head)]
        is_text = is_text and not chunk.translate(None, _TEXT_BYTES)
    if size == 0:
        raise _refuse(gettext("The file is empty."), "empty")
    return size, digest.hexdigest(), head, is_text


def _sniff(upload: File, head: bytes, is_text: bool, ext: str, size: int) -> str:
    """Return the kind of file the content is, whatever its name says; refuse programs and unknown content."""
    if head.startswith(b"#!") or (not is_text and head.startswith(_PROGRAM_SIGNATURES)):
        raise _refuse(gettext("Programs and scripts cannot be uploaded."), "program")
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return _zip_kind(upload, size)
    guess = filetype.guess(head)
    if guess is not None and guess.extension in _SIGNATURE_KINDS:  # before text: a PDF may be plain ASCII
        return _SIGNATURE_KINDS[guess.extension]
    if not is_text:
        raise _refuse(gettext("This type of file is not allowed."), "type_not_allowed")
    if _MARKUP.match(head.removeprefix(b"\xef\xbb\xbf")):
        raise _refuse(gettext("Web pages, SVG images and XML files cannot be uploaded."), "markup")
    text_kinds = [k.key for k in KINDS.values() if k.check in ("text", "email") and ext in k.extensions]
    return text_kinds[0] if text_kinds else "txt"


def _open_zip(upload: File) -> zipfile.ZipFile:
    upload.seek(0)
    try:
        return zipfile.ZipFile(upload)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise _refuse(gettext("The archive is damaged and cannot be read."), "damaged") from None


def _zip_kind(upload: File, size: int) -> str:
    """Return zip, or the office document the archive is (OpenDocument's mimetype, Office Open XML's parts)."""
    with _open_zip(upload) as archive:
        _check_zip_sizes(archive, size)
        names = archive.namelist()
        if "mimetype" in names and archive.getinfo("mimetype").file_size <= 100:
            return _OPEN_DOCUMENT.get(_read_member(archive, "mimetype").decode("ascii", "replace").strip(), "zip")
        if "[Content_Types].xml" in names:
            for prefix, kind in _OFFICE_OPEN_XML.items():
                if any(name.startswith(prefix) for name in names):
                    return kind
    return "zip"


ZIP_MEMBER_READ_BYTES = 1024 * 1024  # a manifest is a few kilobytes; never unpack more than this to check one


def _read_member(archive: zipfile.ZipFile, name: str) -> bytes:
    """The first megabyte of a member, at most: a crafted manifest cannot make a check unpack hundreds of MB."""
    try:
        with archive.open(name) as member:
            return member.read(ZIP_MEMBER_READ_BYTES)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError, RuntimeError):
        raise _refuse(gettext("The archive is damaged and cannot be read."), "damaged") from None


def _check_zip_sizes(archive: zipfile.ZipFile, archive_size: int) -> None:
    """Refuse a zip bomb by the sizes its directory declares, without unpacking anything."""
    entries = archive.infolist()
    bomb = _refuse(gettext("The archive unpacks to far more than its size and is refused."), "zip_bomb")
    if len(entries) > ZIP_MAX_ENTRIES or sum(e.file_size for e in entries) > ZIP_MAX_TOTAL_BYTES:
        raise bomb
    # Entries that share compressed data (overlapping files) declare more compressed bytes than the archive has.
    if sum(e.compress_size for e in entries) > archive_size:
        raise bomb
    if any(e.file_size > ZIP_RATIO_FLOOR and e.file_size > ZIP_MAX_RATIO * max(e.compress_size, 1) for e in entries):
        raise bomb


def _check_content(upload: File, head: bytes, kind: FileKind) -> None:
    """Run the deeper check of a kind: images decode, office documents carry no macros, emails have headers."""
    if kind.check == "image":
        _check_image(upload, _PILLOW_FORMATS[kind.key])
    elif kind.check == "office":
        _check_macros(upload)
    elif kind.check == "email" and not _EMAIL_HEADER.match(head.removeprefix(b"\xef\xbb\xbf")):
        raise _refuse(gettext("The file is not an email message."), "type_mismatch")


def _check_image(upload: File, pillow_format: str) -> None:
    upload.seek(0)
    bomb = _refuse(gettext("The image is too large in pixels."), "image_too_large")
    try:
        with Image.open(upload, formats=[pillow_format]) as image:
            # Compared here rather than by turning Pillow's DecompressionBombWarning into an error: changing
            # the warning filters is process-wide and not thread-safe.
            if Image.MAX_IMAGE_PIXELS and image.width * image.height > Image.MAX_IMAGE_PIXELS:
                raise bomb
            image.verify()
    except Image.DecompressionBombError:
        raise bomb from None
    except ValidationError:
        raise
    except Exception:  # Pillow raises many kinds of error on damaged or hostile data
        raise _refuse(gettext("The image is damaged and cannot be read."), "damaged") from None


def _check_macros(upload: File) -> None:
    """Refuse office documents that carry macros (VBA projects, OpenDocument Basic or scripts)."""
    with _open_zip(upload) as archive:
        names = [name.lower() for name in archive.namelist()]
        has_macros = any(
            name.endswith(("vbaproject.bin", "vbadata.xml")) or name.startswith(("basic/", "scripts/"))
            for name in names
        )
        if not has_macros and "[content_types].xml" in names:
            has_macros = b"macroenabled" in _read_member(archive, "[Content_Types].xml").lower()
    if has_macros:
        raise _refuse(gettext("Documents with macros cannot be uploaded."), "macros")


def attachment_path(instance: models.Model, filename: str) -> str:
    """Storage path of a new attachment: a random name, never derived from the name the user gave."""
    meta = instance._meta
    return f"{meta.app_label}/{meta.model_name}/{timezone.now():%Y/%m}/{uuid.uuid4().hex}"


class AttachmentBase(models.Model):
    """A file attached to a record, stored privately and checked by its content (abstract)."""

    file = models.FileField(_("file"), storage=private_storage, upload_to=attachment_path, max_length=255)
    original_name = models.CharField(_("original file name"), max_length=255)
    name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    is_image = models.BooleanField(_("image"), default=False)
    created = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name


def save_attachment(*, attachment: AttachmentBase, upload: CheckedUpload) -> AttachmentBase:
    """Store a checked upload in a new attachment row (its parent already set) and save the row."""
    attachment.original_name = upload.original_name
    attachment.name = upload.name
    attachment.content_type = upload.content_type
    attachment.size = upload.size
    attachment.sha256 = upload.sha256
    attachment.is_image = upload.is_image
    upload.file.seek(0)
    attachment.file.save(upload.name, upload.file, save=False)
    try:
        attachment.save()
    except BaseException:
        attachment.file.storage.delete(attachment.file.name)
        raise
    return attachment


def attachment_response(attachment: AttachmentBase, *, inline_ok: bool = True) -> FileResponse:
    """Stream an attachment as a download; a verified raster image may be shown inline when `inline_ok`."""
    inline = inline_ok and attachment.is_image and attachment.content_type in INLINE_TYPES
    known_types = {kind.mime for kind in KINDS.values()}
    content_type = attachment.content_type if attachment.content_type in known_types else "application/octet-stream"
    try:
        handle = attachment.file.storage.open(attachment.file.name, "rb")
    except (OSError, ValueError):
        raise Http404 from None
    response = FileResponse(handle, content_type=content_type)
    response["Content-Disposition"] = content_disposition(attachment.name, inline=inline)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    response["Cache-Control"] = "private"
    return response


def _delete_file(sender, instance: AttachmentBase, **kwargs) -> None:
    """Remove a deleted attachment's file once the deletion is committed (a rollback keeps both)."""
    name, storage = instance.file.name, instance.file.storage
    if name:
        transaction.on_commit(lambda: storage.delete(name), using=kwargs.get("using"))


def _connect_file_cleanup(sender, **kwargs) -> None:
    # Connected per concrete attachment model: a receiver for every model would disable fast deletes everywhere.
    if issubclass(sender, AttachmentBase) and not sender._meta.abstract:
        post_delete.connect(_delete_file, sender=sender, dispatch_uid=f"attachment-file-{sender._meta.label}")


class_prepared.connect(_connect_file_cleanup)

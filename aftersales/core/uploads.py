"""Safe uploads: the type is read from the file's bytes, not its name; sizes are capped.

SVG, HTML and anything else that a browser could run are refused outright. Files are
only ever served through ``download_response`` as attachments with ``nosniff``.
"""

from __future__ import annotations

import mimetypes
import os
import uuid
from dataclasses import dataclass

import filetype
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.http import FileResponse
from django.utils.translation import gettext_lazy as _

from .errors import ValidationFailed

IMAGE_TYPES = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp", "image/gif": "gif", "image/heic": "heic"}
VIDEO_TYPES = {"video/mp4": "mp4", "video/quicktime": "mov", "video/webm": "webm", "video/x-m4v": "m4v"}
DOCUMENT_TYPES = {"application/pdf": "pdf"}
RASTER_INLINE_TYPES = {"image/jpeg", "image/png", "image/webp", "image/gif"}


@dataclass(frozen=True)
class CheckedUpload:
    file: UploadedFile
    kind: str  # image / video / document
    content_type: str
    size: int
    original_name: str


def _limit(kind: str) -> int:
    return {
        "image": settings.UPLOAD_MAX_IMAGE_BYTES,
        "video": settings.UPLOAD_MAX_VIDEO_BYTES,
        "document": settings.UPLOAD_MAX_DOCUMENT_BYTES,
    }[kind]


def upload_check(
    upload: UploadedFile, *, allowed: tuple[str, ...] = ("image", "video"), field: str = "file"
) -> CheckedUpload:
    """Validate an uploaded file; raises ValidationFailed naming ``field``."""
    head = upload.read(8192)
    upload.seek(0)
    guess = filetype.guess(head)
    mime = guess.mime if guess else ""
    kinds = {"image": IMAGE_TYPES, "video": VIDEO_TYPES, "document": DOCUMENT_TYPES}
    kind = next((k for k in allowed if mime in kinds[k]), None)
    if kind is None:
        raise ValidationFailed(
            _("This file type is not allowed."),
            code="file_type",
            fields={field: [_("Allowed: photos (JPEG, PNG, WebP, GIF, HEIC), videos (MP4, MOV, WebM) or PDF.")]},
        )
    if upload.size > _limit(kind):
        raise ValidationFailed(
            _("The file is too large."),
            code="file_too_large",
            fields={field: [_("At most %(mb)d MB.") % {"mb": _limit(kind) // (1024 * 1024)}]},
        )
    base = os.path.basename(upload.name or "file")[:150]
    stem = os.path.splitext(base)[0] or "file"
    ext = {**IMAGE_TYPES, **VIDEO_TYPES, **DOCUMENT_TYPES}[mime]
    original = f"{stem}.{ext}"
    # Store under a random name; keep the user's name only as metadata.
    upload.name = f"{uuid.uuid4().hex}.{ext}"
    return CheckedUpload(file=upload, kind=kind, content_type=mime, size=upload.size, original_name=original)


def download_response(field_file, *, filename: str, content_type: str, inline: bool = False) -> FileResponse:
    """Serve a stored file. Inline only for raster images; everything else downloads."""
    inline = inline and content_type in RASTER_INLINE_TYPES
    safe_type = (
        content_type
        if content_type in (IMAGE_TYPES | VIDEO_TYPES | DOCUMENT_TYPES)
        else (mimetypes.types_map.get(".bin", "application/octet-stream"))
    )
    response = FileResponse(field_file.open("rb"), as_attachment=not inline, filename=filename, content_type=safe_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response

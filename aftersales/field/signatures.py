"""Signatures drawn on a canvas arrive as ``data:image/png;base64,…``: check them like uploads.

A signature must be a real PNG (read from its bytes), small, of sane dimensions and not
blank — an empty canvas is refused, so "signed" always means a visible mark.
"""

from __future__ import annotations

import base64
import binascii
import io
import logging
import uuid

from django.core.files.base import ContentFile
from django.utils.translation import gettext_lazy as _

from aftersales.core.errors import ValidationFailed

log = logging.getLogger(__name__)

MAX_BYTES = 400 * 1024
MAX_SIDE = 3000
PREFIX = "data:image/png;base64,"


def signature_png(data_url: str, *, field: str = "signature") -> ContentFile:
    """Return the checked PNG as a ContentFile named ``<uuid>.png``; raise ValidationFailed naming ``field``."""
    from PIL import Image, UnidentifiedImageError

    def refuse(message):
        raise ValidationFailed(message, code="signature", fields={field: [message]})

    data_url = (data_url or "").strip()
    if not data_url:
        refuse(_("The customer has to sign."))
    if not data_url.startswith(PREFIX) or len(data_url) > MAX_BYTES * 4 // 3 + len(PREFIX) + 8:
        refuse(_("The signature is not a PNG image or is too large."))
    try:
        raw = base64.b64decode(data_url[len(PREFIX) :], validate=True)
    except (binascii.Error, ValueError):
        refuse(_("The signature is not a PNG image or is too large."))
    if not raw.startswith(b"\x89PNG\r\n\x1a\n") or len(raw) > MAX_BYTES:
        refuse(_("The signature is not a PNG image or is too large."))
    try:
        with Image.open(io.BytesIO(raw)) as img:
            if img.width > MAX_SIDE or img.height > MAX_SIDE or img.width < 20 or img.height < 20:
                refuse(_("The signature image has odd dimensions."))
            img.load()
            rgba = img.convert("RGBA")
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError):
        refuse(_("The signature is not a PNG image or is too large."))
    # Blank canvas: fully transparent, or a single flat colour.
    alpha_box = rgba.getchannel("A").getbbox()
    flat = rgba.getextrema()
    if alpha_box is None or all(lo == hi for lo, hi in flat):
        refuse(_("The signature is empty: please sign in the box."))
    return ContentFile(raw, name=f"{uuid.uuid4().hex}.png")


def signature_data_uri(file_field) -> str:
    """A stored signature PNG as a ``data:`` URI, for a page or a PDF (empty when there is none or it cannot be
    read)."""
    if not file_field:
        return ""
    try:
        with file_field.storage.open(file_field.name, "rb") as fh:
            raw = fh.read()
    except (FileNotFoundError, OSError):
        log.warning("signature image missing: %s", file_field.name)
        return ""
    if not raw.startswith(b"\x89PNG\r\n\x1a\n"):
        return ""
    return PREFIX + base64.b64encode(raw).decode("ascii")

"""core.uploads: types read from the bytes, sizes capped, random stored names, safe serving."""

from __future__ import annotations

import struct
import zlib

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from aftersales.core.errors import ValidationFailed
from aftersales.core.uploads import download_response, upload_check


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def tiny_png(width: int = 2, height: int = 2) -> bytes:
    """A real, decodable RGB PNG (all red), built by hand."""
    rows = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(rows)) + _chunk(b"IEND", b"")


def tiny_jpeg() -> bytes:
    """A real baseline JFIF JPEG: one 8x8 mid-grey block (DC 0, then end-of-block)."""
    app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    dqt = b"\xff\xdb" + struct.pack(">H", 67) + b"\x00" + b"\x01" * 64
    sof = b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, 8, 8, 1) + b"\x01\x11\x00"
    one_code = bytes([1] + [0] * 15)  # a single 1-bit code ...
    dht_dc = b"\xff\xc4" + struct.pack(">H", 20) + b"\x00" + one_code + b"\x00"  # ... for DC category 0
    dht_ac = b"\xff\xc4" + struct.pack(">H", 20) + b"\x10" + one_code + b"\x00"  # ... for AC end-of-block
    sos = b"\xff\xda" + struct.pack(">H", 8) + b"\x01\x01\x00\x00\x3f\x00"
    scan = b"\x3f"  # bits 0 (DC diff 0), 0 (EOB), padded with ones
    return b"\xff\xd8" + app0 + dqt + sof + dht_dc + dht_ac + sos + scan + b"\xff\xd9"


def _upload(name: str, data: bytes, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


@pytest.mark.parametrize(
    ("name", "data", "mime", "stored_ext"),
    [
        ("photo.jpg", tiny_jpeg(), "image/jpeg", "jpg"),
        ("photo.png", tiny_png(), "image/png", "png"),
        ("IMG_0001.JPEG", tiny_jpeg(), "image/jpeg", "jpg"),
    ],
)
def test_real_images_pass(name, data, mime, stored_ext):
    checked = upload_check(_upload(name, data))
    assert (checked.kind, checked.content_type, checked.size) == ("image", mime, len(data))
    assert checked.original_name == f"{name.rsplit('.', 1)[0]}.{stored_ext}"
    assert checked.file.read() == data  # the stream is rewound for storage


def test_the_stored_name_is_random_and_keeps_no_user_text():
    first = upload_check(_upload("../../etc/我的照片.png", tiny_png()))
    second = upload_check(_upload("../../etc/我的照片.png", tiny_png()))
    assert first.file.name != second.file.name
    for checked in (first, second):
        stem, ext = checked.file.name.rsplit(".", 1)
        assert ext == "png"
        assert len(stem) == 32 and all(c in "0123456789abcdef" for c in stem)
    assert first.original_name == "我的照片.png"


SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><circle r="4"/></svg>'
HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48 + b"PE\x00\x00" + b"\x00" * 64


@pytest.mark.parametrize(
    ("name", "data", "content_type"),
    [
        ("drawing.svg", SVG, "image/svg+xml"),
        ("drawing.png", SVG, "image/png"),
        ("page.html", HTML, "text/html"),
        ("page.jpg", HTML, "image/jpeg"),
        ("setup.exe", EXE, "application/x-msdownload"),
        ("setup.png", EXE, "image/png"),
        ("empty.png", b"", "image/png"),
        ("notes.txt", b"just some text", "text/plain"),
    ],
)
def test_dangerous_or_unknown_types_are_refused(name, data, content_type):
    with pytest.raises(ValidationFailed) as caught:
        upload_check(_upload(name, data, content_type))
    assert caught.value.code == "file_type"
    assert "file" in caught.value.fields


def test_a_png_renamed_html_is_stored_as_png():
    checked = upload_check(_upload("photo.html", tiny_png(), "text/html"))
    assert checked.content_type == "image/png"
    assert checked.file.name.endswith(".png")
    assert checked.original_name == "photo.png"


def test_documents_only_where_allowed():
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"
    with pytest.raises(ValidationFailed):
        upload_check(_upload("manual.pdf", pdf))
    assert upload_check(_upload("manual.pdf", pdf), allowed=("document",)).kind == "document"


def test_oversized_files_are_refused(settings):
    settings.UPLOAD_MAX_IMAGE_BYTES = 50
    data = tiny_png(8, 8) + b"\x00" * 100
    with pytest.raises(ValidationFailed) as caught:
        upload_check(_upload("big.png", data), field="photo")
    assert caught.value.code == "file_too_large"
    assert "photo" in caught.value.fields


def _stored(data: bytes, name: str = "x.bin"):
    return default_storage.open(default_storage.save(name, ContentFile(data)))


@pytest.mark.parametrize("inline", [False, True])
def test_download_never_serves_html(inline):
    response = download_response(_stored(HTML), filename="page.html", content_type="text/html", inline=inline)
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    response.file_to_stream.close()


def test_download_pdf_is_an_attachment_and_images_may_be_inline():
    pdf = download_response(_stored(b"%PDF-1.4"), filename="m.pdf", content_type="application/pdf", inline=True)
    assert pdf["Content-Disposition"].startswith("attachment")
    assert pdf["Content-Type"] == "application/pdf"
    png = download_response(_stored(tiny_png()), filename="p.png", content_type="image/png", inline=True)
    assert png["Content-Disposition"].startswith("inline")
    assert png["X-Content-Type-Options"] == "nosniff"
    assert b"".join(png.streaming_content) == tiny_png()
    pdf.file_to_stream.close()
    png.file_to_stream.close()
    attached = download_response(_stored(tiny_png()), filename="p.png", content_type="image/png")
    assert attached["Content-Disposition"].startswith("attachment")
    attached.file_to_stream.close()

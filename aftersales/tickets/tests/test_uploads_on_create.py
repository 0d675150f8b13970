"""Photos and videos filed with a request: all are checked before anything is written."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from aftersales.core.errors import ValidationFailed
from aftersales.core.tests.test_uploads import SVG, tiny_png
from aftersales.customers.tests.factories import CustomerFactory
from aftersales.tickets.models import Attachment, ServiceRequest
from aftersales.tickets.services import attachments_add, request_create


def _create(agent, uploads):
    return request_create(
        actor=agent,
        customer=CustomerFactory(),
        channel="wechat",
        service_type="repair",
        description="冰箱不制冷",
        acknowledge=True,
        uploads=uploads,
    )


def test_request_with_photos_keeps_their_names(agent):
    sr = _create(agent, [SimpleUploadedFile("门把手.png", tiny_png()), SimpleUploadedFile("背面.png", tiny_png())])
    assert sorted(a.original_name for a in sr.attachments.all()) == ["背面.png", "门把手.png"]
    assert sr.status == "acknowledged"
    assert sr.events.filter(kind="attachment").count() == 2


def test_one_bad_file_writes_nothing(agent):
    with pytest.raises(ValidationFailed) as exc:
        _create(agent, [SimpleUploadedFile("ok.png", tiny_png()), SimpleUploadedFile("x.svg", SVG)])
    assert exc.value.code == "file_type" and "files" in exc.value.fields
    assert ServiceRequest.objects.count() == 0 and Attachment.objects.count() == 0


def test_attachments_add_is_all_or_nothing(agent):
    sr = _create(agent, [])
    with pytest.raises(ValidationFailed):
        attachments_add(
            actor=agent, request=sr, uploads=[SimpleUploadedFile("a.png", tiny_png()), SimpleUploadedFile("b.svg", SVG)]
        )
    assert sr.attachments.count() == 0

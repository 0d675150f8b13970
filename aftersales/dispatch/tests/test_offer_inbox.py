"""A job offer reaches the technician's in-app inbox (and his e-mail when he has one)."""

import pytest
from django.core import mail
from django.utils import translation

from aftersales.accounts.choices import Role
from aftersales.dispatch.services import dispatch_assign
from aftersales.notifications.models import Notification

from .factories import CENTRE, job, region, tech_profile


@pytest.mark.django_db
def test_offer_lands_in_the_inbox_with_who_where_when_what(dispatcher, make_user, django_capture_on_commit_callbacks):
    reg = region()
    tech = make_user(Role.TECHNICIAN, last_name="张", email="zhang@example.com")
    tech_profile(dispatcher, tech, region=reg, lat=CENTRE[0] + 0.01, lng=CENTRE[1])
    sr = job(dispatcher, region=reg)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        dispatch_assign(actor=dispatcher, request=sr, technician=tech)
    [note] = Notification.objects.filter(recipient=tech, key="dispatch.offer")
    assert note.link_id == str(sr.pk) and note.href == f"/requests/{sr.pk}/"
    assert sr.number in note.text and sr.contact_phone in note.text and "Please accept or decline by" in note.text
    with translation.override("zh-hans"):
        assert "请在" in note.text and "Please" not in note.text
    [sent] = mail.outbox
    assert sent.to == ["zhang@example.com"] and sent.subject == f"New job {sr.number}"  # his language: the site's
    assert sent.body.startswith(f"Job {sr.number}: ")

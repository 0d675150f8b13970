"""Certification reminders through the outbox: 30 days before expiry and on the lapse day, to the
person and his manager, once per expiry."""

import datetime as dt

import pytest
from django.core.management import call_command

from aftersales.accounts.choices import Role
from aftersales.core.messages import render
from aftersales.notifications.models import OutboxMessage
from aftersales.tickets.choices import ServiceType
from aftersales.training.choices import CourseKind
from aftersales.training.models import Certification
from aftersales.training.services import certification_sweep, managers_of
from aftersales.training.tasks import certification_sweep_task

from .factories import make_course, passed

pytestmark = pytest.mark.django_db


@pytest.fixture
def cert(qm, technician):
    course = make_course(
        qm,
        title="燃气热水器安装资质",
        kind=CourseKind.SKILLS,
        certifies_service_type=ServiceType.INSTALLATION,
        validity_months=12,
    )
    passed(qm, course, technician, dt.date.today() - dt.timedelta(days=5))
    OutboxMessage.objects.all().delete()
    return Certification.objects.get()


def keys(person):
    return sorted(OutboxMessage.objects.filter(recipient=person).values_list("key", "channel"))


def test_the_reminder_goes_30_days_before_and_only_once(cert, technician, manager):
    e = cert.expires_on
    assert certification_sweep(on=e - dt.timedelta(days=31)) == {"reminded": 0, "lapsed": 0}
    assert certification_sweep(on=e - dt.timedelta(days=30)) == {"reminded": 1, "lapsed": 0}
    assert ("training.cert_expiring", "in_app") in keys(technician)
    assert keys(manager) == keys(technician)
    assert certification_sweep(on=e - dt.timedelta(days=29)) == {"reminded": 0, "lapsed": 0}
    text = render("training.cert_expiring", OutboxMessage.objects.filter(recipient=manager).first().params)
    assert e.isoformat() in text and "Installation" in text and technician.display_name in text


def test_the_lapse_notice_goes_on_the_expiry_day_and_only_once(cert, technician, manager):
    e = cert.expires_on
    assert certification_sweep(on=e - dt.timedelta(days=1))["lapsed"] == 0
    assert certification_sweep(on=e)["lapsed"] == 1
    assert certification_sweep(on=e + dt.timedelta(days=1))["lapsed"] == 0
    assert ("training.cert_lapsed", "in_app") in keys(manager)


def test_a_renewal_gets_its_own_reminder(qm, cert, technician):
    e = cert.expires_on
    certification_sweep(on=e - dt.timedelta(days=10))
    cert.refresh_from_db()
    assert cert.reminded_for == e
    passed(qm, cert.course, technician, dt.date.today())
    cert.refresh_from_db()
    assert cert.expires_on > e
    assert certification_sweep(on=cert.expires_on - dt.timedelta(days=10))["reminded"] == 1


def test_the_reminder_is_also_an_email(qm, make_user, manager):
    tech = make_user(Role.TECHNICIAN, email="zhang@example.cn")
    course = make_course(qm, kind=CourseKind.SKILLS, certifies_service_type="repair", validity_months=1)
    passed(qm, course, tech, dt.date.today())
    certification_sweep(on=Certification.objects.get().expires_on - dt.timedelta(days=1))
    assert ("training.cert_expiring", "email") in keys(tech)


def test_the_manager_of_a_partner_technician_is_the_partner_staff(make_user, partner_org, manager):
    station = make_user(Role.PARTNER, organization=partner_org)
    tech = make_user(Role.TECHNICIAN, organization=partner_org)
    assert managers_of(tech) == [station]
    own = make_user(Role.TECHNICIAN)
    assert managers_of(own) == [manager]


def test_the_periodic_task_and_the_command_run_the_sweep(cert, capsys):
    assert certification_sweep_task.call_local() == {"reminded": 0, "lapsed": 0}
    call_command("training_sweep")
    assert "reminded 0, lapsed 0" in capsys.readouterr().out

"""The standards' settings pages: success, refusal (400, the reason shown, nothing written),
the live previews, and who may open them."""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from aftersales.accounts.choices import Role
from aftersales.core.models import AuditEvent
from aftersales.sla.models import Calendar, CalendarDay, EscalationLevel, SlaPolicy

pytestmark = pytest.mark.django_db
H = dt.timedelta(hours=1)


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def web(user, language="en"):
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


RULE = {
    "name": "VIP repair: on site within 8 h",
    "is_active": "on",
    "precedence": "50",
    "warning_percent": "75",
    "calendar": "",
    "pause_statuses": ["waiting_customer", "waiting_parts"],
    "service_type": "repair",
    "priority": "",
    "customer_tier": "3",
    "region_class": "",
    "channel": "",
    "product_category": "",
    "first_response_0": "",
    "first_response_1": "h",
    "appointment_contact_0": "",
    "appointment_contact_1": "h",
    "arrival_0": "8",
    "arrival_1": "h",
    "resolution_0": "3",
    "resolution_1": "d",
    "resolution_business": "on",
}


@pytest.mark.parametrize("role", [Role.MANAGER, Role.ADMIN])
def test_pages_open_for_managers_and_admins(make_user, role):
    client = web(make_user(role))
    rule = SlaPolicy.objects.first()
    calendar = Calendar.objects.get(code="standard")
    level = EscalationLevel.objects.first()
    for url in (
        reverse("sla:rules"),
        reverse("sla:rule_create"),
        reverse("sla:rule_edit", args=[rule.pk]),
        reverse("sla:calendars"),
        reverse("sla:calendar_create"),
        reverse("sla:calendar_edit", args=[calendar.pk]),
        reverse("sla:levels"),
        reverse("sla:level_create"),
        reverse("sla:level_edit", args=[level.pk]),
    ):
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("role", [Role.AGENT, Role.DISPATCHER, Role.QUALITY, Role.TECHNICIAN])
def test_other_roles_get_403_and_no_menu_entry(make_user, role):
    client = web(make_user(role))
    assert client.get(reverse("sla:rules")).status_code == 403
    assert client.post(reverse("sla:rule_create"), RULE).status_code == 403
    assert not SlaPolicy.objects.filter(name=RULE["name"]).exists()


def test_menu_shows_the_settings_to_a_manager_only(manager, dispatcher):
    html = web(manager).get(reverse("sla:at_risk")).content.decode()
    assert reverse("sla:rules") in html and reverse("sla:calendars") in html and reverse("sla:levels") in html
    assert reverse("sla:rules") not in web(dispatcher).get(reverse("sla:at_risk")).content.decode()


def test_rule_create(manager):
    response = web(manager).post(reverse("sla:rule_create"), RULE)
    assert response.status_code == 302 and response["Location"] == reverse("sla:rules")
    rule = SlaPolicy.objects.get(name=RULE["name"])
    assert (rule.arrival, rule.arrival_business) == (8 * H, False)
    assert (rule.resolution, rule.resolution_business) == (dt.timedelta(days=3), True)
    assert (
        rule.customer_tier == 3
        and rule.priority is None
        and rule.pause_statuses == ["waiting_parts", "waiting_customer"]
    )
    assert AuditEvent.objects.filter(action="sla.policy_create", object_id=str(rule.pk)).exists()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"arrival_0": "", "resolution_0": ""}, "Set at least one target"),
        ({"arrival_0": "0"}, "A target must be longer than zero."),
        ({"arrival_0": "abc"}, "Enter a whole number."),
        ({"name": ""}, "This field is required."),
        ({"customer_tier": "9"}, "Select a valid choice."),
        ({"pause_statuses": ["closed"]}, "Select a valid choice."),
    ],
)
def test_rule_create_refused_shows_why_and_writes_nothing(manager, change, message):
    count = SlaPolicy.objects.count()
    response = web(manager).post(reverse("sla:rule_create"), {**RULE, **change})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert SlaPolicy.objects.count() == count


def test_rule_edit_and_deactivate(manager):
    rule = SlaPolicy.objects.get(priority="urgent")
    client = web(manager)
    page = client.get(reverse("sla:rule_edit", args=[rule.pk])).content.decode()
    assert 'name="first_response_0"' in page and 'value="1"' in page and "Deadline preview" in page
    data = {**RULE, "name": rule.name, "service_type": "", "customer_tier": "", "priority": "urgent"}
    data.update({"arrival_0": "", "resolution_0": "", "first_response_0": "2", "first_response_1": "h"})
    assert client.post(reverse("sla:rule_edit", args=[rule.pk]), data).status_code == 302
    rule.refresh_from_db()
    assert rule.first_response == 2 * H
    response = client.post(reverse("sla:rule_active", args=[rule.pk]), {"active": "0"}, follow=True)
    assert "deactivated" in response.content.decode()
    assert not SlaPolicy.objects.get(pk=rule.pk).is_active
    # nonsense is refused with a message, nothing changed
    client.post(reverse("sla:rule_active", args=[rule.pk]), {"active": "maybe"})
    assert not SlaPolicy.objects.get(pk=rule.pk).is_active


def test_rule_preview_follows_the_unsaved_form(manager):
    params = {
        **RULE,
        "received_at": "2026-02-13T17:50",
        "arrival_0": "30",
        "arrival_1": "min",
        "arrival_business": "on",
    }
    params.pop("resolution_0")
    html = web(manager).get(reverse("sla:rule_preview"), params).content.decode()
    # 10 min of Friday's working time, then the 调休 make-up Saturday
    assert 'data-due="2026-02-14 09:20"' in html
    assert 'data-target="resolution"' not in html
    assert not SlaPolicy.objects.filter(name=RULE["name"]).exists()


def test_calendar_edit_hours_and_errors(admin_user):
    calendar = Calendar.objects.get(code="standard")
    client = web(admin_user)
    data = {
        "name": "Standard working hours",
        "code": "standard",
        "time_zone": "Asia/Shanghai",
        "is_default": "on",
        "make_up_weekday": "0",
        **{f"weekday_{d}": "09:00-12:00, 13:30-18:00" for d in range(5)},
        "weekday_5": "10:00-16:00",
        "weekday_6": "",
    }
    assert client.post(reverse("sla:calendar_edit", args=[calendar.pk]), data).status_code == 302
    assert calendar.periods.filter(weekday=5).count() == 1
    bad = {**data, "weekday_5": "16:00-10:00", "weekday_6": "9-5"}
    response = client.post(reverse("sla:calendar_edit", args=[calendar.pk]), bad)
    html = response.content.decode()
    assert response.status_code == 400
    assert "Write shifts like 09:00-12:00" in html
    assert calendar.periods.filter(weekday=5).get().start == dt.time(10)  # unchanged


def test_calendar_days_add_and_remove(admin_user):
    calendar = Calendar.objects.get(code="standard")
    client = web(admin_user)
    url = reverse("sla:calendar_day_add", args=[calendar.pk])
    response = client.post(
        url, {"day-date": "2026-03-09", "day-kind": "holiday", "day-name": "公司假日", "day-periods": ""}
    )
    assert response.status_code == 302 and response["Location"].endswith("?year=2026#days")
    day = CalendarDay.objects.get(calendar=calendar, date=dt.date(2026, 3, 9))
    page = client.get(reverse("sla:calendar_edit", args=[calendar.pk]), {"year": "2026"}).content.decode()
    assert 'data-date="2026-03-09" data-kind="holiday"' in page
    # a holiday with hours: refused, the form says why, nothing written
    response = client.post(url, {"day-date": "2026-03-10", "day-kind": "holiday", "day-periods": "09:00-12:00"})
    assert response.status_code == 400 and "A holiday has no working hours." in response.content.decode()
    assert not CalendarDay.objects.filter(calendar=calendar, date=dt.date(2026, 3, 10)).exists()
    response = client.post(url, {"day-date": "not a date", "day-kind": "workday"})
    assert response.status_code == 400 and "Enter a valid date." in response.content.decode()
    client.post(reverse("sla:calendar_day_delete", args=[calendar.pk, day.pk]))
    assert not CalendarDay.objects.filter(pk=day.pk).exists()


def test_calendar_preview_shows_the_unsaved_hours(admin_user):
    calendar = Calendar.objects.get(code="standard")
    params = {
        "name": "Standard working hours",
        "code": "standard",
        "time_zone": "Asia/Shanghai",
        "is_default": "on",
        "make_up_weekday": "0",
        "received_at": "2026-03-06T17:00",  # Friday
        **{f"weekday_{d}": "09:00-12:00, 13:30-18:00" for d in range(5)},
        "weekday_5": "09:00-18:00",
    }
    html = web(admin_user).get(reverse("sla:calendar_preview", args=[calendar.pk]), params).content.decode()
    assert 'data-date="2026-03-07" data-working="1"' in html  # Saturday works in the draft
    assert 'data-due="2026-03-07 12:00"' in html  # 4 h: 1 h on Friday, 3 h on Saturday


def test_level_edit_and_preview(manager):
    level = EscalationLevel.objects.get(level=2, kind="")
    client = web(manager)
    data = {
        "level": "2",
        "name": level.name,
        "kind": "",
        "is_active": "on",
        "delay_0": "30",
        "delay_1": "min",
        "notify_role": "dispatcher",
        "notify_assignee": "on",
        "in_app": "on",
        "email": "on",
        "raise_priority_to": "high",
    }
    preview = client.get(
        reverse("sla:level_preview"),
        {
            **data,
            "level_id": level.pk,
            "preview-received_at": "2026-03-09T09:00",
            "preview-rule": SlaPolicy.objects.get(name__startswith="Default").pk,
        },
    ).content.decode()
    assert 'data-at="2026-03-10 09:30"' in preview  # due 24 h later, level 2 half an hour after the breach
    assert client.post(reverse("sla:level_edit", args=[level.pk]), data).status_code == 302
    level.refresh_from_db()
    assert level.delay == dt.timedelta(minutes=30)
    response = client.post(reverse("sla:level_edit", args=[level.pk]), {**data, "level": "1"})
    assert response.status_code == 400 and "already has a row for this level" in response.content.decode()
    assert EscalationLevel.objects.get(pk=level.pk).level == 2


def test_settings_pages_in_chinese(manager):
    html = web(manager, "zh-hans").get(reverse("sla:rules"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "SLA 规则" in html and "市区维修：24 小时内预约" in html

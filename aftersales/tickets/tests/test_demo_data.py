import random

import pytest
from django.core.management import call_command
from django.db.models import Count
from django.utils import timezone

from aftersales.accounts.demo import DEMO_USERS
from aftersales.accounts.models import User
from aftersales.catalog.models import ProductUnit
from aftersales.core.phones import phone_normalize
from aftersales.customers.models import Customer
from aftersales.tickets.choices import PRIORITY_RANK, Status
from aftersales.tickets.demo import PATHS, SMALL_REQUESTS, demo_reference_ensure, request_walk
from aftersales.tickets.models import ServiceRequest, ServiceRequestEvent


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _demo(*args):
    call_command("demo_data", "--no-progress", *args, verbosity=0)


@pytest.mark.django_db
def test_demo_data_creates_every_login_and_every_status():
    _demo("--seed", "7")

    users = {u.username: u for u in User.objects.all()}
    for username, role, org, _last, _first in DEMO_USERS:
        assert users[username].role == role
        assert users[username].check_password("demo-pass-2026")
        assert (users[username].organization.name if users[username].organization else None) == org
    assert Customer.objects.get(user=users["customer"]).requests.exists()

    statuses = set(ServiceRequest.objects.values_list("status", flat=True))
    assert statuses == set(Status.values)
    # SMALL_REQUESTS (1,400) from this app's demo; the apps above may file more through the services
    # (returns: a repair request; feedback: a few calls due soon).
    assert SMALL_REQUESTS <= ServiceRequest.objects.exclude(description__startswith="RM").count() <= SMALL_REQUESTS + 10
    assert Customer.objects.count() == 400
    assert ServiceRequest.objects.filter(assigned_technician=users["partnertech"]).exists()
    assert ServiceRequest.objects.filter(assigned_technician=users["tech"]).exists()
    assert Customer.objects.filter(tier=3).exists()
    assert Customer.objects.filter(kind="company").exists()
    assert ProductUnit.objects.filter(warranty_end__lt=timezone.localdate()).exists()
    assert ProductUnit.objects.filter(warranty_end__gte=timezone.localdate()).exists()
    # Every request has its CREATED row and its last transition lands on its status.
    for request in ServiceRequest.objects.all():
        events = list(request.events.order_by("at", "id"))
        assert events[0].kind == ServiceRequestEvent.Kind.CREATED
        transitions = [e for e in events if e.kind == ServiceRequestEvent.Kind.TRANSITION]
        assert (transitions[-1].to_status if transitions else Status.NEW) == request.status
        assert request.created_at <= request.status_changed_at <= timezone.now()


@pytest.mark.django_db
def test_if_empty_does_nothing_the_second_time():
    _demo("--seed", "3")
    counts = (ServiceRequest.objects.count(), Customer.objects.count(), User.objects.count())
    _demo("--if-empty")
    assert (ServiceRequest.objects.count(), Customer.objects.count(), User.objects.count()) == counts


@pytest.mark.django_db
@pytest.mark.parametrize("target", list(PATHS))
def test_every_path_is_legal_through_the_services(target):
    ref = demo_reference_ensure()
    rng = random.Random(1)
    customer = Customer.objects.create(name="测试", phone="+8613800000000")
    for path in PATHS[target]:
        request = request_walk(
            rng, ref, customer=customer, target=target, now=timezone.now(), spec=ref.products[0], path=path
        )
        assert request.status == target


@pytest.mark.django_db
def test_bulk_mode_adds_valid_requests():
    _demo("--requests", "500", "--seed", "5", "--batch-size", "200")

    requests = ServiceRequest.objects.all()
    assert requests.count() == 500
    assert requests.values("number").distinct().count() == 500
    assert set(requests.values_list("status", flat=True)) <= set(Status.values)
    assert requests.values("status").annotate(n=Count("id")).count() >= 5
    now = timezone.now()
    for r in requests.select_related("unit", "customer"):
        assert r.priority_rank == PRIORITY_RANK[r.priority]
        assert r.number.startswith(f"SR{timezone.localtime(r.created_at):%y%m}-")
        assert r.created_at <= r.status_changed_at <= now
        if r.status == Status.NEW:
            assert r.acknowledged_at is None
        assert (r.closed_at is not None) == (r.status == Status.CLOSED)
        done = r.status in (Status.COMPLETED, Status.FOLLOWED_UP, Status.CLOSED)
        assert (r.completed_at is not None) == done
        if r.unit is not None:
            assert r.unit.owner_id == r.customer_id
            assert r.warranty_end == r.unit.warranty_end == r.unit.compute_warranty_end()
            assert r.in_warranty == (timezone.localtime(r.created_at).date() <= r.warranty_end)
            assert r.unit.purchase_date < timezone.localtime(r.created_at).date()
        assert phone_normalize(r.contact_phone) == r.contact_phone == r.customer.phone
    assert ServiceRequestEvent.objects.filter(kind=ServiceRequestEvent.Kind.CREATED).count() == 500
    assert Customer.objects.count() == 125
    assert Customer.objects.values("phone").distinct().count() == 125
    assert ProductUnit.objects.values("serial_number").distinct().count() == ProductUnit.objects.count()


@pytest.mark.django_db
def test_bulk_numbers_continue_the_live_sequence():
    _demo("--requests", "50", "--seed", "2")
    from aftersales.tickets.services import request_number_next

    number = request_number_next()
    assert not ServiceRequest.objects.filter(number=number).exists()


def test_within_hours_moves_a_moment_into_the_working_day():
    import datetime as dt

    from aftersales.tickets.demo import OFFICE_HOURS, in_hours, within_hours

    rng = random.Random(3)
    tz = timezone.get_current_timezone()

    def local(text):
        return dt.datetime.fromisoformat(text).replace(tzinfo=tz)

    assert within_hours(rng, local("2026-12-07T10:00"), OFFICE_HOURS) == local("2026-12-07T10:00")
    night = within_hours(rng, local("2026-12-07T22:30"), OFFICE_HOURS)  # the next morning, soon after 08:00
    assert local("2026-12-08T08:00") < night < local("2026-12-08T09:20")
    early = within_hours(rng, local("2026-12-07T03:00"), OFFICE_HOURS)
    assert local("2026-12-07T08:00") < early < local("2026-12-07T09:20")
    # Not after ``before``: the last working moment ahead of it.
    late = within_hours(rng, local("2026-12-07T22:30"), OFFICE_HOURS, before=local("2026-12-08T06:00"))
    assert late < local("2026-12-07T21:00") and in_hours(late, OFFICE_HOURS)
    soon = within_hours(rng, local("2026-12-07T03:00"), OFFICE_HOURS, before=local("2026-12-07T08:05"))
    assert local("2026-12-07T08:00") <= soon < local("2026-12-07T08:05")

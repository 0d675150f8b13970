"""Dispatch test helpers: technicians with profiles, jobs with coordinates, all built through services."""

from __future__ import annotations

import functools
import itertools
from decimal import Decimal

from django.test import TestCase

from aftersales.customers.services import address_create, customer_create
from aftersales.customers.tests.factories import RegionFactory
from aftersales.dispatch.services import profile_save
from aftersales.tickets.choices import Channel, Priority, ServiceType
from aftersales.tickets.services import request_create

_n = itertools.count(1)


def committed(fn):
    """Run ``fn`` and then its on-commit callbacks (signals, Huey tasks), as a real commit would.

    pytest-django wraps each test in a transaction that is never committed."""

    @functools.wraps(fn)
    def call(*args, **kwargs):
        with TestCase.captureOnCommitCallbacks(execute=True):
            return fn(*args, **kwargs)

    return call


# Around Shanghai People's Square.
CENTRE = (31.2304, 121.4737)


def region():
    return RegionFactory()


def tech_profile(actor, user, *, region=None, lat=CENTRE[0], lng=CENTRE[1], skills=None, **data):
    skills = skills if skills is not None else [(None, st, 2) for st in ServiceType.values]
    return profile_save(
        actor=actor,
        technician=user,
        home_latitude=Decimal(str(round(lat, 6))),
        home_longitude=Decimal(str(round(lng, 6))),
        skills=skills,
        regions=[region] if region is not None else [],
        **data,
    )


@committed
def job(
    actor,
    *,
    region=None,
    lat=CENTRE[0] + 0.01,
    lng=CENTRE[1] + 0.01,
    priority=Priority.NORMAL,
    service_type=ServiceType.REPAIR,
    acknowledge=True,
    email="",
    customer=None,
    **kwargs,
):
    n = next(_n)
    if customer is None:
        customer = customer_create(actor=actor, name=f"客户{n}", phone=f"+86137{n:08d}", email=email)
    address_create(
        actor=actor,
        customer=customer,
        province="上海市",
        city="上海市",
        street=f"测试路{n}号",
        region=region,
        latitude=Decimal(str(round(lat, 6))),
        longitude=Decimal(str(round(lng, 6))),
        is_default=True,
    )
    return request_create(
        actor=actor,
        customer=customer,
        channel=Channel.PHONE,
        service_type=service_type,
        description="Not cooling.",
        priority=priority,
        acknowledge=acknowledge,
        **kwargs,
    )

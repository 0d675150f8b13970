"""Demo dispatch data: technician profiles (skills, regions, home bases near their region) for the demo
technicians "tech" and "partnertech" and a few more created here, and a dispatch policy per mode.

Run by ``manage.py demo_data`` (``demo_load``, see ``core.demos``) after the logins, regions and catalog.
Demo only: the passwords are public.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.db import transaction

from aftersales.accounts.choices import Role
from aftersales.accounts.demo import DEMO_PASSWORD, OWN_ORG, PARTNER_ORG
from aftersales.accounts.models import Organization, User
from aftersales.accounts.services import user_create
from aftersales.catalog.demo import CATEGORIES
from aftersales.catalog.models import ProductCategory
from aftersales.customers.demo import REGIONS
from aftersales.customers.models import Region
from aftersales.tickets.choices import ServiceType

from .choices import DispatchMode
from .models import DispatchPolicy, TechnicianProfile
from .services import policy_create, profile_save

DEMO_ORDER = 60

# username, organization, last name, first name, region codes served (first = home region)
EXTRA_TECHNICIANS = [
    ("tech2", OWN_ORG, "李", "师傅", ["SH-XH", "SH-PD"]),
    ("tech3", OWN_ORG, "王", "师傅", ["SH-PD"]),
    ("tech4", OWN_ORG, "刘", "师傅", None),
    ("partnertech2", PARTNER_ORG, "郑", "师傅", ["SH-XH", "SH-PD"]),
]
FIELD_TYPES = [ServiceType.INSTALLATION, ServiceType.REPAIR, ServiceType.MAINTENANCE, ServiceType.RETURN_EXCHANGE]


def _region_coords() -> dict[str, tuple[float, float]]:
    return {row[0]: (row[6], row[7]) for row in REGIONS}


def demo_dispatch(*, rng: random.Random) -> list[TechnicianProfile]:
    """Profiles for every demo technician (idempotent: existing profiles are updated)."""
    with transaction.atomic():
        admin = User.objects.filter(username="admin").first()
        orgs = {o.name: o for o in Organization.objects.filter(name__in=[OWN_ORG, PARTNER_ORG])}
        regions = {r.code: r for r in Region.objects.filter(code__in=[row[0] for row in REGIONS])}
        if not regions:
            return []
        codes = sorted(regions)
        coords = _region_coords()
        categories = list(ProductCategory.objects.filter(code__in=[c[0] for c in CATEGORIES]).order_by("code"))
        plan = [("tech", OWN_ORG, None, None, ["SH-PD", "SH-XH"]), ("partnertech", PARTNER_ORG, None, None, ["SH-XH"])]
        plan += [(u, org, last, first, served) for u, org, last, first, served in EXTRA_TECHNICIANS]
        profiles = []
        for username, org_name, last, first, served in plan:
            user = User.objects.filter(username=username).first()
            if user is None:
                if last is None or org_name not in orgs:
                    continue
                user = user_create(
                    actor=admin,
                    username=username,
                    password=DEMO_PASSWORD,
                    role=Role.TECHNICIAN,
                    organization=orgs[org_name],
                    last_name=last,
                    first_name=first,
                    email=f"{username}@demo.aftersales.local",
                )
            served = [c for c in (served or rng.sample(codes, k=min(2, len(codes)))) if c in regions] or [codes[0]]
            lat, lng = coords.get(served[0], (31.23, 121.47))
            skills = []
            for st in FIELD_TYPES:
                if rng.random() < 0.85:
                    skills.append((None, st, rng.choice([1, 2, 2, 3])))
            for cat in rng.sample(categories, k=min(3, len(categories))):
                skills.append((cat, ServiceType.REPAIR, 3))
            if not any(st == ServiceType.REPAIR and cat is None for cat, st, _ in skills):
                skills.append((None, ServiceType.REPAIR, 1))
            profiles.append(
                profile_save(
                    actor=admin,
                    technician=user,
                    home_label=f"{served[0]} 服务站",
                    home_latitude=Decimal(f"{lat + rng.uniform(-0.03, 0.03):.6f}"),
                    home_longitude=Decimal(f"{lng + rng.uniform(-0.03, 0.03):.6f}"),
                    shift_start=dt.time(8, 30),
                    shift_end=dt.time(17, 30),
                    capacity_jobs=rng.choice([5, 6, 7]),
                    rating=Decimal(f"{rng.uniform(3.6, 4.9):.2f}"),
                    skills=skills,
                    regions=[regions[c] for c in served],
                )
            )
        # One policy per mode so each can be tried: a default, and region/type specifics.
        if not DispatchPolicy.objects.exists():
            policy_create(actor=admin, mode=DispatchMode.SUGGEST, accept_minutes=30)
            policy_create(
                actor=admin, region=regions[codes[0]], service_type=ServiceType.INSTALLATION, mode=DispatchMode.AUTO
            )
            policy_create(
                actor=admin, region=regions[codes[-1]], service_type=ServiceType.MAINTENANCE, mode=DispatchMode.POOL
            )
        return profiles


def demo_load(ctx) -> None:
    demo_dispatch(rng=ctx.rng("dispatch"))

"""The demo logins created by ``manage.py demo_data`` and printed by ``demo_logins`` (see ``core.demos``).

Leaves ``ctx.data["users"]``: {username: User} for the apps above.
Demo only: the passwords are public. Never load demo data into a production database.
"""

from __future__ import annotations

from .choices import OrganizationKind, Role
from .models import Organization, User
from .services import organization_create, user_create

DEMO_ORDER = 10
DEMO_PASSWORD = "demo-pass-2026"
OWN_ORG = "华信家居售后服务有限公司"
PARTNER_ORG = "苏州安家授权服务中心"
ORG_PHONES = {OWN_ORG: "4008201234", PARTNER_ORG: "051262881234"}

# username, role, organization name (None for the customer), last name, first name
DEMO_USERS = [
    ("admin", Role.ADMIN, OWN_ORG, "管", "理员"),
    ("manager", Role.MANAGER, OWN_ORG, "王", "经理"),
    ("agent", Role.AGENT, OWN_ORG, "李", "小梅"),
    ("dispatcher", Role.DISPATCHER, OWN_ORG, "赵", "调度"),
    ("tech", Role.TECHNICIAN, OWN_ORG, "张", "师傅"),
    ("parts", Role.PARTS_CLERK, OWN_ORG, "孙", "库管"),
    ("quality", Role.QUALITY, OWN_ORG, "周", "质检"),
    ("qmanager", Role.QUALITY_MANAGER, OWN_ORG, "钱", "质量经理"),
    ("partner", Role.PARTNER, PARTNER_ORG, "陈", "站长"),
    ("partnertech", Role.TECHNICIAN, PARTNER_ORG, "吴", "师傅"),
    ("customer", Role.CUSTOMER, None, "刘", "女士"),
]


def demo_reference(ctx) -> None:
    """Create (or find) the demo organizations and logins."""
    orgs = {}
    for name, kind in ((OWN_ORG, OrganizationKind.OWN), (PARTNER_ORG, OrganizationKind.PARTNER)):
        orgs[name] = Organization.objects.filter(name=name).first() or organization_create(
            actor=None, name=name, kind=kind, phone=ORG_PHONES[name]
        )
    users = {u.username: u for u in User.objects.filter(username__in=[d[0] for d in DEMO_USERS])}
    for username, role, org_name, last, first in DEMO_USERS:
        if username not in users:
            users[username] = user_create(
                actor=users.get("admin"),
                username=username,
                password=DEMO_PASSWORD,
                role=role,
                organization=orgs[org_name] if org_name else None,
                last_name=last,
                first_name=first,
                email=f"{username}@demo.aftersales.local",
            )
    ctx.data["users"] = users

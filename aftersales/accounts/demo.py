"""The demo logins created by ``manage.py demo_data`` and printed by ``demo_logins``.

Demo only: the passwords are public. Never load demo data into a production database.
"""

from .choices import Role

DEMO_PASSWORD = "demo-pass-2026"
OWN_ORG = "华信家居售后服务有限公司"
PARTNER_ORG = "苏州安家授权服务中心"

# username, role, organization name (None for the customer), last name, first name
DEMO_USERS = [
    ("admin", Role.ADMIN, OWN_ORG, "管", "理员"),
    ("manager", Role.MANAGER, OWN_ORG, "王", "经理"),
    ("agent", Role.AGENT, OWN_ORG, "李", "小梅"),
    ("dispatcher", Role.DISPATCHER, OWN_ORG, "赵", "调度"),
    ("tech", Role.TECHNICIAN, OWN_ORG, "张", "师傅"),
    ("parts", Role.PARTS_CLERK, OWN_ORG, "孙", "库管"),
    ("quality", Role.QUALITY, OWN_ORG, "周", "质检"),
    ("partner", Role.PARTNER, PARTNER_ORG, "陈", "站长"),
    ("partnertech", Role.TECHNICIAN, PARTNER_ORG, "吴", "师傅"),
    ("customer", Role.CUSTOMER, None, "刘", "女士"),
]

"""The on-site service norms of seed 001 §3.4 (上门服务规范), the default inspection checklist.
Items are stored with their code; a default item is shown by its translated label."""

from django.utils.translation import gettext_lazy as _

DEFAULT_TEMPLATE_NAME = _("On-site service norms")
DEFAULT_NORMS = {
    "uniform_badge": _("Clean uniform worn and badge shown"),
    "punctual": _("Arrived on time, or called ahead"),
    "greeting": _("Greeted the customer and said who he is and why he came"),
    "shoe_covers": _("Put on shoe covers before entering"),
    "polite": _("Polite, patient language"),
    "explain": _("Explained the cause and the solution; charges agreed before work"),
    "protect": _("Protected the product and the home during the work"),
    "tidy": _("Asked about old parts and packaging; left the site clean"),
    "test_demo": _("Tested the product and showed use and care"),
    "signature": _("Customer confirmed and signed the service form"),
    "contact": _("Left contact details for later questions"),
}
DEFAULT_SAMPLING_RATE = 10  # per cent of each technician's completed jobs

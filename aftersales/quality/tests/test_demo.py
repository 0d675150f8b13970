import pytest

from aftersales.quality import demo
from aftersales.quality.models import Case

from .factories import closed_complaint


class Ctx:
    def __init__(self, users):
        self.data = {"users": users}
        self.lines = []

    def log(self, line):
        self.lines.append(line)


@pytest.mark.django_db
def test_demo_cases_include_one_from_each_closed_complaint(quality_user):
    complaint = closed_complaint(quality_user)
    assert not demo.demo_present()
    demo.demo_load(Ctx({"quality": quality_user}))
    assert demo.demo_present()
    assert {c.status for c in Case.objects.all()} == {"published", "draft"}
    assert Case.objects.filter(complaint=complaint, kind="bad").exists()
    assert Case.objects.count() == 3

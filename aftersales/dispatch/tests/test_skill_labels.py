"""Skills read as words, in the reader's language: "空调维修 · 高级", never "维修 · * · 3"."""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from aftersales.catalog.services import category_create
from aftersales.dispatch.models import TechnicianSkill, skill_label

from .factories import tech_profile

pytestmark = pytest.mark.django_db


@pytest.fixture
def air_conditioners(admin_user):
    return category_create(actor=admin_user, code="AC", name="空调")


def test_label_in_both_languages(air_conditioners):
    with translation.override("zh-hans"):
        assert skill_label("repair", air_conditioners, 3) == "空调维修 · 高级"
        assert skill_label("installation", None, 1) == "全品类安装 · 初级"
        assert skill_label("repair", air_conditioners, 2) == "空调维修 · 中级"
    with translation.override("en"):
        assert skill_label("repair", air_conditioners, 3) == "Repair, 空调 · Expert"
        assert skill_label("maintenance", None, 2) == "Maintenance, any product · Skilled"


def test_technician_pages_show_words(dispatcher, technician, air_conditioners):
    tech_profile(dispatcher, technician, skills=[(air_conditioners, "repair", 3), (None, "installation", 1)])
    skill = TechnicianSkill.objects.select_related("category").get(category=air_conditioners)
    with translation.override("en"):
        assert str(skill) == "Repair, 空调 · Expert"  # admin and anywhere a skill is printed
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(dispatcher)
    for url in (reverse("dispatch:technicians"), reverse("dispatch:technician_edit", args=[technician.pk])):
        html = client.get(url).content.decode()
        assert "空调维修 · 高级" in html and "全品类安装 · 初级" in html, url
        assert " · * · " not in html and " · 3<" not in html

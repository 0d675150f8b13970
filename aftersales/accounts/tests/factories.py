import factory

from aftersales.accounts.choices import OrganizationKind, Role
from aftersales.accounts.models import Organization, User


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization
        django_get_or_create = ("name",)

    name = "华信家居售后服务有限公司"
    kind = OrganizationKind.OWN


class PartnerFactory(OrganizationFactory):
    name = factory.Sequence(lambda n: f"授权服务商{n}")
    kind = OrganizationKind.PARTNER


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    role = Role.AGENT
    organization = factory.SubFactory(OrganizationFactory)
    last_name = "李"
    first_name = factory.Sequence(lambda n: f"员工{n}")
    password = factory.PostGenerationMethodCall("set_password", "pw-Test-123")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()

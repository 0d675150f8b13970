import datetime

import factory

from aftersales.catalog.models import Product, ProductCategory, ProductUnit
from aftersales.customers.tests.factories import CustomerFactory


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProductCategory
        django_get_or_create = ("code",)

    code = "sofa"
    name = "沙发"


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    model_code = factory.Sequence(lambda n: f"SF-{n:04d}")
    name = "真皮三人沙发"
    category = factory.SubFactory(CategoryFactory)
    warranty_months = 36


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProductUnit

    product = factory.SubFactory(ProductFactory)
    serial_number = factory.Sequence(lambda n: f"SN{n:08d}")
    owner = factory.SubFactory(CustomerFactory)
    purchase_date = factory.LazyFunction(lambda: datetime.date.today() - datetime.timedelta(days=100))
    warranty_months = factory.SelfAttribute("product.warranty_months")

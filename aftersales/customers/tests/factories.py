import factory

from aftersales.customers.models import Customer, CustomerAddress, Region


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ("code",)

    code = "310115"
    name = "上海市浦东新区"
    province = "上海市"
    city = "上海市"
    region_class = "urban"


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    name = factory.Sequence(lambda n: f"王客户{n}")
    phone = factory.Sequence(lambda n: f"+86138{n:08d}")


class AddressFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CustomerAddress

    customer = factory.SubFactory(CustomerFactory)
    province = "上海市"
    city = "上海市"
    district = "浦东新区"
    street = factory.Sequence(lambda n: f"张杨路{n}号")
    region = factory.SubFactory(RegionFactory)
    is_default = True

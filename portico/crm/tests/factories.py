"""Factories for accounts and contacts."""

import factory

from portico.crm.models import Account, Contact


class AccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Account

    name = factory.Sequence(lambda n: f"Company {n} Oy")
    country = "FI"
    city = "Helsinki"
    business_id = factory.Sequence(lambda n: f"{1000000 + n}-1")


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    first_name = factory.Sequence(lambda n: f"First{n}")
    last_name = factory.Sequence(lambda n: f"Last{n}")
    email = factory.LazyAttribute(lambda o: f"{o.first_name}.{o.last_name}@example.com".lower())
    account = factory.SubFactory(AccountFactory)
    language = "en"

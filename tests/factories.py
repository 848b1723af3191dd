"""factory-boy factories for users and items."""

from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from items.domain import Category
from items.models import Item, User


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("pw-for-tests-only")


class ItemFactory(DjangoModelFactory):
    class Meta:
        model = Item

    name = factory.Faker("sentence", nb_words=3, locale="fr_FR")
    description = factory.Faker("text", max_nb_chars=200, locale="fr_FR")
    price = factory.LazyFunction(lambda: Decimal("19.99"))
    category = Category.AUTRE
    tags = factory.LazyFunction(list)
    is_active = True

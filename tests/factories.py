"""Factories for test data. Posts and threads go through the services, as members' do."""

import factory

from forum.accounts.models import User
from forum.threads import services
from forum.threads.models import Category


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"member{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.test")
    password = factory.django.Password("correct horse battery staple")
    trust_level = 2
    role = User.Role.MEMBER


class ModeratorFactory(UserFactory):
    role = User.Role.MODERATOR
    is_staff = True
    trust_level = 4


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Category {n}")
    slug = factory.Sequence(lambda n: f"category-{n}")
    description = "A place to talk."


def make_thread(*, author=None, category=None, title="A thread worth reading", body="Opening."):
    return services.thread_create(
        author=author or UserFactory(),
        category=category or CategoryFactory(),
        title=title,
        body=body,
    )


def make_reply(*, thread, author=None, parent=None, body="A reply."):
    return services.post_create(
        author=author or UserFactory(), thread=thread, parent=parent, body=body
    )

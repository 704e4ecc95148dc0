"""Writes to accounts: creating members, roles, trust levels, profiles and tokens.

A change to a member's standing (role, category scope, trust level, an active account)
goes through a service here, whoever makes it (the admin, a management command, the
automatic promotion), and is handed to the recorders of forum.accounts.hooks in the same
transaction."""

import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from forum.accounts import hooks
from forum.accounts.models import (
    RESERVED_NAME_KEYS,
    ApiToken,
    CategoryModerator,
    EmailFrequency,
    Sanction,
    User,
    display_name_key,
    scope_memo_key,
    username_key,
)
from forum.core import permissions, requestmemo
from forum.core.errors import NotFound, PermissionDenied, ValidationFailed
from forum.core.text import clean_text


@transaction.atomic
def user_create(
    *,
    username: str,
    email: str = "",
    password: str | None = None,
    role: str = User.Role.MEMBER,
    trust_level: int = 0,
    display_name: str = "",
) -> User:
    user = User(username=username, email=email, trust_level=trust_level)
    user.display_name = display_name_clean(user=user, display_name=display_name)
    _apply_role(user, role)
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean()
    user.save()
    return user


def _apply_role(user: User, role: str) -> None:
    # Moderators work in the admin panel, so they are staff; admins may do everything.
    user.role = role
    user.is_staff = role in (User.Role.MODERATOR, User.Role.ADMIN)
    user.is_superuser = role == User.Role.ADMIN


def user_set_role(*, actor: User, user: User, role: str) -> bool:
    """Give `user` the role, as `actor` (an administrator). Returns False when they
    already had it; the change is recorded with who made it."""
    permissions.check_can_change_role(actor, user)
    if role not in User.Role.values:
        raise ValidationFailed.for_field(
            "role", f"Choose one of: {', '.join(User.Role.values)}.", code="invalid_choice"
        )
    before = user.role
    if before == role and user.is_staff == (role != User.Role.MEMBER):
        return False
    with transaction.atomic():
        _apply_role(user, role)
        user.save(update_fields=["role", "is_staff", "is_superuser"])
        hooks.member_changed(
            hooks.MemberChange(actor=actor, member=user, field="role", before=before, after=role)
        )
    return True


def user_set_active(*, actor: User, user: User, active: bool) -> bool:
    """Deactivate `user`'s account (or make it active again), as `actor`. A deactivated
    account neither signs in nor appeals, so this is an administrator's decision about
    someone else, recorded as a change of role is. Returns False when nothing changed."""
    permissions.check_can_change_activation(actor, user)
    before = user.is_active
    if before == bool(active):
        return False
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(is_active=bool(active))
        user.is_active = bool(active)
        hooks.member_changed(
            hooks.MemberChange(
                actor=actor, member=user, field="active", before=before, after=user.is_active
            )
        )
    return True


def moderator_set_scope(*, actor: User, moderator: User, category_ids) -> bool:
    """Limit `moderator` to the categories `category_ids` (none: the whole forum), as
    `actor`. A scope is part of a moderator's role (taking the last category away makes
    them a moderator of the whole forum), so it is an administrator's change, recorded
    as a role change is. Returns False when the scope was that already."""
    permissions.check_can_change_role(actor, moderator)
    wanted = frozenset(category_ids)
    with transaction.atomic():
        # The member's row first, so that two changes of one scope take turns.
        User.objects.select_for_update().filter(pk=moderator.pk).exists()
        rows = CategoryModerator.objects.filter(moderator=moderator)
        before = frozenset(rows.values_list("category_id", flat=True))
        if before == wanted:
            return False
        rows.exclude(category_id__in=wanted).delete()
        CategoryModerator.objects.bulk_create(
            CategoryModerator(moderator=moderator, category_id=category_id)
            for category_id in sorted(wanted - before)
        )
        requestmemo.forget(scope_memo_key(moderator.pk))
        hooks.member_changed(
            hooks.MemberChange(
                actor=actor,
                member=moderator,
                field="moderation_scope",
                before=sorted(before),
                after=sorted(wanted),
            )
        )
    return True


def member_muting_changed(*, user, by: int) -> None:
    """Count `by` (1 or -1) more members muted by `user`, in the caller's transaction."""
    User.objects.filter(pk=user.pk).update(muting_count=F("muting_count") + by)
    user.muting_count = max(0, (user.muting_count or 0) + by)


def user_set_trust_level(
    *, actor: User, user: User, level: int, locked: bool | None = None
) -> bool:
    """Set `user`'s trust level by hand, as `actor`; with `locked` (True by default when
    the level changes), automatic promotion leaves it alone from now on. Returns False
    when nothing changed; a change of level is recorded with who made it."""
    permissions.check_can_set_trust_level(actor, user)
    if (
        not isinstance(level, int)
        or isinstance(level, bool)
        or not (0 <= level <= User.MAX_TRUST_LEVEL)
    ):
        raise ValidationFailed.for_field(
            "trust_level", f"Choose a level from 0 to {User.MAX_TRUST_LEVEL}.", code="invalid"
        )
    before = user.trust_level
    locked = (level != before or user.trust_level_locked) if locked is None else bool(locked)
    if level == before and locked == user.trust_level_locked:
        return False
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(trust_level=level, trust_level_locked=locked)
        user.trust_level, user.trust_level_locked = level, locked
        if level != before:
            hooks.member_changed(
                hooks.MemberChange(
                    actor=actor, member=user, field="trust_level", before=before, after=level
                )
            )
    return True


def trust_level_earned(*, user: User, now: dt.datetime | None = None) -> int:
    """The highest trust level `user`'s activity earns under the configured thresholds."""
    now = now or timezone.now()
    config = settings.PARLEY
    recent = now - dt.timedelta(days=config["RECENT_SANCTION_DAYS"])
    if Sanction.objects.filter(user=user, starts_at__gte=recent).exists():
        return 0
    days_member = (now - user.date_joined).days
    earned = 0
    for level, threshold in sorted(config["TRUST_LEVEL_THRESHOLDS"].items()):
        if user.post_count >= threshold["posts"] and days_member >= threshold["days"]:
            earned = level
        else:
            break
    return earned


def user_refresh_trust_level(*, user: User, now: dt.datetime | None = None) -> bool:
    """Promote `user` to the level their activity earns. Automatic changes only promote:
    a demotion is a moderator's decision. Returns True when the level changed."""
    if user.trust_level_locked:
        return False
    earned = trust_level_earned(user=user, now=now)
    before = user.trust_level
    if earned <= before:
        return False
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(trust_level=earned)
        user.trust_level = earned
        hooks.member_changed(
            hooks.MemberChange(
                actor=None, member=user, field="trust_level", before=before, after=earned
            )
        )
    return True


def user_set_password(*, user: User, password: str) -> None:
    user.set_password(password)
    user.save(update_fields=["password"])


TOKEN_PREFIX = "parley_"  # noqa: S105 (a label, not a secret)
MAX_TOKENS_PER_MEMBER = 20
# The lifetimes a member may choose for a token, in days; None is "until revoked".
TOKEN_LIFETIMES_DAYS = (30, 90, 365)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def token_create(
    *, user: User, name: object, read_only: bool = False, expires_in_days: int | None = None
) -> tuple[ApiToken, str]:
    """Create a personal API token that works for `expires_in_days` (one of
    TOKEN_LIFETIMES_DAYS), or until revoked when that is None. Returns the stored row
    and the token itself, which is shown once: only its digest is kept."""
    name = clean_text(name, field="name", min_length=1, max_length=100, multiline=False)
    if expires_in_days is not None and expires_in_days not in TOKEN_LIFETIMES_DAYS:
        raise ValidationFailed.for_field(
            "expires_in_days",
            f"Choose one of: {', '.join(map(str, TOKEN_LIFETIMES_DAYS))} days, or none.",
            code="invalid_choice",
        )
    if ApiToken.objects.filter(user=user).usable().count() >= MAX_TOKENS_PER_MEMBER:
        raise PermissionDenied(
            f"You have {MAX_TOKENS_PER_MEMBER} tokens already; revoke one first.",
            code="too_many_tokens",
        )
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken.objects.create(
        user=user,
        name=name,
        prefix=token[: len(TOKEN_PREFIX) + 6],
        digest=token_digest(token),
        read_only=read_only,
        expires_at=(
            timezone.now() + dt.timedelta(days=expires_in_days) if expires_in_days else None
        ),
    )
    return row, token


def token_revoke(*, user: User, token_id: int) -> bool:
    """Revoke one of `user`'s tokens. Returns False if it was already revoked; another
    member's token is NotFound."""
    row = ApiToken.objects.filter(pk=token_id, user=user).first()
    if row is None:
        raise NotFound("No such token.")
    return bool(
        ApiToken.objects.filter(pk=row.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
    )


# --- sign-up and profile (web UI) -----------------------------------------------------

USERNAME_MAX_LENGTH = 150


def _clean_username(username: object) -> str:
    username = clean_text(
        username, field="username", min_length=1, max_length=USERNAME_MAX_LENGTH, multiline=False
    )
    try:
        UnicodeUsernameValidator()(username)
    except ValidationError as exc:
        raise ValidationFailed.for_field("username", exc.messages[0], code="invalid") from exc
    return username


def _clean_email(email: object) -> str:
    email = clean_text(email, field="email", min_length=1, max_length=254, multiline=False)
    try:
        validate_email(email)
    except ValidationError as exc:
        raise ValidationFailed.for_field(
            "email", "Enter a valid e-mail address.", code="invalid"
        ) from exc
    return User.objects.normalize_email(email)


def user_signup(*, username: object, email: object, password: str) -> User | None:
    """Create an inactive trust level 0 member who becomes active by confirming `email`.

    Returns None, creating nothing, when `email` already belongs to an account: the
    caller answers exactly as for a new account (and may tell that address's owner), so
    sign-up never reveals which addresses are registered. A taken username is refused
    with a field error; usernames are public anyway."""
    username = _clean_username(username)
    email = _clean_email(email)
    if not isinstance(password, str) or not password:
        raise ValidationFailed.for_field("password", "This field is required.", code="required")
    candidate = User(username=username, email=email)
    try:
        validate_password(password, user=candidate)
    except ValidationError as exc:
        raise ValidationFailed(
            "password: " + " ".join(exc.messages),
            code="weak_password",
            fields={"password": list(exc.messages)},
        ) from exc
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationFailed.for_field(
            "username", "This username is taken; choose another.", code="username_taken"
        )
    key = username_key(username)
    if User.objects.filter(Q(username_key=key) | Q(display_name_key=key)).exists():
        raise ValidationFailed.for_field(
            "username",
            "This username looks too much like an existing member's name; choose another.",
            code="username_confusable",
        )
    if key in RESERVED_NAME_KEYS:
        raise ValidationFailed.for_field(
            "username", "This name is reserved; choose another.", code="username_reserved"
        )
    # Hashed whether or not the address is taken: hashing is most of a sign-up's time,
    # and an answer that came faster for a taken address would name it.
    candidate.set_password(password)
    if User.objects.filter(email__iexact=email).exists():
        return None
    candidate.is_active = False
    candidate.trust_level = 0
    try:
        with transaction.atomic():
            candidate.save()
    except IntegrityError as exc:  # the same username, sent twice at once
        raise ValidationFailed.for_field(
            "username", "This username is taken; choose another.", code="username_taken"
        ) from exc
    return candidate


def user_activate(*, user: User) -> bool:
    """Activate `user` after they confirmed their e-mail address. Returns False when
    they were active already."""
    if user.is_active:
        return False
    User.objects.filter(pk=user.pk).update(is_active=True)
    user.is_active = True
    return True


def unconfirmed_signups_purge(*, now: dt.datetime | None = None) -> int:
    """Delete sign-ups left unconfirmed for PARLEY["UNCONFIRMED_SIGNUP_DAYS"] days (and
    at least as long as their confirmation link lives), so that a name or an address
    someone signed up with and never confirmed is free again. Only accounts that never
    did anything go: inactive, never logged in, no posts, a plain member, and nothing a
    moderator did to them. Returns how many went."""
    days = max(settings.PARLEY["UNCONFIRMED_SIGNUP_DAYS"], settings.PASSWORD_RESET_TIMEOUT / 86400)
    cutoff = (now or timezone.now()) - dt.timedelta(days=days)
    referenced = [
        Sanction.objects.filter(user=OuterRef("pk")),
        *hooks.account_references(OuterRef("pk")),
    ]
    abandoned = User.objects.filter(
        is_active=False,
        last_login__isnull=True,
        date_joined__lt=cutoff,
        post_count=0,
        role=User.Role.MEMBER,
        is_staff=False,
        is_superuser=False,
    )
    for rows in referenced:
        abandoned = abandoned.exclude(Exists(rows))
    _, deleted = abandoned.delete()
    return deleted.get(User._meta.label, 0)


DISPLAY_NAME_MAX_LENGTH = 50
BIO_MAX_LENGTH = 2000


def display_name_check(*, user: User, display_name: str) -> None:
    """Refuse a display name `user` could pass for someone else with: one that folds
    (case, accents, look-alike letters, `adm1n`, spaces) to another member's username or
    display name, or to a reserved name. Their own username, in any spelling, is
    theirs to show."""
    key = display_name_key(display_name)
    if not key or key == username_key(user.username):
        return
    if key in RESERVED_NAME_KEYS:
        raise ValidationFailed.for_field(
            "display_name",
            "This name is reserved; choose another.",
            code="display_name_reserved",
        )
    others = User.objects.filter(Q(username_key=key) | Q(display_name_key=key))
    if user.pk is not None:
        others = others.exclude(pk=user.pk)
    if others.exists():
        raise ValidationFailed.for_field(
            "display_name",
            "This looks too much like another member's name; choose another.",
            code="display_name_confusable",
        )


def _clean_display_name(display_name: object) -> str:
    return clean_text(
        display_name,
        field="display_name",
        min_length=0,
        max_length=DISPLAY_NAME_MAX_LENGTH,
        multiline=False,
    )


def display_name_clean(*, user: User, display_name: object) -> str:
    """`display_name` as `user` may take it (see display_name_check), or ValidationFailed."""
    display_name = _clean_display_name(display_name)
    display_name_check(user=user, display_name=display_name)
    return display_name


def user_update_profile(
    *,
    user: User,
    display_name: object,
    bio: object,
    email_frequency: object,
    auto_watch_threads: bool,
) -> bool:
    """Change `user`'s own settings, saving only the fields that changed. Returns False
    when nothing changed."""
    display_name = _clean_display_name(display_name)
    bio = clean_text(bio, field="bio", min_length=0, max_length=BIO_MAX_LENGTH, multiline=True)
    if email_frequency not in EmailFrequency.values:
        raise ValidationFailed.for_field(
            "email_frequency",
            f"Choose one of: {', '.join(EmailFrequency.values)}.",
            code="invalid_choice",
        )
    wanted = {
        "display_name": display_name,
        "bio": bio,
        "email_frequency": email_frequency,
        "auto_watch_threads": bool(auto_watch_threads),
    }
    changed = [name for name, value in wanted.items() if getattr(user, name) != value]
    if {"display_name", "bio"} & set(changed):
        permissions.check_can_publish_profile(user)
    if "display_name" in changed:
        display_name_check(user=user, display_name=display_name)
    for name in changed:
        setattr(user, name, wanted[name])
    if changed:
        user.save(update_fields=changed)
    return bool(changed)


def user_log_out_everywhere(*, user: User, password: object) -> None:
    """End every web session `user` has, once `password` proves it is them.

    Django ties each session to a hash of the stored password (`get_session_auth_hash`)
    and drops a session whose hash no longer matches on its next request. Storing the
    same password again under a fresh salt therefore ends every session at once, without
    scanning the session table. The caller keeps its own session with
    `django.contrib.auth.update_session_auth_hash`. Password-reset links sent earlier stop
    working too; API tokens are not sessions and are revoked one by one.

    The password is asked for so that someone holding a stolen session cannot shut the
    owner out; a wrong one is a field error."""
    if not isinstance(password, str) or not password or not user.check_password(password):
        raise ValidationFailed.for_field(
            "password", "That is not your current password.", code="wrong_password"
        )
    user.set_password(password)
    user.save(update_fields=["password"])

"""Forms for the web UI. They check shape only (required, choices, matching passwords);
the services decide everything else, and `add_forum_error` puts their refusals next to
the field they name."""

import datetime as dt
import hashlib

from django import forms
from django.conf import settings
from django.contrib.auth import forms as auth_forms
from django.core.cache import cache
from django.utils import timezone

from forum.accounts.models import EmailFrequency, User
from forum.accounts.services import TOKEN_LIFETIMES_DAYS
from forum.core.errors import ForumError
from forum.core.throttling import ThrottledLogIn, ThrottledPasswordCheck
from forum.notifications.models import WatchLevel
from forum.threads import search
from forum.threads.models import Category
from forum.web.mail import send_no_account_mail
from moderation.content import paragraph_number
from moderation.models import Report


def add_forum_error(form: forms.Form, exc: ForumError, *, field_map: dict | None = None) -> None:
    """Show a service's refusal on `form`: each message next to the field it names (a
    service's field name can be mapped to the form's), the rest above the form."""
    field_map = field_map or {}
    form.retry_after = getattr(exc, "retry_after", None)
    placed = False
    for field, messages in exc.fields.items():
        name = field_map.get(field, field)
        target = name if name in form.fields else None
        for message in messages:
            form.add_error(target, message)
        placed = True
    if not placed:
        form.add_error(None, exc.message)


class NoColonLabels:
    """Labels read "Title", not "Title:"; screen readers read the colon too."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


def _body_field(label: str = "Your post") -> forms.CharField:
    return forms.CharField(
        label=label,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="Markdown: **bold**, _italic_, > quote, - list, [link](https://…).",
    )


# --- accounts ---------------------------------------------------------------------------


class SignupForm(NoColonLabels, forms.Form):
    username = forms.CharField(
        label="Username",
        max_length=150,
        help_text="Letters, digits and @ . + - _ only. Others see it on your posts.",
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none"}),
    )
    email = forms.EmailField(
        label="E-mail address",
        max_length=254,
        help_text="We send a link to confirm it. Never shown to others.",
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    password = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="At least 8 characters, not all digits, not a common password.",
    )
    password_again = forms.CharField(
        label="Password again",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self):
        data = super().clean()
        if (
            data.get("password")
            and data.get("password_again")
            and data["password"] != data["password_again"]
        ):
            self.add_error("password_again", "The two passwords differ.")
        return data


def attempt_count(key: str, *, window: int) -> None:
    """Count one attempt under `key` in a window of `window` seconds from the first."""
    cache.add(key, 0, timeout=window)
    try:
        cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window)


def attempts_made(key: str) -> int:
    return cache.get(key) or 0


def address_key(kind: str, value: str) -> str:
    """A cache key for counting `kind` of attempts by `value` (an IP or e-mail address),
    hashed so that no address sits in the cache in clear."""
    return f"web:{kind}:{hashlib.sha256(value.casefold().encode()).hexdigest()}"


class ThrottledAuthenticationForm(ThrottledLogIn, NoColonLabels, auth_forms.AuthenticationForm):
    """Django's log-in form under the forum's log-in throttle (forum.core.throttling),
    which the admin's log-in shares."""


class PasswordChangeForm(ThrottledPasswordCheck, NoColonLabels, auth_forms.PasswordChangeForm):
    pass


RESET_MAILS_PER_EMAIL = 3  # in RATE_WINDOW: nobody's inbox is flooded with reset links
RATE_WINDOW = 60 * 60  # seconds


class PasswordResetForm(NoColonLabels, auth_forms.PasswordResetForm):
    """Django's reset form, with one mail to the address whether or not an account uses
    it (a link, or a note that none does), as sign-up sends one either way: a request
    that mailed only for a registered address would answer it later, and name it."""

    def get_users(self, email):
        """Django's choice of accounts to mail, or none once the address has had
        RESET_MAILS_PER_EMAIL mails this hour. The page answers the same either way, so
        the limit reveals nothing about which addresses have accounts."""
        key = address_key("reset-email", email)
        self.over_limit = attempts_made(key) >= RESET_MAILS_PER_EMAIL
        if self.over_limit:
            return iter(())
        attempt_count(key, window=RATE_WINDOW)
        return super().get_users(email)

    def send_mail(self, *args, **kwargs) -> None:
        self.mailed = True
        super().send_mail(*args, **kwargs)

    def save(self, *, request, **kwargs) -> None:
        self.mailed = False
        super().save(request=request, **kwargs)
        if not self.mailed and not self.over_limit:
            send_no_account_mail(request, email=self.cleaned_data["email"])


class SetPasswordForm(NoColonLabels, auth_forms.SetPasswordForm):
    pass


class SettingsForm(NoColonLabels, forms.Form):
    display_name = forms.CharField(
        label="Display name",
        required=False,
        max_length=50,
        help_text="Shown instead of your username. Leave empty to use your username.",
    )
    bio = forms.CharField(
        label="About you",
        required=False,
        max_length=2000,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    email_frequency = forms.ChoiceField(label="Notification e-mail", choices=EmailFrequency.choices)
    auto_watch_threads = forms.BooleanField(
        label="Watch threads I start or reply to",
        required=False,
    )

    def __init__(self, *args, may_publish: bool = True, **kwargs):
        """`may_publish`: whether the member may change what others read about them
        (forum.core.permissions); when not, those fields are shown but kept as they are."""
        super().__init__(*args, **kwargs)
        if not may_publish:
            for name in ("display_name", "bio"):
                self.fields[name].disabled = True
                self.fields[
                    name
                ].help_text = "You cannot change this while your account is silenced."


class MuteForm(NoColonLabels, forms.Form):
    username = forms.CharField(
        label="Username",
        max_length=150,
        help_text="Nothing this member does will notify you: replies, mentions, quotes.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "none"}),
    )


class TokenForm(NoColonLabels, forms.Form):
    name = forms.CharField(
        label="Token name",
        max_length=100,
        help_text="What the token is for, so you can tell your tokens apart.",
    )
    read_only = forms.BooleanField(
        label="Read-only (it can read but not post, edit or report)", required=False
    )
    expires_in_days = forms.TypedChoiceField(
        label="Expires",
        choices=[
            *((str(days), f"In {days} days") for days in TOKEN_LIFETIMES_DAYS),
            ("", "Never (until you revoke it)"),
        ],
        coerce=int,
        empty_value=None,
        required=False,
        initial=str(TOKEN_LIFETIMES_DAYS[1]),
    )


class LogOutEverywhereForm(NoColonLabels, forms.Form):
    """Asks for the member's password before ending all their sessions. Wrong guesses
    count as `LoginThrottle.password_check`, so a stolen session cannot be used to guess
    the password."""

    password = forms.CharField(
        label="Your current password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    throttled = False


# --- compose ------------------------------------------------------------------------


class ThreadForm(NoColonLabels, forms.Form):
    category = forms.ModelChoiceField(
        label="Category",
        queryset=Category.objects.order_by("position", "name"),
        to_field_name="slug",
        empty_label="Choose a category",
    )
    title = forms.CharField(label="Title", max_length=settings.PARLEY["TITLE_MAX_LENGTH"])
    body = _body_field()


class ReplyForm(NoColonLabels, forms.Form):
    body = _body_field("Your reply")


class EditForm(NoColonLabels, forms.Form):
    title = forms.CharField(label="Title", max_length=settings.PARLEY["TITLE_MAX_LENGTH"])
    body = _body_field()
    reason = forms.CharField(label="Why you edited (optional)", required=False, max_length=300)

    def __init__(self, *args, has_title: bool, reason_required: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not has_title:
            del self.fields["title"]
        if reason_required:
            # A moderator editing someone else's post says why; the log keeps it.
            self.fields["reason"].label = "Why you edited (for the moderation log)"
            self.fields["reason"].required = True


# --- reports, watching, moderation ----------------------------------------------------


class ReportForm(NoColonLabels, forms.Form):
    reason = forms.ChoiceField(
        label="What is wrong with it?",
        choices=Report.Reason.choices,
        widget=forms.RadioSelect,
    )
    paragraph = forms.TypedChoiceField(
        label="Which part",
        coerce=int,
        required=False,
        empty_value=None,
    )
    message = forms.CharField(
        label="Anything moderators should know",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Required when the reason is “Other”.",
    )

    def __init__(self, *args, paragraphs: list[tuple[int, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["paragraph"].choices = [
            ("", "The whole post"),
            *(
                (index, f"Paragraph {paragraph_number(index)}: {text}")
                for index, text in paragraphs
            ),
        ]


class QueueDigestForm(NoColonLabels, forms.Form):
    enabled = forms.BooleanField(
        label="Mail me new work in the moderation queue",
        required=False,
        help_text="New items you may act on, gathered into one mail at a regular interval.",
    )


class AppealForm(NoColonLabels, forms.Form):
    message = forms.CharField(
        label="Why should moderators look again?",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="You can appeal once; moderators see your message in their review queue.",
    )


class WatchForm(NoColonLabels, forms.Form):
    level = forms.ChoiceField(label="Notify me", choices=WatchLevel.choices)


MODERATOR_POST_ACTIONS = ("approve", "hide", "remove", "restore")
MODERATOR_THREAD_ACTIONS = ("lock", "unlock", "hide_thread", "remove_thread", "restore_thread")


class ModerateForm(NoColonLabels, forms.Form):
    action = forms.ChoiceField(label="Action", choices=())
    reason = forms.CharField(
        label="Reason", required=False, max_length=500, help_text="Required to hide or remove."
    )

    def __init__(self, *args, actions: tuple[str, ...], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = [(name, name.title()) for name in actions]


# --- search -------------------------------------------------------------------------------


class SearchForm(NoColonLabels, forms.Form):
    """The search page's words and filters, with the API's names. Dates are whole days:
    from the start of `created_after` to the end of `created_before`, in the forum's
    time zone."""

    q = forms.CharField(label="Search for", max_length=200)
    category = forms.ChoiceField(label="Category", required=False, choices=())
    author = forms.CharField(
        label="Author", required=False, max_length=150, help_text="A username, without the @."
    )
    created_after = forms.DateField(
        label="From", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    created_before = forms.DateField(
        label="To", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    type = forms.ChoiceField(
        label="Find",
        required=False,
        choices=[(search.POSTS, "Posts"), (search.THREADS, "Threads only")],
        widget=forms.RadioSelect,
    )

    def __init__(self, data=None, *, categories, **kwargs):
        if data is not None and not data.get("type"):
            data = data.copy()
            data["type"] = search.POSTS  # shown as chosen, as it is
        super().__init__(data, **kwargs)
        self.fields["category"].choices = [("", "Any category")] + [
            (category.slug, category.name) for category in categories
        ]

    def clean_author(self) -> str:
        return self.cleaned_data["author"].strip().removeprefix("@")

    def clean(self):
        cleaned = super().clean()
        after, before = cleaned.get("created_after"), cleaned.get("created_before")
        if after and before and after > before:
            self.add_error("created_before", "Must not be before the “From” date.")
        return cleaned

    def filters(self) -> search.SearchFilters:
        data = self.cleaned_data
        before = data["created_before"]
        # The day after the last one asked for; there is none after the calendar's last.
        day_after = before + dt.timedelta(days=1) if before and before < dt.date.max else None
        return search.SearchFilters(
            category=data["category"],
            author=data["author"],
            created_after=_day_start(data["created_after"]),
            created_before=_day_start(day_after),
            type=data["type"] or search.POSTS,
        )


def _day_start(day: dt.date | None) -> dt.datetime | None:
    if day is None:
        return None
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def user_settings_initial(user: User) -> dict:
    return {
        "display_name": user.display_name,
        "bio": user.bio,
        "email_frequency": user.email_frequency,
        "auto_watch_threads": user.auto_watch_threads,
    }

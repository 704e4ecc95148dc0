"""Accounts: signing up and in, passwords, and the member's settings (profile, mutes,
API tokens, sessions)."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.encoding import force_str
from django.utils.http import urlsafe_base64_decode
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from forum.accounts import services as account_services
from forum.accounts.models import ApiToken, User
from forum.core import permissions
from forum.core.client_address import client_network
from forum.core.errors import (
    ForumError,
    NotFound,
    RateLimited,
)
from forum.core.throttling import LoginThrottle, answer_throttled, refuse_throttled
from forum.notifications import services as notification_services
from forum.web import forms
from forum.web.drafts import (
    draft_take,
    member_required,
)
from forum.web.mail import send_signup_mail, signup_token_generator
from forum.web.views.pages import (
    back_to_next,
    form_page,
)
from moderation import selectors as moderation_selectors


@require_http_methods(["GET", "HEAD", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    """Sign up. Whether or not the e-mail address has an account already, the answer is
    the same page and one e-mail to that address, so addresses cannot be probed."""
    if request.user.is_authenticated:
        return redirect("web:home")
    status = 200
    if request.method == "POST":
        form = forms.SignupForm(request.POST)
        # Only sign-ups that went through count: correcting a taken username does not.
        if form.is_valid() and _over_rate(
            request, form, kind="signup-address", limit=SIGNUPS_PER_ADDRESS
        ):
            return form_page(request, "web/signup.html", {"form": form}, form=form, status=429)
        if form.is_valid():
            try:
                user = account_services.user_signup(
                    username=form.cleaned_data["username"],
                    email=form.cleaned_data["email"],
                    password=form.cleaned_data["password"],
                )
            except ForumError as exc:
                forms.add_forum_error(form, exc)
                status = exc.status
            else:
                forms.attempt_count(_rate_key(request, "signup-address"), window=forms.RATE_WINDOW)
                email = form.cleaned_data["email"]
                mail_key = forms.address_key("signup-email", email)
                # Past the limit the answer is the same page with no mail, so sign-up
                # cannot be used to flood somebody's inbox.
                if forms.attempts_made(mail_key) < SIGNUP_MAILS_PER_EMAIL:
                    forms.attempt_count(mail_key, window=forms.RATE_WINDOW)
                    send_signup_mail(request, email=email, user=user)
                return redirect("web:signup-done")
        else:
            status = 400
    else:
        form = forms.SignupForm()
    return render(request, "web/signup.html", {"form": form}, status=status)


@require_safe
def signup_done(request: HttpRequest) -> HttpResponse:
    return render(request, "web/signup_done.html")


def _user_for_signup_token(uidb64: str, token: str) -> User | None:
    try:
        pk = int(force_str(urlsafe_base64_decode(uidb64)))
    except (ValueError, TypeError, OverflowError):
        return None
    user = User.objects.filter(pk=pk).first()
    if user is None or not signup_token_generator.check_token(user, token):
        return None
    return user


@require_http_methods(["GET", "HEAD", "POST"])
def signup_confirm(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    """The link from the confirmation e-mail. GET asks (mail scanners follow links);
    POST activates the account and logs its owner in."""
    user = _user_for_signup_token(uidb64, token)
    if user is None:
        return render(request, "web/signup_confirm.html", {"invalid": True}, status=400)
    if request.method == "POST":
        account_services.user_activate(user=user)
        login(request, user, backend=settings.AUTHENTICATION_BACKENDS[0])
        messages.success(request, f"Welcome to Parley, {user.shown_name}.")
        return redirect("web:home")
    return render(request, "web/signup_confirm.html", {"member": user})


class RefusedFormIs400:
    """For Django's account views: a form sent back with its errors is a 400, as every
    refused form of the web UI is (they answered 200), and a 429 when it was throttled."""

    def form_invalid(self, form):
        response = super().form_invalid(form)
        response.status_code = 400
        return answer_throttled(response)


class LoginView(RefusedFormIs400, auth_views.LoginView):
    template_name = "web/login.html"
    authentication_form = forms.ThrottledAuthenticationForm
    redirect_authenticated_user = True
    next_page = "web:home"


logout = auth_views.LogoutView.as_view(next_page="web:home")


class PasswordChangeView(RefusedFormIs400, auth_views.PasswordChangeView):
    pass


password_change = login_required(
    PasswordChangeView.as_view(
        template_name="web/password_change.html",
        form_class=forms.PasswordChangeForm,
        success_url=reverse_lazy("web:password-change-done"),
    )
)
password_change_done = login_required(
    auth_views.PasswordChangeDoneView.as_view(template_name="web/password_change_done.html")
)
RESETS_PER_ADDRESS = 10  # requests per client address in forms.RATE_WINDOW
SIGNUPS_PER_ADDRESS = 5  # sign-ups made per client address in forms.RATE_WINDOW
SIGNUP_MAILS_PER_EMAIL = 3  # confirmation or "you have an account" mails per address


def _rate_key(request: HttpRequest, kind: str) -> str:
    return forms.address_key(kind, client_network(request))


def _over_rate(request: HttpRequest, form, *, kind: str, limit: int) -> bool:
    """True, with the refusal added to `form`, when this client address has made `limit`
    counted `kind` requests this hour."""
    if forms.attempts_made(_rate_key(request, kind)) < limit:
        return False
    form.add_error(None, "Too many requests from your address. Wait an hour and try again.")
    form.retry_after = forms.RATE_WINDOW
    return True


class PasswordResetView(RefusedFormIs400, auth_views.PasswordResetView):
    def form_valid(self, form):
        if _over_rate(self.request, form, kind="reset-address", limit=RESETS_PER_ADDRESS):
            response = self.form_invalid(form)
            response.status_code = 429
            response["Retry-After"] = str(forms.RATE_WINDOW)
            return response
        forms.attempt_count(_rate_key(self.request, "reset-address"), window=forms.RATE_WINDOW)
        return super().form_valid(form)


password_reset = PasswordResetView.as_view(
    template_name="web/password_reset.html",
    form_class=forms.PasswordResetForm,
    email_template_name="web/email/password_reset.txt",
    subject_template_name="web/email/password_reset_subject.txt",
    success_url=reverse_lazy("web:password-reset-done"),
)
password_reset_done = auth_views.PasswordResetDoneView.as_view(
    template_name="web/password_reset_done.html"
)


class PasswordResetConfirmView(RefusedFormIs400, auth_views.PasswordResetConfirmView):
    pass


password_reset_confirm = PasswordResetConfirmView.as_view(
    template_name="web/password_reset_confirm.html",
    form_class=forms.SetPasswordForm,
    success_url=reverse_lazy("web:password-reset-complete"),
)
password_reset_complete = auth_views.PasswordResetCompleteView.as_view(
    template_name="web/password_reset_complete.html"
)


def _settings_form(request: HttpRequest, data=None, *, draft: dict | None = None):
    """The member's settings form, with what they may not change shown but kept."""
    initial = {**forms.user_settings_initial(request.user), **(draft or {})}
    return forms.SettingsForm(
        data, initial=initial, may_publish=permissions.can_publish_profile(request.user)
    )


def _settings_page(request: HttpRequest, *, status: int = 200, **forms_shown) -> HttpResponse:
    """The settings page; a form that came back with errors replaces its blank twin."""
    user = request.user
    context = {
        "form": _settings_form(request),
        "mute_form": forms.MuteForm(),
        "token_form": forms.TokenForm(),
        "sessions_form": forms.LogOutEverywhereForm(),
        "mutes": notification_services.mutes_of(user=user),
        "tokens": ApiToken.objects.filter(user=user, revoked_at__isnull=True).order_by(
            "-created_at"
        ),
        **forms_shown,
    }
    if permissions.is_moderator(user):
        context["queue_digest_form"] = forms.QueueDigestForm(
            initial={"enabled": moderation_selectors.queue_digest_subscribed(moderator=user)}
        )
    shown = next(iter(forms_shown.values()), None)
    return form_page(request, "web/settings.html", context, form=shown, status=status)


@member_required(draft_fields=("display_name", "bio", "email_frequency"))
@require_http_methods(["GET", "HEAD", "POST"])
def account_settings(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        draft = draft_take(request)
        if draft:
            return _settings_page(request, form=_settings_form(request, draft=draft))
        return _settings_page(request)
    form = _settings_form(request, request.POST)
    if form.is_valid():
        try:
            account_services.user_update_profile(user=request.user, **form.cleaned_data)
        except ForumError as exc:
            forms.add_forum_error(form, exc)
            return _settings_page(request, status=exc.status, form=form)
        messages.success(request, "Your settings are saved.")
        return redirect("web:settings")
    return _settings_page(request, status=400, form=form)


@login_required
@require_POST
def settings_mute(request: HttpRequest) -> HttpResponse:
    """Mute the member named in the form, or with `unmute` set, unmute them."""
    form = forms.MuteForm(request.POST)
    muted = "unmute" not in request.POST
    if form.is_valid():
        username = form.cleaned_data["username"]
        try:
            changed = notification_services.mute_set(
                user=request.user, username=username, muted=muted
            )
        except NotFound:
            form.add_error("username", "There is no member with that username.")
        except ForumError as exc:
            forms.add_forum_error(form, exc)
        else:
            if muted:
                note = "is muted" if changed else "was muted already"
            else:
                note = "is no longer muted" if changed else "was not muted"
            messages.success(request, f"{username} {note}.")
            return back_to_next(request, lambda: reverse("web:settings") + "#muted")
    return _settings_page(request, status=400, mute_form=form)


@login_required
@require_POST
def settings_token_create(request: HttpRequest) -> HttpResponse:
    """Create an API token and show it, this once, on the page that answers the POST;
    only its digest is stored, so it cannot be shown again."""
    form = forms.TokenForm(request.POST)
    if form.is_valid():
        try:
            row, token = account_services.token_create(user=request.user, **form.cleaned_data)
        except ForumError as exc:
            forms.add_forum_error(form, exc)
            return _settings_page(request, status=exc.status, token_form=form)
        response = render(request, "web/token_created.html", {"row": row, "token": token})
        response["Cache-Control"] = "no-store"
        return response
    return _settings_page(request, status=400, token_form=form)


@login_required
@require_POST
def settings_token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        revoked = account_services.token_revoke(user=request.user, token_id=pk)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    messages.success(request, "The token is revoked." if revoked else "It was revoked already.")
    return redirect(reverse("web:settings") + "#tokens")


@login_required
@require_POST
def settings_log_out_everywhere(request: HttpRequest) -> HttpResponse:
    """End every other session of the member; this one carries on."""
    form = forms.LogOutEverywhereForm(request.POST)
    if form.is_valid():
        try:
            with LoginThrottle.password_check(member_id=request.user.pk).attempt():
                account_services.user_log_out_everywhere(
                    user=request.user, password=form.cleaned_data["password"]
                )
        except RateLimited as exc:
            form.add_error(None, refuse_throttled(form, exc))
        except ForumError as exc:
            forms.add_forum_error(form, exc)
        else:
            update_session_auth_hash(request, request.user)
            messages.success(request, "You are logged out everywhere else.")
            return redirect(reverse("web:settings") + "#sessions")
    status = 429 if form.throttled else 400
    return _settings_page(request, status=status, sessions_form=form)

"""The console's admin site: password + TOTP login, lockout, idle timeout, enrolment."""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import update_wrapper
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME, get_user_model
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, URLResolver, path, reverse
from django.utils import translation
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import capfirst
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django_otp.admin import OTPAdminSite
from django_otp.plugins.otp_totp.models import TOTPDevice

from sentinel.console import labels, staff
from sentinel.console.forms import (
    WRONG_CODE,
    ConsoleLoginForm,
    EnrolPasswordForm,
    EnrolTokenForm,
)
from sentinel.console.roles import role_of

LAST_SEEN = "console_last_seen"
ENROLMENT = "console_enrolment"
ENROLMENT_SECONDS = 10 * 60
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"
LOCKED = (
    "For mange mislykkede forsøg. Log ind er spærret i {minutes} minutter; "
    "en administrator kan ophæve spærringen."
)
# Failures after a correct password that are not guesses, so they do not count.
_NOT_GUESSES = {"already_confirmed", "no_device"}


def qr_svg(data: str) -> SafeString:
    """``data`` as a QR code in inline SVG (no image files, no external service)."""
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    svg = image.to_string(encoding="unicode")
    return mark_safe(svg.replace("<svg ", '<svg role="img" aria-label="QR-kode" ', 1))  # noqa: S308


class ConsoleSite(OTPAdminSite):
    site_header = "Sentinel · operatørkonsol"
    site_title = "Sentinel operatørkonsol"
    index_title = "Operatørkonsol"
    site_url = None
    login_form = ConsoleLoginForm
    login_template = "console/login.html"
    index_template = "console/index.html"

    def __init__(self, name: str = "console") -> None:
        super().__init__(name)

    def has_permission(self, request: HttpRequest) -> bool:
        return staff.may_enter(request.user)

    def each_context(self, request: HttpRequest) -> dict[str, Any]:
        _speak_console_language(request)
        context = super().each_context(request)
        role = role_of(request.user) if context.get("has_permission") else None
        context["console_role"] = labels.role(role.value) if role else ""
        return context

    def app_index(
        self, request: HttpRequest, app_label: str, extra_context: dict[str, Any] | None = None
    ) -> Any:
        context = {"title": labels.app_name(app_label), **(extra_context or {})}
        return super().app_index(request, app_label, context)

    def get_app_list(self, request: HttpRequest, app_label: str | None = None) -> list[Any]:
        """The apps and models by their Danish names (``console.labels``)."""
        apps = super().get_app_list(request, app_label)
        for app in apps:
            app["name"] = labels.app_name(app["app_label"])
            for model in app["models"]:
                model["name"] = capfirst(labels.model_names(model["model"]._meta)[1])
        return apps

    # --- idle timeout -------------------------------------------------------------------

    def admin_view(self, view: Callable[..., Any], cacheable: bool = False) -> Any:
        inner = super().admin_view(view, cacheable)

        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            _speak_console_language(request)
            if self.has_permission(request):
                last_seen = request.session.get(LAST_SEEN)
                idle = settings.SENTINEL_CONSOLE_IDLE_SECONDS
                if not isinstance(last_seen, int | float) or time.time() - last_seen > idle:
                    staff.note_logout(request.user, expired=True)
                    auth_logout(request)
                    messages.info(
                        request,
                        f"Du blev logget ud efter {idle // 60} minutter uden aktivitet.",
                    )
                    return redirect_to_login(
                        request.get_full_path(), reverse("console:login", current_app=self.name)
                    )
                request.session[LAST_SEEN] = time.time()
            return inner(request, *args, **kwargs)

        return update_wrapper(wrapper, view)

    # --- login and logout ---------------------------------------------------------------

    def _next(self, request: HttpRequest) -> str:
        target = request.POST.get(REDIRECT_FIELD_NAME) or request.GET.get(REDIRECT_FIELD_NAME, "")
        if target and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            return target
        return reverse("console:index", current_app=self.name)

    def _signed_in(self, request: HttpRequest, user: Any) -> None:
        auth_login(request, user, backend=MODEL_BACKEND)
        request.session[LAST_SEEN] = time.time()
        staff.note_login(user)

    def _locked_message(self) -> str:
        return LOCKED.format(minutes=max(1, settings.SENTINEL_CONSOLE_LOCKOUT_SECONDS // 60))

    @method_decorator(sensitive_post_parameters("password", "otp_token"))
    @method_decorator(csrf_protect)
    @method_decorator(never_cache)
    def login(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> Any:
        """Password and a TOTP code in one step; failures are audited and lock out."""
        if request.method == "GET" and self.has_permission(request):
            return HttpResponseRedirect(reverse("console:index", current_app=self.name))
        refusal = ""
        form = ConsoleLoginForm(request)
        if request.method == "POST":
            username = request.POST.get("username", "")
            if username.strip() and staff.is_locked_out(username):
                staff.note_refused_while_locked(username)
                refusal = self._locked_message()
            else:
                form = ConsoleLoginForm(request, data=request.POST)
                if form.is_valid():
                    self._signed_in(request, form.get_user())
                    return HttpResponseRedirect(self._next(request))
                if username.strip() and staff.note_failed_login(
                    username, form.failure or "incomplete"
                ):
                    refusal = self._locked_message()
        context = {
            **self.each_context(request),
            "title": "Log ind",
            "form": form,
            "refusal": refusal,
            "app_path": request.get_full_path(),
            "username": request.user.get_username(),
            REDIRECT_FIELD_NAME: self._next(request),
            **(extra_context or {}),
        }
        request.current_app = self.name
        return TemplateResponse(request, self.login_template, context)

    def logout(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> Any:
        """Log out (POST only) and return to the console's login page."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if self.has_permission(request):
            staff.note_logout(request.user)
        auth_logout(request)
        return HttpResponseRedirect(reverse("console:login", current_app=self.name))

    # --- confirming the authenticator app -----------------------------------------------

    def _pending(self, request: HttpRequest) -> tuple[Any, TOTPDevice] | None:
        pending = request.session.get(ENROLMENT)
        if not isinstance(pending, dict) or time.time() - pending.get("at", 0) > ENROLMENT_SECONDS:
            return None
        user_id, device_id = pending.get("user"), pending.get("device")
        if not isinstance(user_id, int) or not isinstance(device_id, int):
            return None
        user = get_user_model().objects.filter(pk=user_id, is_staff=True).first()
        device = TOTPDevice.objects.filter(pk=device_id, user=user, confirmed=False).first()
        return (user, device) if user is not None and device is not None else None

    def _enrol_page(self, request: HttpRequest, **context: Any) -> TemplateResponse:
        request.current_app = self.name
        page = {
            **self.each_context(request),
            "title": "Aktivér to-faktor-login",
            "has_permission": False,
            **context,
        }
        return TemplateResponse(request, "console/enrol.html", page)

    def _confirm_page(self, request: HttpRequest, device: TOTPDevice, **context: Any) -> Any:
        from base64 import b32encode

        secret = b32encode(device.bin_key).decode("ascii")
        return self._enrol_page(
            request,
            step="confirm",
            qr=qr_svg(device.config_url),
            secret=" ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
            token_form=context.pop("token_form", EnrolTokenForm()),
            **context,
        )

    @method_decorator(sensitive_post_parameters("password", "otp_token"))
    @method_decorator(csrf_protect)
    @method_decorator(never_cache)
    def enrol(self, request: HttpRequest) -> HttpResponse:
        """Confirm the authenticator app an administrator set up: password, then the app's
        QR code and its first code. The QR code is shown only until the app is confirmed."""
        if request.method != "POST":
            return self._enrol_page(request, step="password", form=EnrolPasswordForm(request))
        if request.POST.get("step") == "confirm":
            pending = self._pending(request)
            if pending is None:
                request.session.pop(ENROLMENT, None)
                return self._enrol_page(
                    request,
                    step="password",
                    form=EnrolPasswordForm(request),
                    refusal="Tiden er gået. Start forfra med din adgangskode.",
                )
            user, device = pending
            token_form = EnrolTokenForm(request.POST)
            token = token_form.data.get("otp_token", "")
            if staff.confirm_device(user=user, device=device, token=str(token)):
                request.session.pop(ENROLMENT, None)
                user.otp_device = device
                self._signed_in(request, user)
                return HttpResponseRedirect(reverse("console:index", current_app=self.name))
            if staff.note_failed_login(user.get_username(), "invalid_token"):
                request.session.pop(ENROLMENT, None)
                return self._enrol_page(
                    request,
                    step="password",
                    form=EnrolPasswordForm(request),
                    refusal=self._locked_message(),
                )
            return self._confirm_page(request, device, refusal=WRONG_CODE)
        username = request.POST.get("username", "")
        if username.strip() and staff.is_locked_out(username):
            staff.note_refused_while_locked(username)
            return self._enrol_page(
                request,
                step="password",
                form=EnrolPasswordForm(request),
                refusal=self._locked_message(),
            )
        form = EnrolPasswordForm(request, data=request.POST)
        if not form.is_valid():
            refusal = ""
            guessed = username.strip() and form.failure not in _NOT_GUESSES
            if guessed and staff.note_failed_login(username, form.failure or "incomplete"):
                refusal = self._locked_message()
            return self._enrol_page(request, step="password", form=form, refusal=refusal)
        device = form.device
        if device is None:  # the form refuses a user without a pending device
            return self._enrol_page(request, step="password", form=form)
        request.session[ENROLMENT] = {
            "user": form.get_user().pk,
            "device": device.pk,
            "at": time.time(),
        }
        return self._confirm_page(request, device)

    def get_urls(self) -> list[URLResolver | URLPattern]:
        return [path("enrol/", self.enrol, name="enrol"), *super().get_urls()]


def _speak_console_language(request: HttpRequest) -> None:
    """The console speaks ``SENTINEL_CONSOLE_LANGUAGE`` (Danish; English for Django's own
    words if set), whatever language the portal's cookie asks for."""
    language = settings.SENTINEL_CONSOLE_LANGUAGE
    translation.activate(language)
    request.LANGUAGE_CODE = language


console_site = ConsoleSite()

"""Who is using the portal, and which clinics they reach.

Two doors let a person in, and a session may hold both:

- **Login** (OpenID Connect, MitID Erhverv in production): an ``Identity`` for one CVR. It
  reaches every clinic whose CVR is that CVR, and no other.
- **Launch** from the practice system: the vendor's single-use link vouches for one of its users
  at one clinic (``LaunchSession``). It reaches that clinic only, and only while the vendor
  still reaches it (``clinics.reach``); inside, it sees only what that vendor sent (the
  worklist lists the vendor's own courses, ``worklist_vendor``). Signing the DPA or approving
  the consent still needs a fresh login with signing rights for the clinic's CVR; a signature
  made from a launch is recorded with the sundhed.dk channel (the practice system's menu).

Every clinic page goes through ``clinic_page``: a clinic the user does not reach answers 404,
exactly like a clinic that does not exist, so no URL tells one clinic about another.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any, Concatenate, ParamSpec

from django.conf import settings
from django.contrib import auth
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import urlencode

from sentinel.agreements.actions import Signer
from sentinel.agreements.models import Channel
from sentinel.audit.actors import Actor
from sentinel.clinics.launch import LaunchLink
from sentinel.clinics.models import Clinic, Vendor
from sentinel.clinics.reach import reaches
from sentinel.portal.oidc import IDENTITY_KEY, LAUNCH_KEY, Identity

P = ParamSpec("P")


@dataclass(frozen=True)
class LaunchSession:
    """A practice-system user at one clinic, as the vendor's launch link vouched for them."""

    link_id: int
    clinic_id: int
    vendor_id: int
    vendor_slug: str
    vendor_name: str
    user_id: str
    user_name: str
    started_at: int

    @classmethod
    def from_session(cls, data: object) -> LaunchSession | None:
        if not isinstance(data, dict):
            return None
        try:
            return cls(**data)
        except TypeError:
            return None


@dataclass(frozen=True)
class PortalUser:
    identity: Identity | None
    launch: LaunchSession | None

    @property
    def is_anonymous(self) -> bool:
        return self.identity is None and self.launch is None

    def clinics(self) -> QuerySet[Clinic]:
        """Every clinic this user reaches."""
        reach = Q(pk__in=[])
        if self.identity is not None:
            reach |= Q(cvr=self.identity.cvr)
        if self.launch is not None and reaches(self.launch.vendor_id, self.launch.clinic_id):
            reach |= Q(pk=self.launch.clinic_id)
        return Clinic.objects.filter(reach)

    def launched_for(self, clinic: Clinic) -> bool:
        return self.launch is not None and self.launch.clinic_id == clinic.pk

    def worklist_vendor(self, clinic: Clinic) -> Vendor | None:
        """The vendor whose courses alone this user may list: the vendor of a launch session,
        unless the user is also logged in for the clinic's CVR (who sees the whole clinic)."""
        if self.identity is not None and self.identity.cvr == clinic.cvr:
            return None
        if self.launched_for(clinic):
            assert self.launch is not None  # noqa: S101 - launched_for says so
            return Vendor.objects.get(pk=self.launch.vendor_id)
        return None

    def owner(self, clinic: Clinic) -> Signer | None:
        """The person as the clinic's owner — who may sign its agreements and approve its
        vendors — if they are logged in for its CVR with signing rights; else None."""
        identity = self.identity
        if identity is None or identity.cvr != clinic.cvr or not identity.may_sign:
            return None
        return identity.signer()

    def actor(self, clinic: Clinic) -> Actor:
        """Who acts: the logged-in person if there is one, else the practice-system user."""
        if self.identity is not None and self.identity.cvr == clinic.cvr:
            return Actor.clinic_user(self.identity.person_uuid, self.identity.name)
        if self.launch is not None and self.launch.clinic_id == clinic.pk:
            return Actor.clinic_user(
                f"{self.launch.vendor_slug}:{self.launch.user_id}", self.launch.user_name
            )
        raise Http404("no access to this clinic")

    def channel(self, clinic: Clinic) -> str:
        """A signature made from the practice system's menu goes through sundhed.dk."""
        return Channel.SUNDHED_DK if self.launched_for(clinic) else Channel.SENTINEL


def _expired(started_at: int) -> bool:
    return time.time() - started_at > settings.SENTINEL_PORTAL_MAX_SESSION_SECONDS


def portal_user(request: HttpRequest) -> PortalUser:
    """The portal user of this request. A login whose Django user is gone (logged out, another
    user logged in) or a session past its maximum age counts for nothing."""
    session = request.session
    identity = Identity.from_session(session.get(IDENTITY_KEY))
    user = getattr(request, "user", None)
    if identity is not None and (
        user is None
        or not user.is_authenticated
        or user.get_username() != identity.username
        or _expired(identity.logged_in_at)
    ):
        identity = None
        session.pop(IDENTITY_KEY, None)
    launch = LaunchSession.from_session(session.get(LAUNCH_KEY))
    if launch is not None and _expired(launch.started_at):
        launch = None
        session.pop(LAUNCH_KEY, None)
    return PortalUser(identity, launch)


def set_identity(request: HttpRequest, identity: Identity) -> None:
    request.session[IDENTITY_KEY] = identity.as_session()


def start_launch_session(request: HttpRequest, link: LaunchLink) -> LaunchSession:
    """Open a new portal session for the practice-system user of ``link``.

    Whatever the browser had before (another person's login, another launch) is dropped: the
    practice system's window belongs to the user the vendor vouched for.
    """
    auth.logout(request)
    launch = LaunchSession(
        link_id=link.pk,
        clinic_id=link.clinic_id,
        vendor_id=link.vendor_id,
        vendor_slug=link.vendor.slug,
        vendor_name=link.vendor.name,
        user_id=link.user_id,
        user_name=link.user_name,
        started_at=int(time.time()),
    )
    request.session[LAUNCH_KEY] = asdict(launch)
    return launch


def login_url(next_path: str, *, fresh: bool = False) -> str:
    query = {"next": next_path}
    if fresh:
        query["fresh"] = "1"
    return f"{reverse('portal:login')}?{urlencode(query)}"


ClinicView = Callable[Concatenate[HttpRequest, Clinic, PortalUser, P], HttpResponse]


def clinic_page(view: ClinicView[P]) -> Callable[..., HttpResponse]:
    """Load the clinic of the URL's ``ydernummer`` for a user who reaches it (else 404), or
    send an anonymous visitor to log in first."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, ydernummer: str, *args: Any, **kwargs: Any) -> HttpResponse:
        user = portal_user(request)
        if user.is_anonymous:
            return HttpResponseRedirect(login_url(request.get_full_path()))
        clinic = user.clinics().filter(ydernummer=ydernummer).first()
        if clinic is None:
            raise Http404("no such clinic for this user")
        response = view(request, clinic, user, *args, **kwargs)
        response["Cache-Control"] = "no-store"
        return response

    return wrapper

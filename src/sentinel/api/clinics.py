"""The clinic endpoints: projects, activation, the status check, subscriptions, launch."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.utils import timezone
from ninja import Router, Status

from sentinel.api.access import VendorRequest, reachable_clinic
from sentinel.api.schemas import (
    ActivationIn,
    ActivationOut,
    ActivationPendingOut,
    ErrorOut,
    LaunchIn,
    LaunchOut,
    ProjectOut,
    SpecificationOut,
    StatusOut,
    SubscriptionOut,
    SubscriptionsOut,
)
from sentinel.audit.actors import Actor
from sentinel.clinics import actions as clinic_actions
from sentinel.clinics.launch import create_launch_link
from sentinel.collection import approvals
from sentinel.collection.status import check_status
from sentinel.lib.errors import DomainError
from sentinel.lib.reasons import GATE_MESSAGES, Reason
from sentinel.projects.models import DataSpecification, Project
from sentinel.projects.participation import Participation

router = Router(tags=["clinics"])


def _spec_out(specification: DataSpecification | None) -> SpecificationOut | None:
    if specification is None:
        return None
    spec = specification.parsed.as_json()
    return SpecificationOut(
        version=specification.version, effective_from=specification.effective_from, **spec
    )


@router.get(
    "/projects",
    response=list[ProjectOut],
    summary="Published projects and their data specifications",
)
def projects(request: VendorRequest) -> list[ProjectOut]:
    return [
        ProjectOut(
            code=p.code,
            name=p.name,
            summary_da=p.summary_da,
            description_da=p.description_da,
            description_en=p.description_en,
            recipients_da=p.recipients_da,
            reports_open_from=p.reports_open_from,
            first_report_delay_months=p.first_report_delay_months,
            specification=_spec_out(p.specification()),
        )
        for p in Project.objects.filter(is_published=True).order_by("name")
    ]


@router.put(
    "/clinics/{ydernummer}/activation",
    response={200: ActivationOut, 202: ActivationPendingOut, 409: ErrorOut, 422: ErrorOut},
    summary="Activate Sentinel for a clinic (creates the clinic if new; idempotent)",
    description=(
        "A new clinic is registered and activated at once (`200`). Activating an existing "
        "clinic that another vendor serves, or that has signed the DPA or holds data, needs "
        "the clinic owner's approval in the Sentinel portal: the answer is `202` "
        "`{activated: false, pending_approval: true}` (whatever CVR was sent), and until the "
        "owner approves, every clinic endpoint answers as for an unknown clinic. A vendor "
        "whose approved activation is in force gets `200` again (`409 cvr_mismatch` if it "
        "sends another CVR)."
    ),
)
def activate(request: VendorRequest, ydernummer: str, body: ActivationIn) -> Any:
    try:
        answer = approvals.request_activation(
            vendor=request.auth,
            ydernummer=ydernummer,
            cvr=body.cvr,
            name=body.name,
            speciale=body.speciale,
            sor_id=body.sor_id or "",
            region_code=body.region_code or "",
            municipality_code=body.municipality_code or "",
        )
    except DomainError as exc:
        status = 409 if exc.code == "cvr_mismatch" else 422
        field = exc.code.removeprefix("invalid_")
        fields = [{"field": field, "message": exc.message_en}] if status == 422 else []
        body_out = {"error": {"code": exc.code, "message": exc.message_en, "fields": fields}}
        return Status(status, body_out)
    if answer.clinic is None or answer.activation is None:
        return Status(202, ActivationPendingOut(ydernummer=ydernummer.strip()))
    clinic, activation = answer.clinic, answer.activation
    return Status(
        200,
        ActivationOut(
            ydernummer=clinic.ydernummer,
            cvr=clinic.cvr,
            name=clinic.name,
            activated=True,
            activated_at=activation.activated_at,
        ),
    )


@router.delete(
    "/clinics/{ydernummer}/activation",
    response={204: None},
    summary="Deactivate (collection stops; nothing is deleted)",
)
def deactivate(request: VendorRequest, ydernummer: str) -> Any:
    clinic = reachable_clinic(request.auth, ydernummer)
    clinic_actions.deactivate(by=Actor.vendor(request.auth), vendor=request.auth, clinic=clinic)
    return Status(204, None)


@router.get("/clinics/{ydernummer}/status", response=StatusOut, summary="The status check")
def status(request: VendorRequest, ydernummer: str) -> dict[str, Any]:
    report = check_status(reachable_clinic(request.auth, ydernummer))
    payload = report.as_dict("en")
    payload["reports_open_on"] = {p.code: p.reports_open_on for p in report.projects}
    return payload


@router.get(
    "/clinics/{ydernummer}/subscriptions",
    response=SubscriptionsOut,
    summary="What to extract, from when",
)
def subscriptions(request: VendorRequest, ydernummer: str) -> SubscriptionsOut:
    clinic = reachable_clinic(request.auth, ydernummer)
    now = timezone.now()
    standing = Participation.read(clinic, timezone.localdate(now))
    reason = standing.clinic_reason(request.auth, now)
    items = [
        SubscriptionOut(
            project=s.project.code,
            name=s.project.name,
            collect_from=s.collect_from,
            collect_until=s.collect_until,
            specification=_spec_out(s.specification),
        )
        for s in standing.subscriptions()
    ]
    blocking = reason if reason and reason != Reason.NOT_ENROLLED else None
    return SubscriptionsOut(
        ydernummer=clinic.ydernummer,
        collecting=reason is None and bool(items),
        blocked_by=blocking,
        blocked_message=GATE_MESSAGES[blocking] if blocking else None,
        subscriptions=items,
    )


@router.post(
    "/clinics/{ydernummer}/launch",
    response=LaunchOut,
    summary="A single-use link that opens the Sentinel menu",
)
def launch(
    request: VendorRequest, response: HttpResponse, ydernummer: str, body: LaunchIn
) -> LaunchOut:
    clinic = reachable_clinic(request.auth, ydernummer)
    response["Cache-Control"] = "no-store"  # the URL carries a single-use token
    url, expires_at = create_launch_link(
        vendor=request.auth,
        clinic=clinic,
        user_id=body.user_id,
        user_name=body.user_name,
        base_url=request.build_absolute_uri("/"),
    )
    return LaunchOut(url=url, expires_at=expires_at)

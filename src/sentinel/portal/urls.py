from django.urls import include, path

from sentinel.agreements.models import DocumentKind
from sentinel.portal import (
    administer_views,
    agreement_views,
    clinic_pages,
    ledger_views,
    network_views,
    notice_views,
    oidc,
    report_views,
    status_views,
    therapist_views,
    vendor_views,
    views,
)

app_name = "portal"

clinic_patterns = [
    path("", clinic_pages.clinic_home, name="clinic"),
    path("databehandleraftale/", agreement_views.agreement, {"kind": DocumentKind.DPA}, name="dpa"),
    path("samtykke/", agreement_views.agreement, {"kind": DocumentKind.CONSENT}, name="consent"),
    path(
        "databehandleraftale/bed-ejeren/",
        agreement_views.ask_owner,
        {"kind": DocumentKind.DPA},
        name="dpa_ask_owner",
    ),
    path(
        "samtykke/bed-ejeren/",
        agreement_views.ask_owner,
        {"kind": DocumentKind.CONSENT},
        name="consent_ask_owner",
    ),
    path("kvittering/<slug:kind_slug>/<int:pk>/", agreement_views.receipt, name="receipt"),
    path(
        "kvittering/<slug:kind_slug>/<int:pk>/hent/",
        agreement_views.receipt_download,
        name="receipt_download",
    ),
    path(
        "kvittering/<slug:kind_slug>/<int:pk>/pdf/",
        agreement_views.receipt_pdf,
        name="receipt_pdf",
    ),
    path("administrer/", administer_views.administer, name="administer"),
    path(
        "administrer/systemhuse/<int:pk>/",
        vendor_views.decide,
        name="vendor_decide",
    ),
    path(
        "administrer/systemhuse/<int:vendor_id>/afslut/",
        vendor_views.end,
        name="vendor_end",
    ),
    path("administrer/netvaerk/", network_views.clinic_networks, name="networks"),
    path("administrer/beskeder/", notice_views.notices, name="notices"),
    path("administrer/brug-af-data/", ledger_views.ledger, name="ledger"),
    path("administrer/brug-af-data.csv", ledger_views.ledger_download, name="ledger_csv"),
    path("administrer/beskeder/<int:pk>/", notice_views.notice_choose, name="notice_choose"),
    path("administrer/<slug:code>/tilmeld/", administer_views.enrol_confirm, name="enrol"),
    path("administrer/<slug:code>/frameld/", administer_views.unenrol_confirm, name="unenrol"),
    path("status/", status_views.status, name="status"),
    path("kom-godt-i-gang/", status_views.help_page, name="help"),
    path("rapporter/", report_views.reports, name="reports"),
    path("rapporter/<slug:project>.pdf", report_views.report_pdf, name="report_pdf"),
    path("rapporter/<slug:project>/", report_views.report_tab, name="report_tab"),
    path(
        "rapporter/<slug:project>/behandlere/",
        therapist_views.report_therapists,
        name="report_therapists",
    ),
    path("rapporter/<slug:project>/print/", report_views.report_print, name="report_print"),
    path(
        "rapporter/<slug:project>/csv/<slug:table>/",
        report_views.report_csv,
        name="report_csv",
    ),
]

urlpatterns = [
    path("", views.front_page, name="front"),
    path("healthz", views.healthz, name="healthz"),
    path("login/", oidc.LoginView.as_view(), name="login"),
    path("login/callback/", oidc.CallbackView.as_view(), name="oidc_callback"),
    path("login/fejl/", views.login_failed, name="login_failed"),
    path("logout/", views.logout, name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("launch/<str:token>", views.launch, name="launch"),
    path("beskeder/bekraeft/<str:token>/", notice_views.notice_verify, name="notice_verify"),
    path("beskeder/stop/<str:token>/", notice_views.notice_stop, name="notice_stop"),
    path("klinik/", views.clinics, name="clinics"),
    path("netvaerk/<int:pk>/", network_views.network_page, name="network"),
    path("netvaerk/<int:pk>/<slug:project>.pdf", network_views.network_pdf, name="network_pdf"),
    path("klinik/<str:ydernummer>/", include(clinic_patterns)),
]

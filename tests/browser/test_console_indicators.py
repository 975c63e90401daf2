"""The console's "Rapportens indikatorer" in a real browser (axe-clean, screenshots, wide and
narrow): a project manager enters an indicator as fields — checkboxes for the population's
course types, codes typed for the numerator — saves the draft and sees it in words."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from sentinel.audit.actors import Actor
from sentinel.console import staff
from sentinel.projects.models import Project
from sentinel.reports.models import DeclaredIndicator
from tests.browser.conftest import check_page
from tests.console.conftest import PASSWORD, code_for, fresh_code

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

WIDE = {"width": 1280, "height": 800}
NARROW = {"width": 480, "height": 700}
SYSTEM = Actor.system("tests")


def test_a_project_manager_enters_an_indicator_as_fields(live_server, new_page) -> None:
    user, device = staff.create_staff(
        by=SYSTEM, username="pia", password=PASSWORD, role="project_manager", full_name="Pia P"
    )
    assert staff.confirm_device(user=user, device=device, token=code_for(device))
    project = Project.objects.create(
        code="artrose",
        name="Artroseforløb",
        summary_da="Kodning af artroseforløb.",
        description_da="Forløb med koder.",
        reports_open_from=dt.date(2026, 1, 1),
    )
    page = new_page(viewport=WIDE)
    page.goto(f"{live_server.url}/console/login/")
    page.fill("#id_username", "pia")
    page.fill("#id_password", PASSWORD)
    page.fill("#id_otp_token", fresh_code(device))
    page.locator("input[type=submit]").click()
    page.wait_for_url(re.compile(r".*/console/$"))

    page.goto(f"{live_server.url}/console/projects/project/{project.pk}/indicators/")
    expect(page.get_by_role("heading", name="Nyt udkast")).to_be_visible()
    check_page(page, "56-console-indicators-empty")
    page.get_by_label("Nøgle").fill("artrose_kodet")
    page.get_by_label("Navn (dansk)").fill("Artrose med krævet kode")
    for course_type in ("knee_osteoarthritis", "hip_osteoarthritis"):
        page.locator(f"input[name=population_course_type][value={course_type}]").check()
    page.locator("#id_numerator_code").fill("L89, L90")
    page.get_by_label("Mål, nedre grænse (%)").fill("90")
    page.get_by_label("Mål, øvre grænse (%)").fill("100")
    page.get_by_role("button", name="Gem udkastet").click()

    expect(page.locator(".messagelist")).to_contain_text(
        "Udkastet »Artrose med krævet kode« er gemt"
    )
    drafts = page.locator("#drafts tbody tr").first
    expect(drafts).to_contain_text("Forløbstype: hip_osteoarthritis, knee_osteoarthritis")
    expect(drafts).to_contain_text("ICPC-2-kode (nuværende): L89, L90")
    check_page(page, "57-console-indicators-draft")
    page.set_viewport_size(NARROW)
    check_page(page, "58-console-indicators-draft-narrow")
    row = DeclaredIndicator.objects.get(project=project)
    assert (row.population, row.numerator) == (
        {"course_type": ["hip_osteoarthritis", "knee_osteoarthritis"]},
        {"code": ["L89", "L90"]},
    )

"""Quality networks in a real browser, axe-clean at 1280×800 and 480×700: the owner accepts an
invitation and consents to be named; the report tab shows the network's column beside region
and nation; the coordinator sees the network's aggregate and its members (named or lettered)
and downloads the meeting pack."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from sentinel.networks import actions
from sentinel.networks.models import Membership
from sentinel.reports.aggregates import refresh_benchmark
from tests.browser.conftest import SCREENSHOTS, check_page, log_in_at_provider
from tests.factories import ClinicFactory
from tests.networks.conftest import COORDINATOR_UUID, OPERATOR, join, member_clinic
from tests.portal.conftest import person

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

WIDE = {"width": 1280, "height": 800}
NARROW = {"width": 480, "height": 700}


def test_owner_joins_the_tab_compares_and_the_coordinator_sees_the_network(
    live_server, provider, project, new_page
) -> None:
    network = actions.create_network(
        name="Klynge Nordsjælland", coordinators=[COORDINATOR_UUID], by=OPERATOR
    )
    others = [member_clinic(project, i, coded=10 + i) for i in range(1, 5)]
    for clinic in others:
        join(network, clinic)
    mine = member_clinic(project, 0)
    actions.invite(network, mine, by=OPERATOR)
    owner = provider.add(person(mine, name="Karen Ejer"))

    # The owner accepts the invitation and consents to be named.
    for viewport, suffix in ((WIDE, ""), (NARROW, "-narrow")):
        page = new_page(viewport=viewport)
        page.goto(f"{live_server.url}/login/?next=/klinik/{mine.ydernummer}/administrer/netvaerk/")
        log_in_at_provider(page, owner.sub)
        page.wait_for_url(re.compile(r".*/administrer/netvaerk/$"))
        expect(page.get_by_role("heading", name="Invitationer")).to_be_visible()
        check_page(page, f"60-network-invitation{suffix}")
        if viewport is NARROW:
            break
        page.get_by_label("Vis klinikken med navn for netværkets medlemmer og koordinator").check()
        page.get_by_role("button", name="Bliv medlem af Klynge Nordsjælland").click()
        expect(page.get_by_text("Klinikken er nu medlem af Klynge Nordsjælland.")).to_be_visible()
        expect(page.get_by_text("vises med navn i netværket")).to_be_visible()
        check_page(page, "61-network-member")
    membership = Membership.objects.get(clinic=mine)
    assert membership.named_since is not None

    # After the next refresh the tab shows the network's column.
    refresh_benchmark()
    for viewport, suffix in ((WIDE, ""), (NARROW, "-narrow")):
        page = new_page(viewport=viewport)
        page.goto(
            f"{live_server.url}/login/?next=/klinik/{mine.ydernummer}/rapporter/diagnosekodning/"
        )
        log_in_at_provider(page, owner.sub)
        page.wait_for_url(re.compile(r".*/rapporter/diagnosekodning/$"))
        benchmark = page.locator("#tabel-benchmark")
        expect(
            benchmark.get_by_role("columnheader", name="Klynge Nordsjælland (%)")
        ).to_be_visible()
        check_page(page, f"62-report-network-column{suffix}")
        page.locator("#sektion-benchmark").screenshot(
            path=str(SCREENSHOTS / f"62-benchmark-network{suffix}.png")
        )

    # The coordinator's view: the aggregate and each member; the meeting pack.
    company = ClinicFactory.build()
    coordinator = provider.add(person(company, sub=COORDINATOR_UUID, name="Kirsten Koordinator"))
    for viewport, suffix in ((WIDE, ""), (NARROW, "-narrow")):
        page = new_page(viewport=viewport)
        page.goto(f"{live_server.url}/login/?next=/netvaerk/{network.pk}/")
        log_in_at_provider(page, coordinator.sub)
        page.wait_for_url(re.compile(rf".*/netvaerk/{network.pk}/$"))
        table = page.locator("#tabel-members")
        expect(table.get_by_text("Netværket", exact=True)).to_be_visible()
        expect(table.get_by_text(mine.name, exact=True)).to_be_visible()
        for clinic in others:
            expect(table.get_by_text(clinic.name)).to_have_count(0)
        check_page(page, f"63-network-coordinator{suffix}")
        if viewport is WIDE:
            with page.expect_download() as download:
                page.get_by_role("link", name="Hent mødepakke (PDF)").click()
            path = download.value.path()
            assert path.read_bytes()[:4] == b"%PDF"

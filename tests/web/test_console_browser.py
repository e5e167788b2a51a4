"""The console driven through headless Chromium: sign in, screen, disposition, check, ship to the tolerance."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import httpx
import pytest
from console_support import CHROMIUM, FIXTURES, Console

from exportguard.batch.runner import Customer
from exportguard.lists import ofac_sdn
from exportguard.store.base import make_engine, session_factory
from exportguard.store.customer_store import import_customers
from exportguard.store.list_store import record_version

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's Chromium at /usr/bin/chromium (apt-get install chromium)"),
]
playwright = pytest.importorskip("playwright.sync_api")
README_SHOT = Path(__file__).parents[2] / "docs" / "img" / "console-screen.png"
CUSTOMERS = Path(__file__).parents[2] / "examples" / "customers.csv"
HIKVISION = "Hangzhou Hikvision Digital Technology Co., Ltd.; end_user; CN"


@pytest.fixture
def page(browser: playwright.Browser) -> Iterator[playwright.Page]:
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    yield context.new_page()
    context.close()


def sign_in(page: playwright.Page, console: Console, role: str) -> None:
    page.goto(f"{console.url}/console/screen")
    assert page.url.endswith("/console/login")
    page.get_by_label("User name").fill(f"{role}1")
    page.get_by_label("API key").fill(console.keys[role])
    page.get_by_role("button", name="Sign in").click()
    playwright.expect(page.get_by_role("heading", name="Screen a party")).to_be_visible()


def screen(page: playwright.Page, name: str, country: str) -> None:
    page.get_by_label("Name", exact=True).fill(name)
    page.get_by_label("Country (ISO-2)").fill(country)
    page.get_by_role("button", name="Screen").click()


def test_wrong_key_is_refused(page: playwright.Page, console: Console) -> None:
    page.goto(f"{console.url}/console/login")
    page.get_by_label("User name").fill("analyst1")
    page.get_by_label("API key").fill(console.keys["reviewer"])
    page.get_by_role("button", name="Sign in").click()
    playwright.expect(page.get_by_role("alert")).to_have_text("Unknown user name or API key.")


def test_screen_and_disposition_is_remembered(page: playwright.Page, console: Console, tmp_path: Path) -> None:
    sign_in(page, console, "reviewer")
    screen(page, "Huawei Technologies", "CN")
    table = page.get_by_role("table", name=re.compile("^Open hits"))
    entry = table.locator("tbody.hit", has=page.locator(".tag", has_text=re.compile("^EL$"))).first.get_attribute(
        "data-entry") or ""
    first = table.locator(f"tbody.hit[data-entry='{entry}']")  # stays on this hit once its row is replaced
    playwright.expect(first.locator("summary")).to_contain_text("Huawei Technologies Co., Ltd.")
    playwright.expect(first.locator(".score")).to_contain_text("strong")  # told by text, not colour alone
    assert "EL:" not in first.inner_text()  # the entry by name; its 40-character key only when expanded
    first.locator("summary").click()
    playwright.expect(first.locator("mark")).to_have_text("Huawei Technologies Co., Ltd.")
    playwright.expect(first).to_contain_text("84 FR 2296")
    playwright.expect(first).to_contain_text("744.11 of the EAR")
    playwright.expect(first.locator(".features")).to_contain_text("country CN matches")
    page.screenshot(path=str(tmp_path / "screen.png"), full_page=False)
    README_SHOT.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(tmp_path / "screen.png", README_SHOT)
    url = page.url
    first.get_by_label("False positive").check()
    first.get_by_label("Reason").fill("Our customer is a reseller in Shenzhen, not the listed Huawei entity")
    first.get_by_role("button", name="Record disposition").click()
    playwright.expect(first).to_contain_text("False positive recorded for Huawei Technologies Co., Ltd.")
    playwright.expect(page.locator("#disposition-status")).to_contain_text("False positive recorded")
    assert page.url == url  # recorded in place: no reload, the row did not move
    screen(page, "  huawei   technologies ", "cn")
    page.wait_for_url(re.compile(r"name=\+\+huawei"))
    decided = page.get_by_role("table", name="Hits with a disposition that still applies")
    playwright.expect(decided.get_by_role("row").filter(has_text="reseller in Shenzhen")).to_contain_text("False positive")
    playwright.expect(page.locator(f"tbody.hit[data-entry='{entry}']")).to_have_count(0)
    page.get_by_role("link", name="Screening history of this party").click()
    history = page.get_by_role("table", name=re.compile("^History"))
    playwright.expect(history).to_contain_text("reseller in Shenzhen")
    page.screenshot(path=str(tmp_path / "dispositioned.png"), full_page=True)


def test_analyst_cannot_disposition(page: playwright.Page, console: Console) -> None:
    sign_in(page, console, "analyst")
    screen(page, "Huawei Technologies", "CN")
    first = page.locator("tbody.hit").first
    first.locator("summary").click()
    playwright.expect(first).to_contain_text("A reviewer records dispositions.")
    playwright.expect(page.get_by_role("button", name="Record disposition")).to_have_count(0)


def test_check_hikvision_on_2019_10_15(page: playwright.Page, console: Console, tmp_path: Path) -> None:
    sign_in(page, console, "analyst")
    page.get_by_role("link", name="Check a transaction").click()
    page.get_by_label("Transaction date").fill("2019-10-15")
    page.get_by_label("Destination (ISO-2)").fill("CN")
    page.get_by_label("Parties, one per line").fill(HIKVISION)
    page.get_by_label("Items, one per line").fill("1A995; dosimeters; 50; 12000\nEAR99; network cables; 400; 3000")
    page.get_by_role("button", name="Check", exact=True).click()
    playwright.expect(page.get_by_role("heading", name="Determination")).to_contain_text("LICENSE REQUIRED")
    playwright.expect(page.locator("figure.timeline")).to_have_count(0)
    playwright.expect(page.get_by_label("Items, one per line")).to_have_value("1A995; dosimeters; 50; 12000\nEAR99; network cables; 400; 3000")
    findings = page.get_by_role("table", name="Findings, in the order the checks ran")
    playwright.expect(findings).to_contain_text("744.11(a)")
    playwright.expect(findings).to_contain_text("in force from 2019-10-09")
    playwright.expect(findings).to_contain_text("CASE BY CASE")
    playwright.expect(findings).to_contain_text("84 FR 54004")  # the page the Entity List itself cites
    page.screenshot(path=str(tmp_path / "check.png"), full_page=True)


def test_huawei_tgl_window_on_timeline(page: playwright.Page, console: Console, tmp_path: Path) -> None:
    sign_in(page, console, "analyst")
    page.goto(f"{console.url}/console/check")
    page.get_by_label("Transaction date").fill("2019-09-10")
    page.get_by_label("Destination (ISO-2)").fill("CN")
    page.get_by_label("Parties, one per line").fill("Huawei Technologies Co., Ltd.; ultimate_consignee; CN")
    page.get_by_label("Items, one per line").fill("EAR99; replacement line cards for installed routers; 12; 48000")
    page.get_by_label("Activity").select_option("network_maintenance")
    page.get_by_label("Contract date").fill("2019-04-01")
    page.get_by_label("TGL certification on file from").select_option("huawei_entity")
    page.get_by_label("Certification document").fill("HW-CERT-2019-0815")
    page.get_by_label("Network already operational").check()
    page.get_by_label("Serves third parties' customers").check()
    page.get_by_role("button", name="Check", exact=True).click()
    playwright.expect(page.get_by_role("heading", name="Determination")).to_contain_text("AUTHORIZED GENERAL")
    caption = page.locator("figure.timeline figcaption").first
    playwright.expect(caption).to_contain_text("transaction date 2019-09-10 is inside it")
    playwright.expect(page.locator("figure.timeline svg rect.window")).to_have_count(1)
    page.screenshot(path=str(tmp_path / "tgl.png"), full_page=True)


def test_ship_until_tolerance_blocks(page: playwright.Page, console: Console, tmp_path: Path) -> None:
    license_id = issue_license(console)
    sign_in(page, console, "analyst")
    page.goto(f"{console.url}/console/licenses")
    page.get_by_role("link", name="D900001").click()
    record_shipment(page, "SHIP-1", "50", "6000")
    record_shipment(page, "SHIP-2", "30", "4900")  # past the licensed $10,000, inside the 10% tolerance
    playwright.expect(page.locator("#value-label")).to_contain_text("$10,900.00 shipped")
    playwright.expect(page.locator(".bar .used.over")).to_have_attribute("style", "left: 90.9%; width: 8.2%")
    record_shipment(page, "SHIP-3", "10", "200")
    playwright.expect(page.get_by_role("alert")).to_contain_text("value would exceed the licensed value plus 10% tolerance")
    playwright.expect(page.locator("#value-label")).to_contain_text("$100.00 remaining")
    shipments = page.get_by_role("table", name="Shipments")
    playwright.expect(shipments.get_by_role("row")).to_have_count(3)
    page.screenshot(path=str(tmp_path / "license-blocked.png"), full_page=True)
    page.goto(f"{console.url}/console/licenses/{license_id}")
    record_shipment(page, "SHIP-4", "20", "100")
    playwright.expect(page.locator("#qty-label")).to_contain_text("0 of 100 remaining")
    playwright.expect(page.get_by_role("status")).to_contain_text("No shipment can be recorded: this license is exhausted")
    playwright.expect(page.get_by_role("button", name="Record shipment")).to_have_count(0)
    licensed = page.get_by_role("table", name="Licensed items")
    playwright.expect(licensed).to_contain_text("3A001")
    playwright.expect(page.get_by_role("table", name="Licensed parties")).to_contain_text("Example GmbH")


def record_shipment(page: playwright.Page, reference: str, quantity: str, value: str) -> None:
    page.get_by_label("Reference").fill(reference)
    page.get_by_label("Quantity", exact=True).fill(quantity)
    page.get_by_label("Value (USD)").fill(value)
    page.get_by_label("Ship date").fill("2024-03-01")
    page.get_by_role("button", name="Record shipment").click()


def issue_license(console: Console, number: str = "D900001") -> int:
    """A license for 100 units worth $10,000 (ceiling $11,000), recorded through the API by a reviewer."""
    body = {"license_number": number, "issued_on": "2024-01-15",
            "parties": [{"name": "Example GmbH", "role": "ultimate_consignee", "country": "DE"}],
            "items": [{"eccn": "3A001", "description": "ADCs", "quantity": 100, "value": 10000}]}
    response = httpx.post(f"{console.url}/licenses", json=body, headers={"X-API-Key": console.keys["reviewer"]})
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def test_applications_show_days_left_and_overdue_in_red(page: playwright.Page, console: Console,
                                                        tmp_path: Path) -> None:
    late = file_application(console, "Sensors to Kazakhstan", "KZ", registered_on="2024-01-02")
    fresh = file_application(console, "Lasers to Germany", "DE", registered_on=date.today().isoformat())
    sign_in(page, console, "analyst")
    page.get_by_role("link", name="Applications & licenses").click()
    table = page.get_by_role("table", name="License applications")
    overdue_row = table.get_by_role("row").filter(has_text=late)
    playwright.expect(overdue_row).to_have_class("overdue")
    playwright.expect(overdue_row).to_contain_text("overdue")
    playwright.expect(overdue_row.locator("td").last).to_have_css("color", "rgb(180, 35, 24)")
    fresh_row = table.get_by_role("row").filter(has_text=fresh)
    playwright.expect(fresh_row).to_contain_text("initial_action")
    playwright.expect(fresh_row.locator("td.num")).to_have_text("9")
    page.screenshot(path=str(tmp_path / "applications.png"), full_page=True)


def file_application(console: Console, title: str, destination: str, registered_on: str) -> str:
    """Draft, submit and register an application through the API; returns its title."""
    headers = {"X-API-Key": console.keys["analyst"]}
    body = {"title": title, "applicant": "Example Corp", "destination": destination,
            "parties": [{"name": "Consignee Ltd", "role": "ultimate_consignee", "country": destination}],
            "items": [{"eccn": "6A003", "description": "Thermal cameras", "quantity": 4, "value": 8000}],
            "drafted_on": registered_on}
    created = httpx.post(f"{console.url}/applications", json=body, headers=headers)
    assert created.status_code == 201, created.text
    for state in ("submitted", "registered"):
        moved = httpx.post(f"{console.url}/applications/{created.json()['id']}/transitions",
                           json={"to": state, "on": registered_on}, headers=headers)
        assert moved.status_code == 200, moved.text
    return title


def test_batch_upload_and_bulk_disposition(page: playwright.Page, console: Console, tmp_path: Path) -> None:
    sign_in(page, console, "reviewer")
    page.get_by_role("link", name="Batch & review queue").click()
    page.get_by_label("Customer file (CSV)").set_input_files(str(CUSTOMERS))
    page.get_by_role("button", name="Upload and screen").click()
    playwright.expect(page.get_by_role("heading", name="Review queue: customers.csv")).to_be_visible()
    hits = page.get_by_role("table", name="Open hits")
    playwright.expect(hits).to_contain_text("Huawei Device Co Ltd")
    playwright.expect(hits).to_contain_text("C-1002")  # the customer's own id, not only the row
    playwright.expect(page.locator("p.hint").first).to_contain_text("18 customers screened; 1 rows could not be screened")
    page.get_by_label("List", exact=True).select_option("EL")
    page.get_by_label("Customer country").fill("CN")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url(re.compile(r"list_code=EL&country=CN$"))
    rows = hits.locator("tbody tr")
    playwright.expect(rows.first).to_contain_text("EL")
    assert all(row.locator("td").nth(4).inner_text() == "CN" for row in rows.all())
    page.screenshot(path=str(tmp_path / "queue.png"), full_page=True)
    exact = hits.locator("input[data-exact]").count()
    total = hits.locator("input[name=selected]").count()
    assert 0 < exact < total
    group = hits.locator("input[data-group]").first  # one customer against one listed entity family
    members = f'input[data-group-member="{group.get_attribute("data-group")}"]'
    assert hits.locator(members).count() > 0 and hits.locator("tbody tr").count() < total
    group.check()  # ticks the group's other rows, exact (1.00) ones only when included
    ticked = 1 + hits.locator(members).count() - hits.locator(f"{members}[data-exact]").count()
    playwright.expect(page.locator("#selected-count")).to_contain_text(f"{ticked} selected")
    group.uncheck()
    playwright.expect(page.locator("#selected-count")).to_contain_text("0 selected")
    page.get_by_label(re.compile("^Select every hit shown")).check()
    playwright.expect(page.locator("#selected-count")).to_contain_text(
        f"{total - exact} selected")  # exact (1.00) matches are not ticked by "select all"
    page.get_by_label("True match").check()
    page.get_by_label("Reason").fill("Same names and addresses as the listed entries: orders held")
    page.get_by_role("button", name="Review selected…").click()
    playwright.expect(page.get_by_role("heading", name=f"Confirm: True match for {total - exact} hits")).to_be_visible()
    page.get_by_role("button", name=f"Record True match for {total - exact} hits").click()
    playwright.expect(hits.locator("input[name=selected]")).to_have_count(exact)
    playwright.expect(page.get_by_label("List", exact=True)).to_have_value("EL")
    page.get_by_role("link", name=re.compile(r"^Decided hits \(")).click()
    decided = page.get_by_role("table", name="Decided hits")
    playwright.expect(decided.locator("tbody tr")).to_have_count(total - exact)
    decided.get_by_role("button", name=re.compile("^Undo")).first.click()
    playwright.expect(decided.locator("tbody tr")).to_have_count(total - exact - 1)
    page.goto(f"{console.url}/console/batch")
    playwright.expect(page.get_by_role("table", name="Past batches")).to_contain_text("customers.csv")


NARROW_PAGES = ("/console/screen?name=Huawei+Technologies&country=CN", "/console/batch", "/console/check",
                "/console/licenses", "/console/lists", "/console/hits", "/console/determinations", "/console/tariffs")


@pytest.mark.parametrize("width", [360, 390])
def test_every_page_fits_a_phone_with_the_navigation_and_sign_out_reachable(
        browser: playwright.Browser, console: Console, tmp_path: Path, width: int) -> None:
    context = browser.new_context(viewport={"width": width, "height": 800}, device_scale_factor=1)
    page = context.new_page()
    try:
        sign_in(page, console, "analyst")
        for path in NARROW_PAGES:
            page.goto(f"{console.url}{path}")
            wide = page.evaluate("document.documentElement.scrollWidth")
            assert wide <= width, f"{path} is {wide} px wide at a {width} px viewport"
            for target in (page.get_by_role("button", name="Sign out"), page.get_by_role("link", name="Applications & licenses")):
                box = target.bounding_box()
                assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width, f"{path}: {box}"
        page.screenshot(path=str(tmp_path / f"narrow-{width}.png"), full_page=True)
        page.get_by_role("button", name="Sign out").click()
        playwright.expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    finally:
        context.close()


def test_a_disposition_by_keyboard_alone_stays_in_place(page: playwright.Page, console: Console) -> None:
    sign_in(page, console, "reviewer")
    page.goto(f"{console.url}/console/screen?name=Sugon&country=CN")
    url = page.url
    summary = page.locator("tbody.hit summary").first
    summary.focus()
    page.keyboard.press("Enter")  # expands the row
    hit = page.locator("tbody.hit").first
    radio = hit.get_by_label("True match")
    radio.focus()
    page.keyboard.press("Space")
    playwright.expect(radio).to_be_checked()
    hit.get_by_label("Reason").focus()
    page.keyboard.type("Same company and address as the Entity List entry")
    page.keyboard.press("Enter")
    playwright.expect(hit.locator(".decided-inline")).to_be_focused()
    playwright.expect(hit).to_contain_text("True match recorded for")
    assert page.url == url


def test_pages_carry_no_inline_script_and_the_csp_holds(page: playwright.Page, console: Console) -> None:
    violations: list[str] = []
    page.on("console", lambda message: violations.append(message.text) if "Content Security Policy" in message.text
            else None)
    sign_in(page, console, "reviewer")
    for path in ("/console/screen?name=Huawei", "/console/batch", "/console/check", "/console/licenses"):
        response = page.goto(f"{console.url}{path}")
        assert response is not None and "script-src" not in response.headers["content-security-policy"]
        assert response.headers["content-security-policy"].startswith("default-src 'self'")
        assert page.locator("script:not([src])").count() == 0
    assert violations == []


def test_api_docs_render_with_no_network(browser: playwright.Browser, console: Console) -> None:
    context = browser.new_context()
    outside: list[str] = []

    def only_local(route: playwright.Route) -> None:
        if route.request.url.startswith(console.url):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", only_local)
    page = context.new_page()
    try:
        page.goto(f"{console.url}/docs")
        playwright.expect(page.locator(".swagger-ui .info .title")).to_contain_text("exportguard")
        playwright.expect(page.locator(".opblock-summary-path", has_text="/search").first).to_be_visible()
        assert outside == []
    finally:
        context.close()


def test_a_determination_prints_as_a_record(page: playwright.Page, console: Console, tmp_path: Path) -> None:
    sign_in(page, console, "analyst")
    page.goto(f"{console.url}/console/check")
    playwright.expect(page.get_by_label("Items, one per line")).to_have_value("")
    page.get_by_label("Transaction date").fill("2019-10-15")
    page.get_by_label("Destination (ISO-2)").fill("CN")
    page.get_by_label("Parties, one per line").fill("Hangzhou Hikvision Digital Technology Co., Ltd., end_user, CN")
    page.get_by_label("Items, one per line").fill("1A995; dosimeters; 50; 12000")
    page.get_by_role("button", name="Check", exact=True).click()
    playwright.expect(page.locator(".status-banner")).to_contain_text("LICENSE REQUIRED")
    page.get_by_role("link", name=re.compile("^determination ")).click()
    playwright.expect(page.get_by_role("heading", name=re.compile("^Determination"))).to_be_visible()
    page.emulate_media(media="print")
    playwright.expect(page.get_by_role("navigation", name="Console")).to_be_hidden()
    playwright.expect(page.get_by_role("table", name=re.compile("^Findings"))).to_contain_text("744.11(a)")
    page.pdf(path=str(tmp_path / "determination.pdf"))
    assert (tmp_path / "determination.pdf").read_bytes().startswith(b"%PDF")


def test_applications_are_drafted_and_moved_in_the_console(page: playwright.Page, console: Console) -> None:
    sign_in(page, console, "reviewer")
    page.goto(f"{console.url}/console/licenses")
    page.get_by_text("Draft a new application").click()
    page.get_by_label("Title").fill("Oscilloscopes to Norway")
    page.get_by_label("Applicant").fill("Example Corp")
    page.get_by_label("Destination (ISO-2)").fill("NO")
    page.get_by_role("textbox", name=re.compile("^Parties, one per line")).fill("Norsk AS; ultimate_consignee; NO")
    page.get_by_role("textbox", name=re.compile("^Items, one per line")).fill("3A992; oscilloscopes; 3; 9000")
    page.get_by_role("button", name="Draft application").click()
    playwright.expect(page.get_by_role("heading", name=re.compile("Oscilloscopes to Norway"))).to_contain_text("draft")
    page.get_by_label("Next state", exact=True).select_option("submitted")
    page.get_by_role("button", name="Record").click()
    playwright.expect(page.get_by_role("table", name="History")).to_contain_text("submitted")
    playwright.expect(page.get_by_role("heading", name=re.compile("Oscilloscopes to Norway"))).to_contain_text("submitted")


def test_list_versions_show_changes_and_affected_customers(page: playwright.Page, console: Console,
                                                           tmp_path: Path) -> None:
    old, new = store_sdn_versions(console, [Customer("C-77", "Rosneft Trading S.A."),
                                            Customer("C-78", "Siemens AG", "DE")])
    sign_in(page, console, "analyst")
    page.get_by_role("link", name="List versions").click()
    page.get_by_label("Old version").select_option(old)
    page.get_by_label("New version").select_option(new)
    page.get_by_role("button", name="Compare").click()
    playwright.expect(page.locator("p.summary")).to_contain_text("1858 added · 261 removed · 843 modified")
    affected = page.get_by_role("table", name="Customers affected")
    playwright.expect(affected).to_contain_text("Rosneft Trading S.A. C-77")
    playwright.expect(affected).to_contain_text("ROSNEFT TRADING S.A.")
    playwright.expect(affected).not_to_contain_text("Siemens")
    modified = page.get_by_role("table", name=re.compile("^Modified entries"))
    havin = modified.get_by_role("row").filter(has_text="HAVIN BANK LIMITED").first
    playwright.expect(havin.locator("td.old")).to_be_visible()
    playwright.expect(havin.locator("td.new")).to_be_visible()
    page.screenshot(path=str(tmp_path / "lists.png"), full_page=False)


def store_sdn_versions(console: Console, customers: list[Customer]) -> tuple[str, str]:
    """Store the real January 2019 and July 2021 OFAC SDN versions and the customers; returns the version ids."""
    sessions = session_factory(make_engine(console.database_url))
    with sessions() as db, db.begin():
        # The 2019 SDN is far smaller than the bundled 2026 SDN: its first load needs an override.
        ids = [record_version(db, ofac_sdn.load(FIXTURES / f"ofac_sdn_{month}"), "test",
                              force_reason="historical SDN fixture").version_id
               for month in ("2019-01", "2021-07")]
        import_customers(db, customers, "test")
    return ids[0], ids[1]



def test_keyboard_only_sign_in_and_skip_link(page: playwright.Page, console: Console) -> None:
    page.goto(f"{console.url}/console/login")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    playwright.expect(skip).to_be_focused()
    assert skip.bounding_box() is not None and skip.bounding_box()["x"] >= 0  # type: ignore[index]
    page.keyboard.press("Tab")
    playwright.expect(page.get_by_label("User name")).to_be_focused()
    page.keyboard.type("reviewer1")
    page.keyboard.press("Tab")
    page.keyboard.type(console.keys["reviewer"])
    page.keyboard.press("Enter")
    playwright.expect(page.get_by_role("heading", name="Screen a party")).to_be_visible()
    page.keyboard.press("Tab")
    playwright.expect(page.get_by_role("link", name="Skip to main content")).to_be_focused()
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    playwright.expect(page.get_by_label("Name", exact=True)).to_be_focused()

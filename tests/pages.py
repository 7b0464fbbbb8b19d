"""Page checks after GOV.UK Notify's client_request: every page a test fetches is well formed."""

from __future__ import annotations

from bs4 import BeautifulSoup
from flask.testing import FlaskClient


def parse(html: str) -> BeautifulSoup:
    page = BeautifulSoup(html, "html.parser")
    assert page.html is not None
    assert page.html.get("lang") in {"nl", "en"}, "missing <html lang>"
    assert page.title is not None
    assert page.title.get_text(strip=True), "empty <title>"
    assert len(page.find_all("h1")) == 1, "exactly one <h1> per page"
    assert page.find("main"), "no <main> landmark"
    for form in page.find_all("form"):
        assert form.get("action"), "form without action"
        for field in form.find_all(["input", "textarea", "select"]):
            if field.get("type") in {"hidden", "submit"}:
                continue
            assert page.find("label", attrs={"for": field.get("id")}), f"no label for {field}"
    assert not page.find("script", src=False), "inline script (CSP forbids it)"
    return page


def get_page(client: FlaskClient, url: str, *, status: int = 200) -> BeautifulSoup:
    response = client.get(url)
    assert response.status_code == status, f"{url}: {response.status_code}"
    return parse(response.text)


def text_of(page: BeautifulSoup) -> str:
    return " ".join(page.get_text(" ").split())

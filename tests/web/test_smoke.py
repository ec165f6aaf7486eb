"""A first pass through the pages as each kind of user."""

from __future__ import annotations

from tests.web.conftest import Org


def test_owner_sees_the_case_and_the_outsider_gets_404(org: Org) -> None:
    owner = org.client(org.owner)
    page = owner.get(f"/cases/{org.case.reference}/")
    assert page.status_code == 200
    assert "Unexplained look-ups" in page.content.decode()
    outsider = org.client(org.outsider)
    assert outsider.get(f"/cases/{org.case.reference}/").status_code == 404

"""The contract page's switch for putting a Second Level contract's cashiers through to
their admin: supervisors only, noted in the contract's history."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy import select

from hotline.models import ContractEvent
from hotline.runtime import Runtime
from tests.test_import import GOOD, do_import, to_csv
from tests.test_import_cashier_dial_admin import dial_admin


def test_supervisor_switches_it_on_the_contract_page(
    rt: Runtime, supervisor_client: FlaskClient, agent_client: FlaskClient
) -> None:
    assert do_import(rt, to_csv(GOOD)).ok
    page = supervisor_client.get("/contracts/V-2").get_data(as_text=True)
    assert "hören, wer ihr Admin ist (nicht durchgestellt)" in page
    token = _csrf(page)
    answer = supervisor_client.post(
        "/contracts/V-2/cashier-dial-admin", data={"on": "1", "csrf_token": token}
    )
    assert answer.status_code == 302
    assert dial_admin(rt, "V-2") is True
    page = supervisor_client.get("/contracts/V-2").get_data(as_text=True)
    assert "Kassierer, die anrufen, werden jetzt zu ihrem Admin durchgestellt." in page
    assert "Durchstellen der Kassierer zum Admin eingeschaltet" in page  # the history
    with rt.sessions() as s:
        kinds = [e.kind for e in s.scalars(select(ContractEvent).order_by(ContractEvent.id))]
    assert kinds[-1] == "setting"

    # A plain agent sees the setting but cannot change it; a flat contract has none.
    agent_page = agent_client.get("/contracts/V-2").get_data(as_text=True)
    assert "werden zum Admin durchgestellt" in agent_page
    assert "nicht mehr durchstellen" not in agent_page
    refused = agent_client.post(
        "/contracts/V-2/cashier-dial-admin", data={"on": "0", "csrf_token": _csrf(agent_page)}
    )
    assert refused.status_code == 403 and dial_admin(rt, "V-2") is True
    flat = supervisor_client.post(
        "/contracts/V-1/cashier-dial-admin", data={"on": "1", "csrf_token": token}
    )
    assert flat.status_code == 302 and dial_admin(rt, "V-1") is False
    shown = supervisor_client.get("/contracts/V-1").get_data(as_text=True)
    assert "Das Durchstellen zum Admin gibt es nur bei Second Level." in shown


def _csrf(page: str) -> str:
    marker = 'name="csrf_token" value="'
    start = page.index(marker) + len(marker)
    return page[start : page.index('"', start)]

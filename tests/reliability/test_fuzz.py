"""Property-based fuzzing (hypothesis) of every webhook's form parameters, the JSON API's
bodies and query strings, and the CSV import: never a 5xx, never a traceback or SQL in
a response, always valid TwiML or a clear 4xx / row error."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from hotline.imports import RowError, read_csv, run_import
from hotline.runtime import Runtime
from tests.callbacks.conftest import World
from tests.factories import make_agent, make_customer
from tests.ivr.conftest import check_twiml
from tests.reliability.conftest import Figures, fuzz, signed_post

LEAKS = re.compile(
    r"Traceback|File \"/|sqlalchemy|sqlite3\.|psycopg|\bSELECT\b.*\bFROM\b|\bINSERT INTO\b|"
    r"\bUPDATE\b.*\bSET\b|OperationalError|IntegrityError",
    re.S,
)

# --- strategies -----------------------------------------------------------------------

garbage = st.one_of(
    st.text(max_size=40),
    st.text(alphabet="0123456789#*+ ", max_size=30),
    st.sampled_from(
        [
            "", " ", "anonymous", "+4930441234", "+49304412345", "0049 30 4412345", "0",
            "1", "2", "3", "#", "*", "1#", "4711#", "1234#", "completed", "answered",
            "no-answer", "busy", "failed", "canceled", "in-progress", "-1", "99999999999999999999",
            "https://api.twilio.com/2010-04-01/Accounts/AC0/Recordings/RE1", "javascript:alert(1)",
            "'; DROP TABLE calls; --", "\x00", "💥", "Ä" * 300, "١٢٣", "ｔｅｌ:+49",
            "²", "①", "9" * 25, "9" * 4301,
        ]
    ),
    st.builds(lambda c, n: c * n, st.sampled_from(["9", "x", "ß", "#"]), st.integers(1000, 20000)),
)  # fmt: skip
FIELDS = [
    "From", "To", "Digits", "CallSid", "CallStatus", "DialCallStatus", "DialCallDuration",
    "RecordingUrl", "RecordingDuration", "RecordingSid", "CallDuration", "AccountSid",
    "Direction", "ApiVersion", "ParentCallSid", "SpeechResult",
]  # fmt: skip
forms = st.dictionaries(st.sampled_from(FIELDS), garbage, max_size=len(FIELDS))
queries = st.dictionaries(
    st.sampled_from(["t", "parent", "attempt", "n", "number", "category", "x"]), garbage, max_size=3
)


def voice_paths(app: Flask) -> list[tuple[str, list[str]]]:
    """Every /voice/* rule: its pattern and the names of its URL arguments."""
    return sorted(
        (rule.rule, sorted(rule.arguments))
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/voice/")
    )


def assert_clean(body: str) -> None:
    found = LEAKS.search(body)
    assert found is None, f"internal detail in a response: {found.group(0)!r} in {body[:500]}"


@pytest.fixture
def numbers_known(session: Session) -> None:
    """Data for the flows to go deep: a flat register, a Second Level admin, an agent."""
    make_customer(session, customer="4711", stations={"1": ["+49304412345"], "2": []})
    make_customer(
        session,
        customer="4712",
        plan="second_level",
        stations={"1": ["+49304499999"]},
        admins=[("Frau Admin", ["+4930441234"], "1234")],
        start=date(2025, 3, 1),
    )
    make_agent(session, "Anna", "+4915111111111")


def test_every_webhook_is_fuzzed(app: Flask) -> None:
    """The property below covers every /voice/* rule there is."""
    paths = [p for p, _ in voice_paths(app)]
    assert "/voice/fallback" in paths and "/voice/incoming" in paths and len(paths) >= 20


@fuzz
@given(data=st.data())
def test_webhooks_never_fail(
    app: Flask, client: FlaskClient, numbers_known: None, figures: Figures, data: st.DataObject
) -> None:
    rule, arguments = data.draw(st.sampled_from(voice_paths(app)), label="rule")
    path = rule
    for name in arguments:
        path = path.replace(f"<int:{name}>", str(data.draw(st.integers(0, 5), label=name)))
    query = data.draw(queries, label="query")
    form = data.draw(forms, label="form")
    if data.draw(st.booleans(), label="known call"):
        form["CallSid"] = "CA" + "f" * 32
    from urllib.parse import urlencode

    full = path + (f"?{urlencode(query)}" if query else "")
    response = signed_post(client, full, form)
    figures.input("webhook form parameters", response.status_code)
    body = response.get_data(as_text=True)
    assert response.status_code == 200, (full, form, response.status_code, body[:300])
    assert_clean(body)
    check_twiml(body)


# --- the JSON API -------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | garbage,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=10,
)
bodies = st.one_of(
    json_values.map(json.dumps),
    st.fixed_dictionaries(
        {"outcome": st.sampled_from(["done", "no_answer", "wrong_number", "cancelled", "x", ""])},
        optional={"note": json_values},
    ).map(json.dumps),
    garbage,
    st.binary(max_size=100).map(lambda b: b.decode("latin-1")),
)


@fuzz
@given(data=st.data())
def test_json_api_never_fails(
    client: FlaskClient, world: World, figures: Figures, data: st.DataObject
) -> None:
    callback_id = world.add_callback() if data.draw(st.booleans(), label="new") else 1
    method, path = data.draw(
        st.sampled_from(
            [
                ("POST", f"/api/v1/callbacks/{callback_id}/outcome"),
                ("POST", f"/api/v1/callbacks/{callback_id}/claim"),
                ("POST", f"/api/v1/callbacks/{callback_id}/dial"),
                ("POST", "/api/v1/callbacks/99999/outcome"),
                ("GET", "/api/v1/callbacks"),
                ("GET", "/api/v1/calls"),
                ("GET", "/api/v1/tickets"),
                ("GET", "/api/v1/contracts/V-4711"),
                ("PUT", "/api/v1/callbacks"),
                ("POST", "/api/v1/nothing"),
            ]
        ),
        label="endpoint",
    )
    query = data.draw(
        st.dictionaries(st.sampled_from(["status", "limit", "x"]), garbage, max_size=2),
        label="query",
    )
    auth = data.draw(
        st.one_of(
            st.just(world.headers()),
            st.just(world.headers("bert")),
            garbage.map(
                lambda g: {
                    "Authorization": "Bearer " + "".join(c for c in g if c.isprintable())[:500]
                }
            ),
            st.just({}),
        ),
        label="auth",
    )
    body = data.draw(bodies, label="body")
    content_type = data.draw(st.sampled_from(["application/json", "text/plain", None]))
    response = client.open(
        path,
        method=method,
        query_string=query,
        data=body.encode("utf-8", "surrogatepass"),
        headers={k: v.encode("latin-1", "replace").decode("latin-1") for k, v in auth.items()},
        content_type=content_type,
    )
    figures.input("JSON API requests", response.status_code)
    text = response.get_data(as_text=True)
    assert response.status_code < 500, (method, path, body, text[:300])
    assert_clean(text)
    document = response.get_json(silent=True)
    if response.status_code >= 400:
        assert isinstance(document, dict) and document.get("error"), text[:300]


# --- the CSV import -----------------------------------------------------------------

HEADER = (
    "customer_number,customer_name,customer_email,contract_number,plan,contract_start,"
    "station_number,station_name,station_phones,teamviewer_id,admin_name,admin_phones,"
    "admin_email,admin_pin"
)
GOOD = (
    "4711,Bäckerei Müller,kasse@example.de,V-1,flat,2025-03-01,1,Kasse 1,030 4412345,123456789,,,,"
)
cell = st.one_of(
    garbage.map(lambda g: g[:200]),
    st.sampled_from(["flat", "second_level", "2025-03-01", "2025-02-30", "4711", "V-1",
                     "030 4412345; 0171 1234567", "a@b.de", "1234", "12", '"', '""', ",", ";",
                     "\n", "\r\n"]),
)  # fmt: skip


def csv_line(cells: list[str]) -> str:
    return ",".join('"' + c.replace('"', '""') + '"' if any(x in c for x in ',"\n\r') else c
                    for c in cells)  # fmt: skip


files = st.one_of(
    st.lists(st.lists(cell, min_size=0, max_size=16), max_size=6).map(
        lambda rows: "\n".join([HEADER, GOOD] + [csv_line(r) for r in rows]).encode()
    ),
    st.lists(st.lists(cell, min_size=14, max_size=14), max_size=4).map(
        lambda rows: "\n".join([HEADER] + [csv_line(r) for r in rows]).encode()
    ),
    st.binary(max_size=300),
    st.builds(
        lambda h, b: h + b,
        st.sampled_from([HEADER.encode() + b"\n", b"\xef\xbb\xbf"]),
        st.binary(max_size=200),
    ),  # fmt: skip
    st.text(max_size=300).map(lambda t: t.encode("utf-8", "surrogatepass")),
)


@fuzz
@given(source=files, dry_run=st.booleans())
def test_csv_import_rejects_or_imports_but_never_fails(
    rt: Runtime, figures: Figures, source: bytes, dry_run: bool
) -> None:
    data = read_csv(source)
    report = run_import(rt.sessions, data, now=rt.clock.now(), dry_run=dry_run)
    figures.input("CSV import files", 200)
    for error in report.errors:
        assert isinstance(error, RowError)
        assert error.line >= 1 and error.message
        assert_clean(str(error))
    assert report.committed == (not report.errors and not dry_run)


@fuzz
@given(source=files)
def test_csv_import_command_never_shows_a_traceback(
    runner: FlaskCliRunner, tmp_path: Path, figures: Figures, source: bytes
) -> None:
    path = tmp_path / "kunden.csv"
    path.write_bytes(source)
    result = runner.invoke(args=["import", str(path), "--dry-run"])
    figures.input("hotline import files", 500 if result.exit_code not in (0, 1) else 200)
    assert result.exit_code in (0, 1), (result.output, result.exception)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert_clean(result.output)

"""flowplane.sdk reads STRONGLY_SERVICES as the python node's environment holds it."""

from __future__ import annotations

import json

import pytest

from flowplane import sdk

SERVICES = {
    "aiGateway": {"baseUrl": "http://gateway/v1"},
    "models": {"small-chat": {"model": "tiny-1", "apiKey": "sk-1"}},
    "dataSources": {"warehouse": {"type": "postgres", "host": "db", "password": "pw"}},
    "addOns": {"cache": {"type": "redis", "endpoint": "redis://cache:6379"}},
}


@pytest.fixture(autouse=True)
def _services(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STRONGLY_SERVICES", json.dumps(SERVICES))


def test_each_kind_by_name() -> None:
    assert sdk.services() == SERVICES
    assert sdk.data_source("warehouse")["password"] == "pw"
    assert sdk.model("small-chat")["apiKey"] == "sk-1"
    assert sdk.add_on("cache")["endpoint"] == "redis://cache:6379"


def test_a_missing_name_says_what_is_there(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(KeyError, match=r"no add-on named 'queue'.*\(known: cache\)"):
        sdk.add_on("queue")
    monkeypatch.setenv("STRONGLY_SERVICES", "{}")
    with pytest.raises(sdk.ServiceNotFound, match=r"no data source named 'x'.*known: none"):
        sdk.data_source("x")


def test_without_the_variable_there_are_no_services(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("STRONGLY_SERVICES")
    assert sdk.services() == {}
    monkeypatch.setenv("STRONGLY_SERVICES", "[1]")
    with pytest.raises(ValueError, match="does not hold a JSON object"):
        sdk.services()

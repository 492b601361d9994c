from __future__ import annotations

import json

import pytest

from deploy._client import error_for
from deploy.errors import PermanentDeployError, TemporaryDeployError


def status_body(message: str) -> str:
    return json.dumps({"kind": "Status", "apiVersion": "v1", "message": message})


@pytest.mark.parametrize(
    ("status", "message", "kind", "reason"),
    [
        (403, 'secrets is forbidden: User "x" cannot create', PermanentDeployError, "Forbidden"),
        (403, "pods is forbidden: exceeded quota: q", PermanentDeployError, "QuotaExceeded"),
        (401, "Unauthorized", PermanentDeployError, "Unauthorized"),
        (400, "bad request", PermanentDeployError, "Invalid"),
        (422, "spec.replicas: Invalid value", PermanentDeployError, "Invalid"),
        (409, "conflict", PermanentDeployError, "Conflict"),
        (404, "namespaces not found", PermanentDeployError, "NotFound"),
        (415, "unsupported media type", PermanentDeployError, "ClientError"),
        (429, "too many requests", TemporaryDeployError, "TooManyRequests"),
        (500, "internal error", TemporaryDeployError, "ServerError"),
        (503, "etcd leader changed", TemporaryDeployError, "ServerError"),
    ],
)
def test_api_status_maps_to_an_error_with_its_retry_policy(
    status: int, message: str, kind: type, reason: str
) -> None:
    error = error_for(status, status_body(message), "PATCH Deployment fp-acme/wf-1")
    assert type(error) is kind and error.reason == reason
    assert error.message.startswith("PATCH Deployment fp-acme/wf-1: ") and message in error.message


def test_non_json_error_body_is_kept_as_text() -> None:
    error = error_for(502, "<html>Bad gateway</html>", "GET Pod fp-acme/")
    assert isinstance(error, TemporaryDeployError) and "Bad gateway" in error.message


def test_too_many_requests_waits_as_long_as_the_server_asks() -> None:
    error = error_for(429, status_body("slow down"), "GET", retry_after=7)
    assert isinstance(error, TemporaryDeployError) and error.delay == 7

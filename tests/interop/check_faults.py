"""Injected faults (set through the sandbox's admin route) reach the SDKs as the errors they
know."""

from __future__ import annotations

import json
import urllib.request

from clients import ApiError, make_client
from harness import DEMO, Checks


def set_faults(endpoint: str, faults: dict) -> None:
    """Replaces the sandbox's fault settings through its admin route (not an SDK call)."""
    request = urllib.request.Request(
        f"http://{endpoint}/_sandbox/faults",
        data=json.dumps(faults).encode(),
        method="PUT",
        headers={"content-type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=5) as answer:
        assert answer.status == 200, f"PUT /_sandbox/faults: {answer.status}"


def fault_checks(checks: Checks, mode: str, endpoint: str) -> None:
    """Injected faults reach the SDK as the errors it knows (class, status, code)."""
    p = f"{mode}:"
    client = make_client(mode, endpoint, DEMO)
    # tea-openapi: 4xx -> ClientException, 5xx -> ServerException, x-acs-retry-after ->
    # ThrottlingException carrying it; aliyunsdkcore has one ServerException for all.
    cases = [
        ("500 System.error", {"error_rate": 1.0}, 500, "System.error", "ServerException"),
        (
            "503 ServiceUnavailable",
            {"unavailable_rate": 1.0},
            503,
            "ServiceUnavailable",
            "ServerException",
        ),
        (
            "400 Throttling.User above the rate",
            {"throttle_per_second": 1},
            400,
            "Throttling.User",
            "ThrottlingException",
        ),
    ]
    for title, faults, status, code, tea_class in cases:

        def injected(faults=faults, status=status, code=code, tea_class=tea_class):
            set_faults(endpoint, faults)
            try:
                err = None
                for _ in range(5):  # throttling lets the first call of the second through
                    try:
                        client.call("ListProducts", {"Language": "en"})
                    except ApiError as caught:
                        err = caught
                        break
                assert err is not None, "five calls in a row all succeeded"
                assert (err.status, err.code) == (status, code), f"got {err}"
                if mode != "core":
                    assert err.sdk_class == tea_class, f"SDK raised {err.sdk_class}"
                    if tea_class == "ThrottlingException":
                        assert err.retry_after and err.retry_after > 0, "no retry_after"
            finally:
                set_faults(endpoint, {})

        checks.run(f"{p} injected {title} surfaces as such", injected)

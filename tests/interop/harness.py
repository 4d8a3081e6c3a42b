"""What every interop check shares: the demo account, the check runner and report, error
expectations, and the few calls several checks build on.

Invariant: a check fails only through an exception (assertion or unexpected SDK error); the
runner catches it, prints why and the raw request the SDK sent, and goes on.
"""

from __future__ import annotations

import re
import time
import traceback

from clients import ApiError, Creds, Wire

DEMO = Creds("LTAIsandboxDEMO", "sandbox-demo-secret")
DEMO_EMAIL = "demo@example.com"
DEMO_PHONE = "13800000000"
# Reply contents that break naive encoders: `+` must not become a space (form decoding of the
# query and body), spaces arrive as `+` or `%20` depending on the SDK, multi-byte UTF-8 and a
# 4-byte emoji, and the RPC v1 reserved characters.
TRICKY_CONTENTS = [
    "1+1=2 & a+b, not a space",
    "spaces  twice and trailing ",
    "中文内容：服务器无法远程连接，请帮忙看看",
    "emoji 😀🚀 and ~*'()!/?#[]@$%",
]
CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]")


class Checks:
    """Runs named checks, records the verdicts and prints a report line for each."""

    def __init__(self) -> None:
        self.passed = 0
        self.failed: list[str] = []

    def run(self, name: str, fn) -> object:
        Wire.take()
        started = time.monotonic()
        try:
            value = fn()
        except Exception as err:  # every failure is reported, none stops the run
            self.failed.append(name)
            print(f"FAIL {name}: {describe(err)}")
            wire = redact(Wire.take())
            if wire:
                print("     last request the SDK sent:")
                for line in wire.splitlines():
                    print(f"       {line}")
            return None
        self.passed += 1
        print(f"ok   {name} ({(time.monotonic() - started) * 1000:.0f} ms)")
        return value


def describe(err: Exception) -> str:
    if isinstance(err, ApiError):
        return f"unexpected error answer: {err}"
    if isinstance(err, AssertionError):
        return str(err) or "assertion failed"
    return "".join(traceback.format_exception_only(err)).strip()


def redact(wire: str) -> str:
    """Hides signatures and tokens; they are test fixtures, but logs never carry them."""
    wire = re.sub(r"(Signature=)[^&,\s]+", r"\1<redacted>", wire)
    wire = re.sub(r"(SecurityToken=)[^&\s]+", r"\1<redacted>", wire)
    wire = re.sub(r"(?im)^(x-acs-security-token:).*$", r"\1 <redacted>", wire)
    return wire


def expect_error(fn, status: int, *codes: str) -> ApiError:
    """Asserts `fn` fails with HTTP `status` and one of `codes`."""
    try:
        answer = fn()
    except ApiError as err:
        assert err.code in codes and err.status == status, (
            f"wanted HTTP {status} {'/'.join(codes)}, got HTTP {err.status} {err.code}: "
            f"{err.message[:300]}"
        )
        return err
    raise AssertionError(f"wanted HTTP {status} {'/'.join(codes)}, got success: {answer}")


def ok(answer: dict) -> dict:
    assert answer.get("Success") is True, f"Success is not true: {answer}"
    assert answer.get("RequestId"), f"no RequestId: {answer}"
    return answer


def products(answer: dict) -> list[dict]:
    data = answer.get("Data") or {}
    found = []
    for key in ("HotTech", "HotConsultation", "ConsultationMore"):
        found += data.get(key) or []
    for group in data.get("TechMore") or []:
        assert group.get("GroupName"), f"TechMore group without GroupName: {group}"
        found += group.get("ProductList") or []
    return found


def product_name(client, language: str, code: str) -> str:
    answer = ok(client.call("ListProducts", {"Language": language}))
    names = {p.get("ProductCode"): p.get("Name") for p in products(answer)}
    assert code in names, f"{code} not in ListProducts({language}): {sorted(names)[:20]}"
    assert names[code], f"{code} has an empty name in {language}"
    return names[code]


def find_ticket(client, ticket_id: str) -> dict:
    answer = ok(client.call("ListTickets", {"Ids": ticket_id, "Language": "en"}))
    rows = [t for t in answer["Data"].get("List") or [] if t.get("Id") == ticket_id]
    assert len(rows) == 1, f"ListTickets Ids={ticket_id} gave {answer['Data']}"
    assert answer["Data"].get("Total") == 1, f"Total is not 1: {answer['Data']}"
    return rows[0]


def notes(client, ticket_id: str) -> list[dict]:
    answer = ok(client.call("ListTicketNotes", {"TicketId": ticket_id, "Language": "en"}))
    return answer["Data"].get("List") or []


def create_ticket(client, email: str, content: str, placement: str = "query", **extra) -> str:
    params = {
        "ProductCode": "ecs",
        "Category": "793",
        "Title": "interop: ecs unreachable",
        "Content": content,
        "Email": email,
        "Language": "en",
        **extra,
    }
    answer = ok(client.call("CreateTicket", params, placement))
    ticket_id = answer.get("Data")
    assert isinstance(ticket_id, str) and re.fullmatch(r"[A-Z0-9]{7}", ticket_id), (
        f"ticket id is not 7 uppercase characters: {ticket_id!r}"
    )
    return ticket_id

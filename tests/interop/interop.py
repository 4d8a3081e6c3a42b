#!/usr/bin/env python3
"""Drives every Workorder 2020-03-26 action through the official Python SDKs against a running
sandbox and checks the answers.

Modes (each check runs in every mode it applies to):
  v3   alibabacloud-workorder20200326 on tea-openapi, default ACS3-HMAC-SHA256 headers
  v2   the same client with Config(signature_algorithm='v2'): RPC signature v1 in the query
  core aliyun-python-sdk-core CommonRequest (RPC v1; how callers reach ReplyTicket)

Prints one line per check and closes with `N passed, M failed`; exits 1 on any failure.
Usage: interop.py --endpoint 127.0.0.1:PORT [--sts-accounts FILE] [--modes v3,v2,core]
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import json
import re
import sys
import time
import tomllib
import traceback
import urllib.parse
import urllib.request
import uuid

from clients import ApiError, Creds, Wire, make_client, pinned

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
    wire = re.sub(r"(Signature=)[^&\s]+", r"\1<redacted>", wire)
    wire = re.sub(r"(SecurityToken=)[^&\s]+", r"\1<redacted>", wire)
    wire = re.sub(r"(Signature=)[0-9a-f]{64}", r"\1<redacted>", wire)
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


def create_ticket(client, email: str, content: str, **extra) -> str:
    params = {
        "ProductCode": "ecs",
        "Category": "793",
        "Title": "interop: ecs unreachable",
        "Content": content,
        "Email": email,
        "Language": "en",
        **extra,
    }
    answer = ok(client.call("CreateTicket", params))
    ticket_id = answer.get("Data")
    assert isinstance(ticket_id, str) and re.fullmatch(r"[A-Z0-9]{7}", ticket_id), (
        f"ticket id is not 7 uppercase characters: {ticket_id!r}"
    )
    return ticket_id


def business_checks(checks: Checks, mode: str, endpoint: str) -> None:
    """Every action in its happy path and its business rules, on the demo account."""
    client = make_client(mode, endpoint, DEMO)
    p = f"{mode}:"

    def ecs_names():
        zh = product_name(client, "zh", "ecs")
        assert zh == "云服务器 ECS", f"zh name of ecs is {zh!r}, reference says '云服务器 ECS'"
        en = product_name(client, "en", "ecs")
        jp = product_name(client, "jp", "ecs")
        assert not CJK.search(en), f"en name of ecs is not English: {en!r}"
        assert en != zh and jp != zh, f"names do not follow Language: zh={zh!r} en={en!r} jp={jp!r}"

    checks.run(f"{p} ListProducts lists ecs, named per Language (zh/en/jp)", ecs_names)

    if mode != "core":  # aliyunsdkcore's do_action_with_exception returns the body only

        def request_id_header():
            answer = ok(client.call("ListProducts", {"Language": "en"}))
            headers = {k.lower(): v for k, v in client.last_headers.items()}
            assert headers.get("x-acs-request-id") == answer["RequestId"], (
                f"x-acs-request-id {headers.get('x-acs-request-id')!r} != "
                f"RequestId {answer['RequestId']!r}"
            )

        checks.run(f"{p} x-acs-request-id header equals the body's RequestId", request_id_header)

    def categories():
        answer = ok(client.call("ListCategories", {"ProductCode": "ecs", "Language": "zh"}))
        rows = answer["Data"].get("List") or []
        by_id = {row.get("Id"): row.get("Name") for row in rows}
        assert by_id.get(793) == "ECS无法远程", f"793 missing or misnamed (Id must be int): {rows}"
        assert 794 in by_id, f"794 missing: {rows}"

    checks.run(f"{p} ListCategories(ecs) has 793 'ECS无法远程' and 794", categories)

    content = f"interop {mode} {uuid.uuid4().hex[:8]}: 1+1 & 中文 😀"
    ticket = checks.run(
        f"{p} CreateTicket returns a 7-character uppercase id",
        lambda: create_ticket(
            client,
            DEMO_EMAIL,
            content,
            SecretContent="instance i-123+x",
            Phone=DEMO_PHONE,
            NotifyTimeRange="normal",
        ),
    )
    if ticket is None:
        return

    def listed():
        row = find_ticket(client, ticket)
        assert row.get("TicketStatus") == "in_progress", f"status: {row}"
        assert row.get("Title") == "interop: ecs unreachable", f"title: {row}"
        assert isinstance(row.get("AddTime"), int), f"AddTime is not an int: {row}"

    checks.run(f"{p} ListTickets Ids finds it in_progress", listed)

    def first_note():
        rows = notes(client, ticket)
        assert rows, "no notes"
        assert rows[0].get("Content") == content, f"first note: {rows[0]!r}, wanted {content!r}"
        assert rows[0].get("FromOfficial") is False, f"first note FromOfficial: {rows[0]}"
        assert rows[0].get("NoteId"), f"first note without NoteId: {rows[0]}"

    checks.run(f"{p} ListTicketNotes returns the first note verbatim", first_note)

    # The generated client has no ReplyTicket, so tea modes go through call_api, which lays
    # requests out exactly as the generated methods do; `body` is the SDK 1.0.0 layout.
    for placement in ("query", "body"):
        for text in TRICKY_CONTENTS:

            def reply(text=text, placement=placement):
                ok(client.call("ReplyTicket", {"TicketId": ticket, "Content": text}, placement))
                rows = notes(client, ticket)
                assert rows[-1].get("Content") == text, (
                    f"last note is {rows[-1].get('Content')!r}, sent {text!r}"
                )
                assert rows[-1].get("FromOfficial") is False, f"last note: {rows[-1]}"
                status = find_ticket(client, ticket).get("TicketStatus")
                assert status == "in_progress", f"status after reply: {status}"

            checks.run(f"{p} ReplyTicket in {placement} keeps {text[:24]!r}", reply)

    def close():
        ok(client.call("CloseTicket", {"TicketId": ticket}))
        row = find_ticket(client, ticket)
        assert row.get("TicketStatus") == "completed", f"status after close: {row}"

    checks.run(f"{p} CloseTicket makes it completed", close)
    checks.run(
        f"{p} ReplyTicket to a completed ticket is 400 param.illegal",
        lambda: expect_error(
            lambda: client.call("ReplyTicket", {"TicketId": ticket, "Content": "again"}),
            400,
            "param.illegal",
        ),
    )

    def comma_lists():
        second = create_ticket(client, DEMO_EMAIL, "second ticket")
        answer = ok(
            client.call(
                "ListTickets",
                {"Ids": f"{ticket},{second}", "TicketStatus": "in_progress,completed"},
            )
        )
        ids = sorted(t.get("Id") for t in answer["Data"].get("List") or [])
        assert ids == sorted([ticket, second]), f"Ids={ticket},{second} listed {ids}"
        only_open = ok(
            client.call("ListTickets", {"Ids": f"{ticket},{second}", "TicketStatus": "in_progress"})
        )
        ids = [t.get("Id") for t in only_open["Data"].get("List") or []]
        assert ids == [second], f"TicketStatus=in_progress listed {ids}, wanted [{second}]"
        # Integer parameters (the SDK stringifies them) page through the same two tickets.
        pages = []
        for start in (1, 2):
            page = ok(
                client.call(
                    "ListTickets",
                    {"Ids": f"{ticket},{second}", "PageSize": 1, "PageStart": start},
                )
            )["Data"]
            assert (page.get("Total"), page.get("PageSize"), page.get("CurrentPage")) == (
                2,
                1,
                start,
            ), f"page {start}: {page}"
            pages += [t.get("Id") for t in page.get("List") or []]
        assert sorted(pages) == sorted([ticket, second]), f"pages listed {pages}"

    checks.run(f"{p} ListTickets honours comma lists and paging", comma_lists)

    def filters():
        added = find_ticket(client, ticket)["AddTime"]
        cases = [
            ({"CreatedAfterTime": added - 1, "CreatedBeforeTime": added + 1}, [ticket]),
            ({"CreatedAfterTime": added + 1}, []),
            ({"CreatedBeforeTime": added - 1}, []),
            ({"ProductCode": "ecs"}, [ticket]),
            ({"ProductCode": "oss"}, []),
        ]
        for extra, wanted in cases:
            answer = ok(client.call("ListTickets", {"Ids": ticket, **extra}))
            ids = [t.get("Id") for t in answer["Data"].get("List") or []]
            assert ids == wanted, f"{extra} listed {ids}, wanted {wanted}"

    checks.run(f"{p} ListTickets honours time range and product filters", filters)

    if mode == "core":
        # RPC APIs accept GET as well (signed with "GET&"); only CommonRequest can send it.
        def get_method():
            answer = ok(client.call("ListCategories", {"ProductCode": "ecs"}, method="GET"))
            assert any(row.get("Id") == 793 for row in answer["Data"].get("List") or [])

        checks.run(f"{p} ListCategories over GET", get_method)

    checks.run(
        f"{p} CreateTicket without Category is 400 MissingParameter",
        lambda: expect_error(
            lambda: client.call(
                "CreateTicket",
                {"ProductCode": "ecs", "Content": "x", "Email": DEMO_EMAIL},
            ),
            400,
            "MissingParameter",
        ),
    )
    checks.run(
        f"{p} CreateTicket with a stranger's email is 400 illegalParam.emailOrPhone",
        lambda: expect_error(
            lambda: create_ticket(client, "stranger@example.org", "x"),
            400,
            "illegalParam.emailOrPhone",
        ),
    )
    checks.run(
        f"{p} ListTickets PageSize 101 is 400 param.illegal",
        lambda: expect_error(
            lambda: client.call("ListTickets", {"PageSize": 101, "PageStart": 1}),
            400,
            "param.illegal",
        ),
    )


def auth_checks(checks: Checks, mode: str, endpoint: str) -> None:
    """The signature and AccessKey checks the sandbox must make exactly like the real gateway."""
    p = f"{mode}:"
    wrong_secret = make_client(mode, endpoint, Creds(DEMO.access_key_id, "not-the-secret"))

    # aliyunsdkcore would rename the error to InvalidAccessKeySecret when the echoed
    # string-to-sign equals its own, but for a CommonRequest it compares against an empty
    # string (2.16.1 never copies the string-to-sign back from the inner request), so every mode
    # surfaces the server's code. The echo is checked here instead, by HMAC only.
    def bad_signature():
        err = expect_error(
            lambda: wrong_secret.call("ListProducts", {"Language": "en"}),
            400,
            "SignatureDoesNotMatch",
        )
        echoed_string_to_sign_is_the_signed_one(mode, err.message, Wire.last, "not-the-secret")
        if mode != "core":  # only tea-openapi hands the error body over
            missing = {"RequestId", "HostId", "Code", "Message", "Recommend"} - set(err.body)
            assert not missing, f"error body lacks {sorted(missing)}: {err.body}"

    checks.run(
        f"{p} wrong secret is 400 SignatureDoesNotMatch, echoing the signed string", bad_signature
    )

    demo = make_client(mode, endpoint, DEMO)
    checks.run(
        f"{p} unknown Action is 404 InvalidApi.NotFound",
        lambda: expect_error(lambda: demo.call("DescribeNothing", {}), 404, "InvalidApi.NotFound"),
    )

    unknown = make_client(mode, endpoint, Creds("LTAIunknownKey00000", "whatever"))
    checks.run(
        f"{p} unknown AccessKey is 404 InvalidAccessKeyId.NotFound",
        lambda: expect_error(
            lambda: unknown.call("ListProducts", {}), 404, "InvalidAccessKeyId.NotFound"
        ),
    )


def echoed_string_to_sign_is_the_signed_one(mode: str, message: str, wire: bytes, secret: str):
    """Asserts the string-to-sign the sandbox echoes is byte for byte the one the SDK signed.

    Recomputes only the HMAC (no canonicalisation here): the echoed string, signed with the
    secret the SDK used, must give the signature the SDK put on the wire.
    """
    marker = "ACS3-HMAC-SHA256\n" if mode == "v3" else "POST&%2F&"
    at = message.find(marker)
    assert at >= 0, f"message lacks the server string-to-sign: {message!r}"
    # The message ends with the string-to-sign, as aliyunsdkcore's own comparison assumes.
    echoed = message[at:]
    text = wire.decode("utf-8", "replace")
    if mode == "v3":
        sent = re.search(r"Signature=([0-9a-f]{64})", text)
        assert sent, "no V3 signature in the recorded request"
        mine = hmac.new(secret.encode(), echoed.encode(), hashlib.sha256).hexdigest()
        wanted = sent.group(1)
    else:
        sent = re.search(r"[?&]Signature=([^&\s]+)", text)
        assert sent, "no Signature parameter in the recorded request"
        digest = hmac.new((secret + "&").encode(), echoed.encode(), hashlib.sha1).digest()
        mine = base64.b64encode(digest).decode()
        wanted = urllib.parse.unquote(sent.group(1))
    assert mine == wanted, f"echoed string-to-sign differs from the signed one: {echoed!r}"


def sts_checks(checks: Checks, mode: str, endpoint: str, sts: Creds, sts_email: str) -> None:
    """An STS account from an accounts file: the token is signed and checked, tickets isolated."""
    p = f"{mode}:"
    client = make_client(mode, endpoint, sts)
    demo = make_client(mode, endpoint, DEMO)

    def own_ticket():
        ticket = create_ticket(client, sts_email, f"sts {mode} ticket")
        assert find_ticket(client, ticket).get("TicketStatus") == "in_progress"
        hidden = ok(demo.call("ListTickets", {"Ids": ticket}))
        assert not hidden["Data"].get("List"), f"demo account sees the STS ticket: {hidden}"
        assert hidden["Data"].get("Total") == 0, f"demo Total for STS ticket: {hidden['Data']}"
        for action, params in (
            ("ListTicketNotes", {"TicketId": ticket}),
            ("ReplyTicket", {"TicketId": ticket, "Content": "not mine"}),
            ("CloseTicket", {"TicketId": ticket}),
        ):
            expect_error(lambda a=action, q=params: demo.call(a, q), 400, "param.illegal")
        assert find_ticket(client, ticket).get("TicketStatus") == "in_progress"

    checks.run(f"{p} STS account's ticket is its own: demo cannot see or touch it", own_ticket)

    forged = make_client(
        mode, endpoint, Creds(sts.access_key_id, sts.access_key_secret, sts.security_token + "x")
    )

    checks.run(
        f"{p} wrong STS token is 400 InvalidSecurityToken.MismatchWithAccessKey",
        lambda: expect_error(
            lambda: forged.call("ListTickets", {}),
            400,
            "InvalidSecurityToken.MismatchWithAccessKey",
        ),
    )
    tokenless = make_client(mode, endpoint, Creds(sts.access_key_id, sts.access_key_secret))
    checks.run(
        f"{p} STS call without its security token is 400 MissingSecurityToken",
        lambda: expect_error(
            lambda: tokenless.call("ListTickets", {}), 400, "MissingSecurityToken"
        ),
    )


def replay_checks(checks: Checks, mode: str, endpoint: str) -> None:
    """Nonce and timestamp rules, with the SDK's own nonce/clock helpers pinned."""
    p = f"{mode}:"
    client = make_client(mode, endpoint, DEMO)

    def reused_nonce():
        with pinned(nonce=uuid.uuid4().hex):
            ok(client.call("ListProducts", {"Language": "en"}))
            expect_error(
                lambda: client.call("ListProducts", {"Language": "en"}), 400, "SignatureNonceUsed"
            )

    checks.run(f"{p} a reused nonce is 400 SignatureNonceUsed", reused_nonce)

    def clock(skew: int, accepted: bool):
        with pinned(skew_seconds=skew):
            call = lambda: client.call("ListProducts", {"Language": "en"})  # noqa: E731
            if accepted:
                ok(call())
            else:
                expect_error(call, 400, "InvalidTimeStamp.Expired")

    for skew, accepted in ((-20 * 60, False), (20 * 60, False), (-10 * 60, True)):
        verdict = "accepted" if accepted else "400 InvalidTimeStamp.Expired"
        checks.run(
            f"{p} a clock {skew // 60:+d} min off is {verdict}",
            lambda skew=skew, accepted=accepted: clock(skew, accepted),
        )


def engineer_checks(checks: Checks, mode: str, endpoint: str) -> None:
    """On a sandbox whose engineer answers after 0.3 s: the documented conversation."""
    p = f"{mode}:"
    client = make_client(mode, endpoint, DEMO)

    def wait_for(ticket: str, status: str, notes_wanted: int) -> list[dict]:
        deadline = time.monotonic() + 10
        while True:
            rows = notes(client, ticket)
            current = find_ticket(client, ticket).get("TicketStatus")
            if current == status and len(rows) == notes_wanted:
                return rows
            assert time.monotonic() < deadline, f"still {current} with {len(rows)} notes"
            time.sleep(0.1)

    def conversation():
        ticket = create_ticket(client, DEMO_EMAIL, "engineer, please")
        rows = wait_for(ticket, "wait_feedback", 2)
        assert rows[1].get("FromOfficial") is True, f"second note is not official: {rows[1]}"
        assert rows[1].get("Content") and rows[1].get("NoteId"), f"official note: {rows[1]}"
        ok(client.call("ReplyTicket", {"TicketId": ticket, "Content": "thanks, still broken"}))
        rows = wait_for(ticket, "wait_feedback", 4)
        official = [row.get("FromOfficial") for row in rows]
        assert official == [False, True, False, True], f"FromOfficial order: {official}"
        assert rows[2].get("Content") == "thanks, still broken", f"reply note: {rows[2]}"

    checks.run(
        f"{p} engineer answers (official note, wait_feedback); a reply reopens the cycle",
        conversation,
    )


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


def load_sts(path: str) -> tuple[Creds, str]:
    with open(path, "rb") as fh:
        accounts = tomllib.load(fh)["accounts"]
    for account in accounts:
        if account.get("security_token"):
            creds = Creds(
                account["access_key_id"], account["access_key_secret"], account["security_token"]
            )
            return creds, account["emails"][0]
    raise SystemExit(f"{path}: no account with a security_token")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--endpoint", required=True, help="sandbox host:port")
    parser.add_argument("--sts-accounts", help="accounts TOML the sandbox was started with")
    parser.add_argument("--engineer-endpoint", help="a sandbox whose engineer answers quickly")
    parser.add_argument("--modes", default="v3,v2,core")
    args = parser.parse_args()
    Wire.install()

    checks = Checks()
    sts = load_sts(args.sts_accounts) if args.sts_accounts else None
    for mode in args.modes.split(","):
        business_checks(checks, mode, args.endpoint)
        auth_checks(checks, mode, args.endpoint)
        if sts:
            sts_checks(checks, mode, args.endpoint, *sts)
        replay_checks(checks, mode, args.endpoint)
        fault_checks(checks, mode, args.endpoint)
        if args.engineer_endpoint:
            engineer_checks(checks, mode, args.engineer_endpoint)

    if checks.failed:
        print("failed checks:")
        for name in checks.failed:
            print(f"  {name}")
    print(f"{checks.passed} passed, {len(checks.failed)} failed")
    return 1 if checks.failed else 0


if __name__ == "__main__":
    sys.exit(main())

"""Every action's happy path and business rules, on the demo account; and the simulated
engineer's conversation on a sandbox whose engineer answers quickly."""

from __future__ import annotations

import time
import uuid

from clients import make_client
from harness import (
    CJK,
    DEMO,
    DEMO_EMAIL,
    DEMO_PHONE,
    TRICKY_CONTENTS,
    Checks,
    create_ticket,
    expect_error,
    find_ticket,
    notes,
    ok,
    product_name,
)


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

    def form_body_create():
        # SDK 1.0.0 sent every business parameter in the form body; the sandbox must read them
        # there just as well (and keep `+` and UTF-8 intact).
        text = "form body: 1+1 中文 😀"
        created = create_ticket(client, DEMO_EMAIL, text, placement="body")
        assert notes(client, created)[0].get("Content") == text, "first note differs"

    checks.run(f"{p} CreateTicket with parameters in the form body", form_body_create)

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

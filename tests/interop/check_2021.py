"""Every Workorder 2021-06-10 action through the official SDK alibabacloud-workorder20210610,
in V3 and RPC v1 (`v2`) modes, on the same sandbox and store as the 2020-03-26 checks: the
attachment flow through the pre-signed PUT URL, the business rules (rate once and only when
done, reopen only a done ticket), the strict refusals, and a 2021 ticket seen through 2020."""

from __future__ import annotations

import re
import urllib.request
import uuid

from clients import Tea2021Client, make_client
from harness import DEMO, TRICKY_CONTENTS, Checks, expect_error, find_ticket, ok


def put_file(url: str, data: bytes, content_type: str = "application/octet-stream") -> int:
    """PUTs the bytes to a pre-signed URL, as the documentation's curl does."""
    request = urllib.request.Request(
        url, data=data, method="PUT", headers={"Content-Type": content_type}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status
    except urllib.error.HTTPError as err:
        return err.code


def v2021_checks(checks: Checks, mode: str, endpoint: str) -> None:
    """Modes `v3` (the SDK default) and `v2` (RPC v1); `core` has no 2021 client here."""
    if mode not in ("v3", "v2"):
        return
    client = Tea2021Client(endpoint, DEMO, None if mode == "v3" else "v2")
    p = f"{mode}: 2021"

    def catalogue():
        directories = ok(client.call("ListProducts", {"Language": "en"}))["Data"]
        products = [prod for d in directories for prod in d.get("ProductList") or []]
        assert products and all(isinstance(x.get("ProductId"), int) for x in products), products
        ecs = next(x for x in products if "ECS" in (x.get("ProductName") or ""))
        rows = ok(client.call("ListCategories", {"ProductId": ecs["ProductId"]}))["Data"]
        ids = [row.get("CategoryId") for row in rows]
        assert ids and all(isinstance(i, int) for i in ids), f"categories of ECS: {rows}"
        # 2021's catalogue is its own namespace: none of its ids is one of 2020's.
        old = make_client(mode, endpoint, DEMO)
        listed = ok(old.call("ListProducts", {"Language": "en"}))["Data"]
        lists = [listed.get(k) or [] for k in ("HotTech", "HotConsultation", "ConsultationMore")]
        lists += [g.get("ProductList") or [] for g in listed.get("TechMore") or []]
        # The SDK's model may drop the documentation's numeric `Id`; read it where it is kept.
        old_products = {int(x["Id"]) for lst in lists for x in lst if x.get("Id") is not None}
        old_rows = ok(old.call("ListCategories", {"ProductCode": "ecs"}))["Data"].get("List") or []
        old_ids = {int(row["Id"]) for row in old_rows}
        assert 793 in old_ids and 793 not in ids, (old_ids, ids)
        assert not old_products & {x["ProductId"] for x in products}, old_products
        assert not old_ids & set(ids), (old_ids, ids)
        return str(ids[0])

    category = checks.run(
        f"{p} ListProducts by directory, ListCategories with int ids of 2021's own namespace",
        catalogue,
    )
    if category is None:
        return

    def attachment():
        data = ok(client.call("GetAttachmentUploadUrl", {"FileName": "screen shot.png"}))["Data"]
        key = data["ObjectKey"]
        assert re.fullmatch(r"[0-9a-f-]{36}\.png", key), f"ObjectKey {key!r}"
        status = put_file(data["PutSignedUrl"], b"\x89PNG interop")
        assert status == 200, f"PUT to PutSignedUrl answered {status}"
        return key

    key = checks.run(f"{p} GetAttachmentUploadUrl, then PUT the bytes to its URL", attachment)
    if key is None:
        return

    description = f"interop 2021 {mode} {uuid.uuid4().hex[:8]}: 1+1 & 中文 😀"

    def create():
        answer = ok(
            client.call(
                "CreateTicket",
                {
                    "CategoryId": category,
                    "Description": description,
                    "Severity": 2,
                    "Title": "interop 2021",
                    "FileNameList": [key],
                    "SecretInfo": {"Content": "ID card 3310+x"},
                },
            )
        )
        assert re.fullmatch(r"[A-Z0-9]{7}", answer.get("Data") or ""), answer
        return answer["Data"]

    ticket = checks.run(f"{p} CreateTicket with severity, attachment and SecretInfo", create)
    if ticket is None:
        return

    def get():
        data = ok(client.call("GetTicket", {"TicketId": ticket}))["Data"]
        assert data["Description"] == description, data
        assert data["CategoryId"] == category, data
        assert data["Severity"]["Value"] == "2" and data["Status"]["Value"] == "1", data
        assert data["CreateTime"] > 10**12, f"CreateTime is not milliseconds: {data}"

    checks.run(f"{p} GetTicket has description, category, severity and status", get)

    def replies():
        for content in TRICKY_CONTENTS:
            answer = ok(
                client.call(
                    "ReplyTicket",
                    {"TicketId": ticket, "Content": content, "Encrypt": False, "FileNameList": []},
                )
            )
            assert re.fullmatch(r"\d{8}", answer.get("Data") or ""), answer
        rows = ok(client.call("ListTicketNotes", {"TicketId": ticket}))["Data"]
        texts = [row["Dialog"]["Content"] for row in rows]
        assert texts == [description, *TRICKY_CONTENTS], texts
        assert rows[0]["Attachments"][0]["Name"] == "screen shot.png", rows[0]
        assert all(row["User"]["Role"] == 3 for row in rows), rows

    checks.run(f"{p} ReplyTicket keeps every byte; ListTicketNotes shows them", replies)

    def listed():
        answer = ok(
            client.call(
                "ListTickets",
                {
                    "PageNumber": 1,
                    "PageSize": 10,
                    "TicketIdList": [ticket],
                    "StatusList": ["assigned", "4"],
                },
            )
        )
        assert answer["TotalCount"] == 1 and answer["Data"][0]["TicketId"] == ticket, answer
        assert answer["Data"][0]["Status"]["Value"] == "4", answer

    checks.run(f"{p} ListTickets pages at the top level and filters by StatusList", listed)

    def seen_through_2020():
        row = find_ticket(make_client(mode, endpoint, DEMO), ticket)
        assert row.get("TicketStatus") == "in_progress", row

    checks.run(f"{p} the ticket is seen through 2020-03-26 as in_progress", seen_through_2020)

    def rules():
        evaluate = {"TicketId": ticket, "Score": "5", "Solved": True, "Content": "fast"}
        expect_error(lambda: client.call("EvaluateTicket", evaluate), 400, "param.illegal")
        expect_error(
            lambda: client.call("ReopenTicket", {"TicketId": ticket, "Content": "x"}),
            400,
            "param.illegal",
        )
        ok(client.call("CloseTicket", {"TicketId": ticket}))
        ok(client.call("EvaluateTicket", evaluate))
        expect_error(lambda: client.call("EvaluateTicket", evaluate), 400, "param.illegal")
        answer = ok(client.call("ReopenTicket", {"TicketId": ticket, "Content": "还没有解决问题"}))
        assert answer.get("Data") == ticket, answer
        status = ok(client.call("GetTicket", {"TicketId": ticket}))["Data"]["Status"]["Value"]
        assert status == "1", f"a reopened ticket is assigned, got {status}"

    checks.run(f"{p} rate only a done ticket and once; reopen only a done ticket", rules)

    def tag():
        first = ok(client.call("GetMqConsumerTag", {}))["Data"]
        assert re.fullmatch(r"\d{8}", first) and client.call("GetMqConsumerTag", {})["Data"] == first

    checks.run(f"{p} GetMqConsumerTag is a stable tag per account", tag)

    def strict():
        expect_error(lambda: client.call("GetTicket", {"TicketId": "NOPE123"}), 400, "illegal.param")
        expect_error(
            lambda: client.call("ListTickets", {"PageNumber": 1, "PageSize": 5}),
            400,
            "illegal.param",
        )
        expect_error(
            lambda: client.call("CreateTicket", {"CategoryId": category, "Description": "d"}),
            400,
            "MissingParameter",
        )
        pending = ok(client.call("GetAttachmentUploadUrl", {"FileName": "a.txt"}))["Data"]
        create = {
            "CategoryId": category,
            "Description": "d",
            "Severity": 1,
            "FileNameList": [pending["ObjectKey"]],
        }
        expect_error(lambda: client.call("CreateTicket", create), 400, "param.illegal")
        # A 2020 category id (ecs's 793) names no 2021 category.
        old_id = {"CategoryId": "793", "Description": "d", "Severity": 1}
        expect_error(lambda: client.call("CreateTicket", old_id), 400, "param.illegal")
        assert put_file(pending["PutSignedUrl"], b"x", "text/html") == 400
        assert put_file(pending["PutSignedUrl"] + "0", b"x") == 403

    checks.run(
        f"{p} refusals: illegal.param, MissingParameter, a 2020 category id, keys not uploaded, "
        "bad PUTs",
        strict,
    )

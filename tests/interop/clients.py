"""The official Alibaba Cloud Python SDKs, wrapped behind one call shape for the interop checks.

Owns: building each SDK client against the sandbox, turning every answer into a plain dict and
every failure into `ApiError`, and recording the raw HTTP request each SDK put on the wire so a
failing check can show exactly what was sent.

Invariant: nothing here signs, encodes or lays out a request itself. Every byte on the wire comes
from the SDK under test; the wrappers only choose the SDK entry point and where parameters go.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from alibabacloud_tea_openapi import exceptions as tea_exceptions
from alibabacloud_tea_openapi import utils_models as tea_models
from alibabacloud_tea_openapi.utils import Utils as TeaUtils
from alibabacloud_workorder20200326 import models as wo_models
from alibabacloud_workorder20200326.client import Client as WorkorderClient
from alibabacloud_workorder20210610 import models as wo21_models
from alibabacloud_workorder20210610.client import Client as Workorder2021Client
from aliyunsdkcore.acs_exception.exceptions import ClientException as CoreClientException
from aliyunsdkcore.acs_exception.exceptions import ServerException as CoreServerException
from aliyunsdkcore.auth.credentials import AccessKeyCredential, StsTokenCredential
from aliyunsdkcore.client import AcsClient
from aliyunsdkcore.request import CommonRequest
from aliyunsdkcore.utils import parameter_helper as core_helper
from darabonba.exceptions import UnretryableException
from darabonba.runtime import RuntimeOptions

VERSION = "2020-03-26"

# aliyunsdkcore logs every server error at ERROR level through the root handler; the checks
# report failures themselves, so keep its noise (which includes request URLs) off the output.
logging.getLogger("aliyunsdkcore").setLevel(logging.CRITICAL)


@dataclass(frozen=True)
class Creds:
    """An AccessKey pair, plus an STS token when the account is a temporary one."""

    access_key_id: str
    access_key_secret: str
    security_token: str | None = None


class ApiError(Exception):
    """An error answer (or a transport failure, status 0) as the SDK surfaced it.

    `body` is the error body when the SDK exposes it (tea-openapi does, aliyunsdkcore does not);
    `sdk_class` the SDK's exception class name; `retry_after` tea's parsed `x-acs-retry-after`.
    """

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        body: dict | None = None,
        sdk_class: str = "",
        retry_after: int | None = None,
    ):
        super().__init__(f"HTTP {status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.body = body or {}
        self.sdk_class = sdk_class
        self.retry_after = retry_after


# ---------------------------------------------------------------- wire recorder
class Wire:
    """Keeps the last raw request bytes any SDK sent, for failure reports.

    Both SDKs end in `http.client` (darabonba through `requests`/urllib3, aliyunsdkcore through
    its vendored copy of them), so wrapping `HTTPConnection.send` sees every request exactly.
    """

    last: bytes = b""
    _installed = False

    @classmethod
    def install(cls) -> None:
        if cls._installed:
            return
        original = http.client.HTTPConnection.send

        def send(conn, data):
            chunk = data if isinstance(data, bytes) else str(data).encode()
            # http.client sends headers and body in separate calls; a new request starts
            # with a method line.
            if chunk[:5] in (b"POST ", b"GET /", b"PUT /") or chunk[:7] == b"DELETE ":
                cls.last = chunk
            else:
                cls.last += chunk
            return original(conn, data)

        http.client.HTTPConnection.send = send
        cls._installed = True

    @classmethod
    def take(cls) -> str:
        text = cls.last.decode("utf-8", "replace")
        cls.last = b""
        return text


# ---------------------------------------------------------------- tea-openapi (generated client)
# The generated client's typed entry points, by action. ReplyTicket is missing from 1.0.1.
_GENERATED = {
    "ListProducts": (wo_models.ListProductsRequest, "list_products"),
    "ListCategories": (wo_models.ListCategoriesRequest, "list_categories"),
    "CreateTicket": (wo_models.CreateTicketRequest, "create_ticket"),
    "ListTickets": (wo_models.ListTicketsRequest, "list_tickets"),
    "ListTicketNotes": (wo_models.ListTicketNotesRequest, "list_ticket_notes"),
    "CloseTicket": (wo_models.CloseTicketRequest, "close_ticket"),
}


class TeaClient:
    """alibabacloud-workorder20200326 on alibabacloud-tea-openapi.

    `signature` None is the SDK default (V3, ACS3-HMAC-SHA256 headers); `'v2'` switches the
    same client to RPC signature v1 (HMAC-SHA1 `Signature` query parameter).
    """

    def __init__(self, endpoint: str, creds: Creds, signature: str | None):
        self.signature = signature
        self.last_headers: dict = {}
        config = tea_models.Config(
            access_key_id=creds.access_key_id,
            access_key_secret=creds.access_key_secret,
            security_token=creds.security_token,
            # The generated client hard-codes protocol HTTPS and the central endpoint; the
            # sandbox speaks plain HTTP on a loopback port. Config.protocol overrides the
            # per-action protocol, and an endpoint `host:port` becomes both the URL authority
            # and the signed `host` header (darabonba appends no port when it is 80).
            endpoint=endpoint,
            protocol="http",
            signature_algorithm=signature,
            # Fail fast instead of the SDK's 5 s / 10 s defaults if the sandbox hangs.
            connect_timeout=3000,
            read_timeout=10000,
        )
        self.client = WorkorderClient(config)

    def call(self, action: str, params: dict, placement: str = "query") -> dict:
        """Calls `action`; the generated typed method when there is one, else `call_api`."""
        try:
            if action in _GENERATED and placement == "query":
                model, method = _GENERATED[action]
                request = model().from_map(params)
                response = getattr(self.client, method)(request)
                self.last_headers = dict(response.headers or {})
                # Round-trip through the SDK's typed response model: a field the model failed
                # to read would be missing from to_map().
                return response.body.to_map()
            return self._call_api(action, params, placement)
        except tea_exceptions.AlibabaCloudException as err:
            raise tea_error(err) from err
        except UnretryableException as err:
            raise ApiError(0, "Transport", str(err)) from err

    def _call_api(self, action: str, params: dict, placement: str) -> dict:
        # The same Params the generated methods build (see client.py in the SDK), so an action
        # it lacks, or the old SDK 1.0.0 form-body layout, goes through identical machinery.
        if placement == "query":
            request = tea_models.OpenApiRequest(query=TeaUtils.query(params))
        else:
            request = tea_models.OpenApiRequest(body=params)
        api = tea_models.Params(
            action=action,
            version=VERSION,
            protocol="HTTPS",
            pathname="/",
            method="POST",
            auth_type="AK",
            style="RPC",
            req_body_type="formData",
            body_type="json",
        )
        answer = self.client.call_api(api, request, RuntimeOptions())
        self.last_headers = dict(answer.get("headers") or {})
        return answer["body"]


def tea_error(err: tea_exceptions.AlibabaCloudException) -> ApiError:
    """tea-openapi's exception as an ApiError.

    err.message is decorated ("code: 400, <Message> request id: <id>"); the error body the
    server sent is in err.data.
    """
    body = err.data if isinstance(err.data, dict) else {}
    message = body.get("Message") or err.message or ""
    return ApiError(
        err.status_code or 0,
        err.code or "",
        message,
        body,
        type(err).__name__,
        getattr(err, "retry_after", None),
    )


# ---------------------------------------------------------------- alibabacloud-workorder20210610
VERSION_2021 = "2021-06-10"
# Every 2021-06-10 action has a generated entry point; GetMqConsumerTag takes no request.
_GENERATED_2021 = {
    "GetTicket": (wo21_models.GetTicketRequest, "get_ticket"),
    "CreateTicket": (wo21_models.CreateTicketRequest, "create_ticket"),
    "ReplyTicket": (wo21_models.ReplyTicketRequest, "reply_ticket"),
    "CloseTicket": (wo21_models.CloseTicketRequest, "close_ticket"),
    "EvaluateTicket": (wo21_models.EvaluateTicketRequest, "evaluate_ticket"),
    "ListTickets": (wo21_models.ListTicketsRequest, "list_tickets"),
    "ListTicketNotes": (wo21_models.ListTicketNotesRequest, "list_ticket_notes"),
    "ListProducts": (wo21_models.ListProductsRequest, "list_products"),
    "ListCategories": (wo21_models.ListCategoriesRequest, "list_categories"),
    "GetMqConsumerTag": (None, "get_mq_consumer_tag"),
    "ReopenTicket": (wo21_models.ReopenTicketRequest, "reopen_ticket"),
    "GetAttachmentUploadUrl": (
        wo21_models.GetAttachmentUploadUrlRequest,
        "get_attachment_upload_url",
    ),
}


class Tea2021Client:
    """alibabacloud-workorder20210610 on tea-openapi, `signature` None (V3) or `'v2'` (RPC v1).

    Always the generated typed methods: they choose the query/body split (most parameters in a
    form body, SecretInfo and ReplyTicket's FileNameList in the query) and the list styles.
    """

    def __init__(self, endpoint: str, creds: Creds, signature: str | None):
        config = tea_models.Config(
            access_key_id=creds.access_key_id,
            access_key_secret=creds.access_key_secret,
            security_token=creds.security_token,
            endpoint=endpoint,
            protocol="http",
            signature_algorithm=signature,
            connect_timeout=3000,
            read_timeout=10000,
        )
        self.client = Workorder2021Client(config)

    def call(self, action: str, params: dict) -> dict:
        model, method = _GENERATED_2021[action]
        try:
            if model is None:
                response = getattr(self.client, method)()
            else:
                response = getattr(self.client, method)(model().from_map(params))
            # The typed response model's view: a field it failed to read would be missing.
            return response.body.to_map()
        except tea_exceptions.AlibabaCloudException as err:
            raise tea_error(err) from err
        except UnretryableException as err:
            raise ApiError(0, "Transport", str(err)) from err


# ---------------------------------------------------------------- aliyun-python-sdk-core
class CoreClient:
    """aliyun-python-sdk-core's `AcsClient` with `CommonRequest` (RPC signature v1).

    This is how callers reach actions the generated client lacks (ReplyTicket).
    """

    def __init__(self, endpoint: str, creds: Creds):
        self.endpoint = endpoint
        if creds.security_token:
            credential = StsTokenCredential(
                creds.access_key_id, creds.access_key_secret, creds.security_token
            )
        else:
            credential = AccessKeyCredential(creds.access_key_id, creds.access_key_secret)
        # auto_retry off: Workorder is not in its retry table anyway, and a retried request
        # would hide what the first answer was.
        self.client = AcsClient(
            credential=credential,
            region_id="cn-hangzhou",
            auto_retry=False,
            connect_timeout=3,
            timeout=10,
        )

    def call(
        self, action: str, params: dict, placement: str = "query", method: str = "POST"
    ) -> dict:
        request = CommonRequest(domain=self.endpoint, version=VERSION, action_name=action)
        request.set_method(method)
        # No endpoints.json entry exists for workorder, so the domain is explicit; the
        # sandbox is plain HTTP (the SDK default would be HTTPS).
        request.set_protocol_type("http")
        request.set_accept_format("JSON")
        for key, value in params.items():
            if placement == "query":
                request.add_query_param(key, value)
            else:
                request.add_body_params(key, value)
        try:
            raw = self.client.do_action_with_exception(request)
        except CoreServerException as err:
            raise ApiError(
                err.get_http_status() or 0, err.get_error_code(), err.get_error_msg()
            ) from err
        except CoreClientException as err:
            raise ApiError(0, err.get_error_code(), err.get_error_msg()) from err
        return json.loads(raw)


@contextlib.contextmanager
def pinned(nonce: str | None = None, skew_seconds: int = 0):
    """Within the block, both SDKs sign with `nonce` (when given) and a clock `skew_seconds` off.

    Patches only the SDKs' own nonce and timestamp helpers (the same seam the golden vectors
    were recorded through); layout and signing stay the SDKs' own.
    """
    saved = (
        TeaUtils.get_nonce,
        TeaUtils.get_timestamp,
        core_helper.get_uuid,
        core_helper.get_iso_8061_date,
    )

    def stamp() -> str:
        moment = datetime.now(timezone.utc) + timedelta(seconds=skew_seconds)
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")

    if nonce is not None:
        TeaUtils.get_nonce = staticmethod(lambda: nonce)
        core_helper.get_uuid = lambda: nonce
    TeaUtils.get_timestamp = staticmethod(stamp)
    core_helper.get_iso_8061_date = stamp
    try:
        yield
    finally:
        (
            TeaUtils.get_nonce,
            TeaUtils.get_timestamp,
            core_helper.get_uuid,
            core_helper.get_iso_8061_date,
        ) = (staticmethod(saved[0]), staticmethod(saved[1]), saved[2], saved[3])


def make_client(mode: str, endpoint: str, creds: Creds):
    """The client for one mode: `v3`, `v2` (tea-openapi) or `core` (CommonRequest)."""
    if mode == "v3":
        return TeaClient(endpoint, creds, None)
    if mode == "v2":
        return TeaClient(endpoint, creds, "v2")
    if mode == "core":
        return CoreClient(endpoint, creds)
    raise ValueError(f"unknown mode {mode}")

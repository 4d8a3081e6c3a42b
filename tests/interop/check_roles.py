"""Temporary credentials from the sandbox's STS and ECS metadata service, obtained by the
official clients: the `alibabacloud-sts20150401` SDK (AssumeRole signed V3 and v2,
AssumeRoleWithOIDC anonymous, GetCallerIdentity with the temporary credentials, the STS error
codes) and the `alibabacloud-credentials` providers (ram_role_arn, oidc_role_arn,
ecs_ram_role); each set of credentials then lists tickets through the Workorder SDK.

Loopback only: the credentials library hard-codes HTTPS for STS and the real metadata address
`100.100.100.200`. `loopback_only` rewrites its requests to plain HTTP on the sandbox's ports
and refuses (raises) any other host, so no check can reach a real address, even if a library
changes what it calls.
"""

from __future__ import annotations

import base64
import json
import re
import time

from alibabacloud_credentials.provider import (
    EcsRamRoleCredentialsProvider,
    OIDCRoleArnCredentialsProvider,
    RamRoleArnCredentialsProvider,
)
from alibabacloud_sts20150401 import models as sts_models
from alibabacloud_sts20150401.client import Client as StsClient
from alibabacloud_tea_openapi import exceptions as tea_exceptions
from alibabacloud_tea_openapi import utils_models as tea_models
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from Tea.core import TeaCore

from clients import ApiError, Creds, make_client
from harness import Checks, expect_error

EXPIRATION = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
METADATA_HOST = "100.100.100.200"


def loopback_only(metadata_endpoint: str | None) -> None:
    """Points the credentials library at the sandbox: plain HTTP, loopback hosts only, the
    metadata address mapped to the sandbox's metadata listener."""
    original = TeaCore.do_action

    def do_action(request, runtime_option=None):
        host = request.headers.get("host", "")
        if host == METADATA_HOST:
            if not metadata_endpoint:
                raise AssertionError("refusing to contact the real ECS metadata address")
            host = metadata_endpoint
            request.headers["host"] = host
        name = host.rsplit(":", 1)[0]
        if name not in ("127.0.0.1", "localhost"):
            raise AssertionError(f"refusing to contact non-loopback host {host!r}")
        request.protocol = "http"
        return original(request, runtime_option)

    TeaCore.do_action = staticmethod(do_action)


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def oidc_token(private_key_path: str, issuer: str, audience: str) -> str:
    """An RS256 JWT as a cluster's service-account issuer would sign it."""
    with open(private_key_path, "rb") as fh:
        key = serialization.load_pem_private_key(fh.read(), password=None)
    now = int(time.time())
    header = b64url(json.dumps({"alg": "RS256", "typ": "JWT"}).encode())
    claims = {
        "iss": issuer,
        "aud": audience,
        "sub": "system:serviceaccount:wog:workorder-gateway",
        "iat": now,
        "exp": now + 600,
    }
    payload = b64url(json.dumps(claims).encode())
    signature = key.sign(f"{header}.{payload}".encode(), padding.PKCS1v15(), hashes.SHA256())
    return f"{header}.{payload}.{b64url(signature)}"


def sts_client(endpoint: str, creds: Creds | None, signature: str | None) -> StsClient:
    config = tea_models.Config(
        access_key_id=creds.access_key_id if creds else None,
        access_key_secret=creds.access_key_secret if creds else None,
        security_token=creds.security_token if creds else None,
        endpoint=endpoint,
        protocol="http",
        signature_algorithm=signature,
        connect_timeout=3000,
        read_timeout=10000,
    )
    return StsClient(config)


def sts_call(fn):
    """Runs an STS SDK call, turning its exception into `ApiError`."""
    try:
        return fn().body.to_map()
    except tea_exceptions.AlibabaCloudException as err:
        body = err.data if isinstance(err.data, dict) else {}
        raise ApiError(err.status_code or 0, err.code or "", body.get("Message") or "", body)


def temporary(answer: dict) -> Creds:
    c = answer["Credentials"]
    assert c["AccessKeyId"].startswith("STS."), c["AccessKeyId"]
    assert EXPIRATION.match(c["Expiration"]), c["Expiration"]
    assert c["SecurityToken"], "no SecurityToken"
    return Creds(c["AccessKeyId"], c["AccessKeySecret"], c["SecurityToken"])


def lists_tickets(mode: str, endpoint: str, creds: Creds) -> None:
    answer = make_client(mode, endpoint, creds).call("ListTickets", {})
    assert answer.get("Success") is True, answer


def role_checks(checks: Checks, endpoint: str, fixture: dict) -> None:
    """The STS SDK, in both signature versions, and each error code the gateway relies on."""
    gateway = Creds(fixture["gateway_id"], fixture["gateway_secret"])
    role_arn = fixture["role_arn"]
    external_id = fixture["external_id"]

    for signature, mode in ((None, "v3"), ("v2", "v2")):
        p = f"sts-{mode}:"
        client = sts_client(endpoint, gateway, signature)

        def assume(client=client, mode=mode):
            answer = sts_call(
                lambda: client.assume_role(
                    sts_models.AssumeRoleRequest(
                        role_arn=role_arn,
                        role_session_name=f"interop-{mode}",
                        duration_seconds=900,
                        external_id=external_id,
                    )
                )
            )
            assert answer["AssumedRoleUser"]["Arn"] == f"{role_arn}/interop-{mode}", answer
            creds = temporary(answer)
            lists_tickets(mode, endpoint, creds)
            identity = sts_call(lambda: sts_client(endpoint, creds, signature).get_caller_identity())
            assert identity["IdentityType"] == "AssumedRoleUser", identity
            assert identity["Arn"].endswith(f":assumed-role/{role_arn.rsplit('/', 1)[1]}/interop-{mode}"), identity

        checks.run(f"{p} AssumeRole, the credentials list tickets, GetCallerIdentity", assume)

        def refused(client=client):
            for request, status, code in (
                (dict(external_id="wrong-external"), 403, "NoPermission"),
                (dict(role_arn=role_arn.rsplit("/", 1)[0] + "/absent"), 404, "EntityNotExist.Role"),
                (dict(duration_seconds=43201), 400, "InvalidParameter.DurationSeconds"),
                (dict(role_arn="not-an-arn"), 400, "InvalidParameter.RoleArn"),
            ):
                fields = dict(
                    role_arn=role_arn,
                    role_session_name="interop-refused",
                    external_id=external_id,
                )
                fields.update(request)
                expect_error(
                    lambda: sts_call(
                        lambda: client.assume_role(sts_models.AssumeRoleRequest(**fields))
                    ),
                    status,
                    code,
                )

        checks.run(f"{p} AssumeRole refusals carry STS's codes", refused)

    def with_oidc():
        token = oidc_token(fixture["oidc_private_key"], fixture["oidc_issuer"], "sts.aliyuncs.com")
        client = sts_client(endpoint, None, None)
        answer = sts_call(
            lambda: client.assume_role_with_oidc(
                sts_models.AssumeRoleWithOIDCRequest(
                    oidcprovider_arn=fixture["oidc_provider_arn"],
                    role_arn=fixture["oidc_role_arn"],
                    oidctoken=token,
                    role_session_name="interop-oidc",
                )
            )
        )
        assert answer["OIDCTokenInfo"]["Issuer"] == fixture["oidc_issuer"], answer
        lists_tickets("v3", endpoint, temporary(answer))
        wrong = oidc_token(fixture["oidc_private_key"], fixture["oidc_issuer"], "someone-else")
        expect_error(
            lambda: sts_call(
                lambda: client.assume_role_with_oidc(
                    sts_models.AssumeRoleWithOIDCRequest(
                        oidcprovider_arn=fixture["oidc_provider_arn"],
                        role_arn=fixture["oidc_role_arn"],
                        oidctoken=wrong,
                        role_session_name="interop-oidc",
                    )
                )
            ),
            401,
            "AuthenticationFail.OIDCToken.AudienceNotMatch",
        )

    checks.run("sts-v3: AssumeRoleWithOIDC (anonymous) verifies the token", with_oidc)


def provider_checks(
    checks: Checks, endpoint: str, metadata_endpoint: str | None, fixture: dict, workdir: str
) -> None:
    """The alibabacloud-credentials providers the official SDKs chain to."""

    def ram_role_arn():
        provider = RamRoleArnCredentialsProvider(
            access_key_id=fixture["gateway_id"],
            access_key_secret=fixture["gateway_secret"],
            role_arn=fixture["role_arn"],
            role_session_name="interop-credentials",
            external_id=fixture["external_id"],
            sts_endpoint=endpoint,
        )
        c = provider.get_credentials()
        creds = Creds(c.get_access_key_id(), c.get_access_key_secret(), c.get_security_token())
        assert creds.access_key_id.startswith("STS."), creds.access_key_id
        lists_tickets("v2", endpoint, creds)

    checks.run("credentials: ram_role_arn provider", ram_role_arn)

    def oidc_role_arn():
        path = f"{workdir}/oidc-token"
        with open(path, "w") as fh:
            fh.write(oidc_token(fixture["oidc_private_key"], fixture["oidc_issuer"], "sts.aliyuncs.com"))
        provider = OIDCRoleArnCredentialsProvider(
            role_arn=fixture["oidc_role_arn"],
            oidc_provider_arn=fixture["oidc_provider_arn"],
            oidc_token_file_path=path,
            role_session_name="interop-rrsa",
            sts_endpoint=endpoint,
        )
        c = provider.get_credentials()
        creds = Creds(c.get_access_key_id(), c.get_access_key_secret(), c.get_security_token())
        lists_tickets("v3", endpoint, creds)

    checks.run("credentials: oidc_role_arn provider (RRSA)", oidc_role_arn)

    if metadata_endpoint:

        def ecs_ram_role():
            provider = EcsRamRoleCredentialsProvider(
                disable_imds_v1=True, async_update_enabled=False
            )
            c = provider.get_credentials()
            creds = Creds(c.get_access_key_id(), c.get_access_key_secret(), c.get_security_token())
            assert creds.access_key_id.startswith("STS."), creds.access_key_id
            lists_tickets("core", endpoint, creds)

        checks.run("credentials: ecs_ram_role provider (token, role name, credentials)", ecs_ram_role)

#!/usr/bin/env python3
"""Drives every Workorder 2020-03-26 and 2021-06-10 action through the official Python SDKs
against a running sandbox and checks the answers.

Modes (each check runs in every mode it applies to):
  v3   alibabacloud-workorder20200326 on tea-openapi, default ACS3-HMAC-SHA256 headers
  v2   the same client with Config(signature_algorithm='v2'): RPC signature v1 in the query
  core aliyun-python-sdk-core CommonRequest (RPC v1; how callers reach ReplyTicket)
2021-06-10 (check_2021.py) runs alibabacloud-workorder20210610 in the v3 and v2 modes.

Prints one line per check and closes with `N passed, M failed`; exits 1 on any failure.
Then, from the roles of the accounts file, temporary credentials through the official STS SDK
and the alibabacloud-credentials providers (check_roles.py).
Usage: interop.py --endpoint HOST:PORT [--engineer-endpoint HOST:PORT] [--sts-accounts FILE]
                  [--metadata-endpoint HOST:PORT] [--modes v3,v2,core]
"""

from __future__ import annotations

import argparse
import sys
import tomllib

import os
import tempfile

from check_2021 import v2021_checks
from check_business import business_checks, engineer_checks
from check_roles import loopback_only, provider_checks, role_checks
from check_faults import fault_checks
from check_security import auth_checks, replay_checks, sts_checks
from clients import Creds, Wire
from harness import Checks


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


def load_roles(path: str) -> dict | None:
    """The gateway account, the customer's role and the OIDC provider of the accounts file."""
    with open(path, "rb") as fh:
        doc = tomllib.load(fh)
    providers = doc.get("oidc_providers", [])
    roles = [
        (account, role) for account in doc["accounts"] for role in account.get("roles", [])
    ]
    customer = next(((a, r) for a, r in roles if r.get("external_id")), None)
    if not providers or customer is None:
        return None
    provider = providers[0]
    gateway_uid = customer[1]["trust"][0]
    gateway = next(a for a in doc["accounts"] if a["uid"] == gateway_uid)
    oidc_role = next((a, r) for a, r in roles if provider["arn"] in r.get("trust", []))
    public_key = os.path.join(os.path.dirname(path), provider["public_key_file"])
    return {
        "gateway_id": gateway["access_key_id"],
        "gateway_secret": gateway["access_key_secret"],
        "role_arn": f"acs:ram::{customer[0]['uid']}:role/{customer[1]['name']}",
        "external_id": customer[1]["external_id"],
        "oidc_provider_arn": provider["arn"],
        "oidc_issuer": provider["issuer"],
        "oidc_role_arn": f"acs:ram::{oidc_role[0]['uid']}:role/{oidc_role[1]['name']}",
        "oidc_private_key": public_key.replace("_public.pem", "_private.pem"),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--endpoint", required=True, help="sandbox host:port")
    parser.add_argument("--sts-accounts", help="accounts TOML the sandbox was started with")
    parser.add_argument("--engineer-endpoint", help="a sandbox whose engineer answers quickly")
    parser.add_argument("--metadata-endpoint", help="the sandbox's ECS metadata host:port")
    parser.add_argument("--modes", default="v3,v2,core")
    args = parser.parse_args()
    Wire.install()
    loopback_only(args.metadata_endpoint)

    checks = Checks()
    sts = load_sts(args.sts_accounts) if args.sts_accounts else None
    for mode in args.modes.split(","):
        business_checks(checks, mode, args.endpoint)
        v2021_checks(checks, mode, args.endpoint)
        auth_checks(checks, mode, args.endpoint)
        if sts:
            sts_checks(checks, mode, args.endpoint, *sts)
        replay_checks(checks, mode, args.endpoint)
        fault_checks(checks, mode, args.endpoint)
        if args.engineer_endpoint:
            engineer_checks(checks, mode, args.engineer_endpoint)

    roles = load_roles(args.sts_accounts) if args.sts_accounts else None
    if roles:
        role_checks(checks, args.endpoint, roles)
        with tempfile.TemporaryDirectory() as workdir:
            provider_checks(checks, args.endpoint, args.metadata_endpoint, roles, workdir)

    if checks.failed:
        print("failed checks:")
        for name in checks.failed:
            print(f"  {name}")
    print(f"{checks.passed} passed, {len(checks.failed)} failed")
    return 1 if checks.failed else 0


if __name__ == "__main__":
    sys.exit(main())

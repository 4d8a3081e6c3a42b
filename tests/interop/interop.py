#!/usr/bin/env python3
"""Drives every Workorder 2020-03-26 action through the official Python SDKs against a running
sandbox and checks the answers.

Modes (each check runs in every mode it applies to):
  v3   alibabacloud-workorder20200326 on tea-openapi, default ACS3-HMAC-SHA256 headers
  v2   the same client with Config(signature_algorithm='v2'): RPC signature v1 in the query
  core aliyun-python-sdk-core CommonRequest (RPC v1; how callers reach ReplyTicket)

Prints one line per check and closes with `N passed, M failed`; exits 1 on any failure.
Usage: interop.py --endpoint HOST:PORT [--engineer-endpoint HOST:PORT] [--sts-accounts FILE]
                  [--modes v3,v2,core]
"""

from __future__ import annotations

import argparse
import sys
import tomllib

from check_business import business_checks, engineer_checks
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

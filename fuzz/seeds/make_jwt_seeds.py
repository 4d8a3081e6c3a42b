#!/usr/bin/env python3
"""Writes the token seeds of the `jwt` target (fuzz/seeds/jwt/): real HS256, RS256 and ES256
tokens that the target's authenticators accept (exp in the year 2286), and a few refused ones.
Signs with the test-only keys in tests/fixtures/keys through the `openssl` command; needs no
Python package. Rerun only when the target's secret, keys or claim rules change."""

import base64
import hashlib
import hmac
import json
import pathlib
import subprocess

ROOT = pathlib.Path(__file__).resolve().parents[2]
KEYS = ROOT / "tests" / "fixtures" / "keys"
OUT = ROOT / "fuzz" / "seeds" / "jwt"
SECRET = b"fuzz-gateway-secret-0123456789-abcdefghij"  # as in fuzz_targets/jwt.rs

CLAIMS = {
    "sub": "user-1",
    "tenant": "demo",
    "roles": ["tickets:read", "tickets:write"],
    "scope": "tickets:read",
    "iss": "https://idp.example.com/",
    "aud": ["workorder-gateway", "other"],
    "iat": 1700000000,
    "nbf": 1700000000,
    "exp": 9999999999,
}


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def signing_input(header: dict, claims: dict) -> str:
    compact = lambda v: json.dumps(v, separators=(",", ":")).encode()
    return f"{b64(compact(header))}.{b64(compact(claims))}"


def openssl_sign(key: str, data: str) -> bytes:
    return subprocess.run(
        ["openssl", "dgst", "-sha256", "-sign", str(KEYS / key)],
        input=data.encode(), capture_output=True, check=True,
    ).stdout


def der_to_raw(der: bytes) -> bytes:
    """ECDSA-Sig-Value (SEQUENCE of two INTEGERs) to JWS's fixed-width r || s."""
    assert der[0] == 0x30
    at = 2
    parts = []
    for _ in range(2):
        assert der[at] == 0x02
        length = der[at + 1]
        parts.append(der[at + 2 : at + 2 + length].lstrip(b"\0").rjust(32, b"\0"))
        at += 2 + length
    return b"".join(parts)


def hs256(header: dict, claims: dict) -> str:
    data = signing_input(header, claims)
    return f"{data}.{b64(hmac.new(SECRET, data.encode(), hashlib.sha256).digest())}"


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    rs = signing_input({"alg": "RS256", "typ": "JWT", "kid": "rsa-a"}, CLAIMS)
    es = signing_input({"alg": "ES256", "typ": "JWT"}, CLAIMS)
    expired = dict(CLAIMS, exp=1700000000)
    seeds = {
        "hs256": f"Bearer {hs256({'alg': 'HS256', 'typ': 'JWT'}, CLAIMS)}",
        "rs256-kid": f"Bearer {rs}.{b64(openssl_sign('rsa_a_private.pem', rs))}",
        "es256": f"Bearer {es}.{b64(der_to_raw(openssl_sign('ec_p256_private.pem', es)))}",
        "hs256-expired": f"bearer   {hs256({'alg': 'HS256'}, expired)}",
        "alg-none": f"Bearer {signing_input({'alg': 'none'}, CLAIMS)}.",
        "hs256-unknown-kid": f"Bearer {hs256({'alg': 'HS256', 'kid': 'nope'}, CLAIMS)}",
        "signed-claims": '{"alg":"HS256","typ":"JWT"}\n' + json.dumps(CLAIMS),
        "signed-claims-only": '{"sub":"u","tenant":"t","exp":9999999999,"roles":"tickets:read"}',
        "signed-kid-crit": '{"alg":"HS256","kid":"rsa-a","crit":["b64"]}\n{"sub":"u","exp":1e10}',
    }
    for name, text in seeds.items():
        (OUT / name).write_text(text)


if __name__ == "__main__":
    main()

"""Twilio's webhook signature (X-Twilio-Signature): computing and checking it.

A leaf module on the standard library alone, so anything may import it cheaply.

The algorithm is the one Twilio documents (webhooks security) and its official helper
libraries implement (twilio-python's `twilio.request_validator.RequestValidator`):

1. Start from the full URL Twilio requested, query string included, exactly as it was
   configured (for a GET callback, with the parameters Twilio appended to the query).
2. For a form POST, append each parameter sorted by name, name then value, with nothing
   between them. A name that repeats contributes each of its distinct values in sorted
   order (as twilio-python does: identical name/value pairs count once).
3. HMAC-SHA1 (or the algorithm of a Webhooks Setting, HMAC-SHA256) of that string, keyed
   with the auth token; the header holds its base64.

A request with a JSON body carries `bodySHA256=<hex SHA-256 of the raw body>` in its URL:
the body must hash to it, and the signature is the URL's alone (no parameters appended).

Twilio is not consistent about the port in the URL it signs, so, like the official
validators, a signature is accepted for the URL with the port (443/80 added when there is
none) or without it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final, TypeAlias
from urllib.parse import parse_qs, urlsplit, urlunsplit

__all__ = [
    "HMAC_SHA1",
    "HMAC_SHA256",
    "IDEMPOTENCY_HEADER",
    "SIGNATURE_HEADER",
    "SIGNATURE_SETTINGS_HEADER",
    "Params",
    "WebhookValidator",
    "body_sha256",
    "compute_signature",
    "signature_algorithm",
    "url_variants",
]

SIGNATURE_HEADER: Final = "X-Twilio-Signature"
# Sent by Twilio when a Webhooks Rule signs with a SharedKey: `key=<id>,algorithm=<name>`.
SIGNATURE_SETTINGS_HEADER: Final = "X-Twilio-Webhooks-Signature-Settings"
# The same value on every delivery attempt of one webhook, so a receiver can drop repeats.
IDEMPOTENCY_HEADER: Final = "I-Twilio-Idempotency-Token"
HMAC_SHA1: Final = "HMAC_SHA1"
HMAC_SHA256: Final = "HMAC_SHA256"

# hashlib names: hmac.digest() with a name takes OpenSSL's one-shot path, no HMAC object.
_HASHES: Final = {HMAC_SHA1: "sha1", HMAC_SHA256: "sha256"}
_BODY_HASH_PARAM: Final = "bodySHA256"

Params: TypeAlias = Mapping[str, str] | Mapping[str, Sequence[str]] | Iterable[tuple[str, str]]
"""Form parameters: a mapping (values may be lists of strings, and multi-dicts with
`getlist`/`getall` such as Django's, Werkzeug's, Starlette's or aiohttp's are read in
full), or (name, value) pairs as `urllib.parse.parse_qsl` returns them."""


def _pairs(params: Params | None) -> list[tuple[str, str]]:
    """Every (name, value) of `params`, a multi-dict's repeated values included."""
    if params is None:
        return []
    if not isinstance(params, Mapping):
        return list(params)
    pairs: list[tuple[str, str]] = []
    getlist = getattr(params, "getlist", None) or getattr(params, "getall", None)
    for name in params:
        values: Any = getlist(name) if getlist is not None else params[name]
        if isinstance(values, str):
            values = (values,)
        pairs.extend((str(name), str(value)) for value in values)
    return pairs


def _params_text(params: Params | None) -> bytes:
    """What the form parameters add to the signed URL."""
    # Sorted by name, a name's values sorted, identical pairs once: tuple order does it.
    # Code-point order is the byte order of the UTF-8 text: Twilio's case-sensitive sort.
    return "".join([name + value for name, value in sorted(set(_pairs(params)))]).encode()


def _sign(key: bytes, url: str, params_text: bytes, digest: str) -> bytes:
    return base64.b64encode(hmac.digest(key, url.encode("utf-8") + params_text, digest))


def _hash_for(algorithm: str) -> str:
    digest = _HASHES.get(algorithm.upper())
    if digest is None:
        raise ValueError(
            f"algorithm: {algorithm!r} is not a webhook signature algorithm; "
            f"use {HMAC_SHA1!r} or {HMAC_SHA256!r}"
        )
    return digest


def compute_signature(
    auth_token: str, url: str, params: Params | None = None, *, algorithm: str = HMAC_SHA1
) -> str:
    """The X-Twilio-Signature value Twilio sends for `url` and form `params`.

    Raises:
        ValueError: `algorithm` is neither HMAC_SHA1 nor HMAC_SHA256.
    """
    digest = _hash_for(algorithm)
    return _sign(auth_token.encode("utf-8"), url, _params_text(params), digest).decode("ascii")


def body_sha256(body: bytes | str) -> str:
    """The lowercase hex SHA-256 of a raw request body (`bodySHA256` in a signed URL)."""
    raw = body.encode("utf-8") if isinstance(body, str) else body
    return hashlib.sha256(raw).hexdigest()


def signature_algorithm(settings_header: str | None) -> str:
    """The algorithm named by an X-Twilio-Webhooks-Signature-Settings header.

    No header (or no `algorithm=` in it) means the auth token's HMAC_SHA1.
    """
    for part in (settings_header or "").split(","):
        name, equals, value = part.partition("=")
        if equals and name.strip() == "algorithm" and value.strip():
            return value.strip()
    return HMAC_SHA1


def _split_port(netloc: str) -> tuple[str, str | None] | None:
    """(netloc without its port, the port or None); None if the port is not a number."""
    userinfo, at, hostport = netloc.rpartition("@")
    if hostport.startswith("["):  # an IPv6 literal: its colons are not a port separator
        end = hostport.find("]")
        if end == -1:
            return None
        host, rest = hostport[: end + 1], hostport[end + 1 :]
        if not rest:
            return netloc, None
        if not rest.startswith(":"):
            return None
        port = rest[1:]
    else:
        host, colon, port = hostport.rpartition(":")
        if not colon:
            return netloc, None
    if not port.isascii() or not port.isdigit():
        return None
    return userinfo + at + host, port


def url_variants(url: str) -> tuple[str, ...]:
    """`url` as given, without its port and with the scheme's port: the URLs Twilio may
    have signed for it (duplicates dropped, the given one first)."""
    variants = [url]
    try:
        parts = urlsplit(url)
    except ValueError:  # e.g. an unbalanced IPv6 bracket: only the URL as given can match
        return (url,)
    split = _split_port(parts.netloc)
    if not parts.netloc or split is None:
        return (url,)
    bare, port = split
    default = "443" if parts.scheme.lower() == "https" else "80"
    for netloc in (bare, f"{bare}:{port if port is not None else default}"):
        candidate = urlunsplit(parts._replace(netloc=netloc))
        if candidate not in variants:
            variants.append(candidate)
    return tuple(variants)


def _same(expected: str, given: str) -> bool:
    return hmac.compare_digest(_as_bytes(expected), _as_bytes(given))


def _as_bytes(text: str) -> bytes:
    # Bytes, because compare_digest refuses str with non-ASCII characters (a forged header
    # may hold anything); surrogatepass so no str makes encoding fail.
    return text.encode("utf-8", "surrogatepass")


class WebhookValidator:
    """Checks the X-Twilio-Signature of any Twilio webhook request.

        validator = tw.WebhookValidator(auth_token)
        validator.validate(url, form_params, request.headers["X-Twilio-Signature"])
        validator.validate_body(url_with_body_sha256, raw_json_body, signature)

    The URL must be the one Twilio requested, as configured with Twilio (scheme, host,
    path and the raw query string): behind a proxy or load balancer, that is the public
    URL, not the one your server sees. Comparisons take constant time, and the URL is
    tried with and without its port, as the official validators do.

    Args:
        auth_token: the account's auth token (or, with `algorithm=HMAC_SHA256`, the
            SharedKey secret of a Webhooks Setting). Never shown in the repr.
        algorithm: `"HMAC_SHA1"` (Twilio's default) or `"HMAC_SHA256"`.

    Raises:
        ValueError: an unknown `algorithm`, or an empty `auth_token`.
    """

    __slots__ = ("_algorithm", "_digest", "_key")

    def __init__(self, auth_token: str, *, algorithm: str = HMAC_SHA1) -> None:
        if not isinstance(auth_token, str) or not auth_token:
            raise ValueError("auth_token: expected a non-empty string")
        self._digest = _hash_for(algorithm)
        self._key = auth_token.encode("utf-8")
        self._algorithm = algorithm.upper()

    def __repr__(self) -> str:
        return f"<WebhookValidator algorithm={self._algorithm}>"

    @property
    def algorithm(self) -> str:
        """The HMAC algorithm signatures are checked with."""
        return self._algorithm

    def compute_signature(self, url: str, params: Params | None = None) -> str:
        """The signature Twilio would send for `url` (exactly as given) and `params`."""
        return _sign(self._key, url, _params_text(params), self._digest).decode("ascii")

    def validate(self, url: str, params: Params | None, signature: str | None) -> bool:
        """Whether `signature` is Twilio's for a request to `url` with form `params`.

        Args:
            url: the full URL Twilio requested, query string included (for a GET
                webhook the parameters are in it, and `params` is empty).
            params: the POST form parameters, every one received (see `Params`).
            signature: the X-Twilio-Signature header; None or "" is never valid.
        """
        return self._validate_any(url_variants(url), params, signature)

    def _validate_any(
        self, urls: Iterable[str], params: Params | None, signature: str | None
    ) -> bool:
        """Whether `signature` is Twilio's for any of `urls` (each taken as given)."""
        if not signature:
            return False
        given = _as_bytes(signature)
        params_text = _params_text(params)  # once for every URL
        # Each comparison takes constant time. Stopping at the first match tells only
        # which URL a genuine request was signed for; a forgery always tries them all.
        return any(
            hmac.compare_digest(_sign(self._key, url, params_text, self._digest), given)
            for url in urls
        )

    def validate_body(self, url: str, body: bytes | str, signature: str | None) -> bool:
        """Whether `signature` is Twilio's for a request with a raw (JSON) `body`.

        The URL must carry `bodySHA256`, the hex SHA-256 of the body: the body must hash
        to it and the signature must be the URL's. A URL without it is never valid here
        (a form body goes to `validate`).
        """
        if not signature:
            return False
        try:
            query = parse_qs(urlsplit(url).query, keep_blank_values=True)
        except ValueError:
            return False
        claimed = query.get(_BODY_HASH_PARAM)
        if not claimed:
            return False
        body_ok = _same(body_sha256(body), claimed[0])
        return self.validate(url, None, signature) and body_ok

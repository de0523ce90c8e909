"""WebhookValidator and the signature functions, checked against twilio's own validator."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterator, Mapping

import pytest
from twilio.request_validator import RequestValidator  # type: ignore[import-untyped]

import twilio_wireless as tw
from twilio_wireless import _signature

TOKEN = "12345"
URI = "https://mycompany.com/myapp.php?foo=1&bar=2"
PARAMS = {
    "CallSid": "CA1234567890ABCDE",
    "Digits": "1234",
    "From": "+14158675309",
    "To": "+18005551212",
    "Caller": "+14158675309",
}
BODY = '{"property": "value", "boolean": true}'
BODY_HASH = "0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620"

URLS = [
    URI,
    "https://mycompany.com:443/myapp.php?foo=1&bar=2",
    "https://mycompany.com:8443/myapp.php",
    "http://example.com/hook",
    "http://example.com:80/hook",
    "http://example.com:8080/hook?source=sim&x=a%20b+c",
    "https://hooks.example.com/twilio/sim-status?tenant=7",
    "https://example.com/h%C3%A9llo?q=%E2%9C%93&q=2",
    "https://user:secret@example.com/hook",
    "https://EXAMPLE.com/Case/Sensitive",
    "http://127.0.0.1:9000/callbacks/",
]

PARAM_SETS: list[dict[str, str]] = [
    {},
    PARAMS,
    {
        "FriendlyName": "Pompe n° 7 \u2013 東京",
        "Emoji": "🚀",
        "Status": "active",
        "Empty": "",
    },
    # Case-sensitive (code point) order: upper case before lower case, "_" in between.
    {"b": "1", "B": "2", "a": "3", "A": "4", "_": "5", "a_b": "6", "ab": "7"},
]


class MultiDict(Mapping[str, str]):
    """A multi-valued mapping with getall(), like aiohttp's and the one twilio tests with."""

    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        self._pairs = pairs

    def __getitem__(self, key: str) -> str:
        return next(value for name, value in self._pairs if name == key)

    def __iter__(self) -> Iterator[str]:
        return iter(dict.fromkeys(name for name, _ in self._pairs))

    def __len__(self) -> int:
        return len(dict.fromkeys(name for name, _ in self._pairs))

    def getall(self, key: str) -> list[str]:
        return [value for name, value in self._pairs if name == key]


REPEATED = [("Sid", "CA123"), ("SidAccount", "AC123"), ("Digits", "5678"), ("Digits", "1234")]


def test_twilio_published_vectors() -> None:
    """The values twilio-python's own tests use, computed independently of it."""
    validator = tw.WebhookValidator(TOKEN)
    assert validator.compute_signature(URI, PARAMS) == "RSOYDt4T1cUTdK1PDd93/VVr8B8="
    assert validator.compute_signature(URI, REPEATED) == "IK+Dwps556ElfBT0I3Rgjkr1wJU="
    assert validator.compute_signature(URI, MultiDict(REPEATED)) == "IK+Dwps556ElfBT0I3Rgjkr1wJU="
    assert _signature.body_sha256(BODY) == BODY_HASH
    assert _signature.body_sha256(BODY.encode()) == BODY_HASH
    assert validator.validate(URI, PARAMS, "RSOYDt4T1cUTdK1PDd93/VVr8B8=")
    # The port: removed (any port), or added (the scheme's).
    assert validator.validate(
        URI.replace(".com", ".com:1234"), PARAMS, "RSOYDt4T1cUTdK1PDd93/VVr8B8="
    )
    assert validator.validate(URI, PARAMS, "kvajT1Ptam85bY51eRf/AJRuM3w=")
    http = URI.replace("https", "http")
    assert validator.validate(http, PARAMS, "0ZXoZLH/DfblKGATFgpif+LLRf4=")
    assert validator.validate(
        http.replace(".com", ".com:1234"), PARAMS, "Zmvh+3yNM1Phv2jhDCwEM3q5ebU="
    )
    with_body = f"{URI}&bodySHA256={BODY_HASH}"
    assert validator.validate_body(with_body, BODY.encode(), "a9nBmqA0ju/hNViExpshrM61xv4=")


@pytest.mark.parametrize("url", URLS)
@pytest.mark.parametrize("params", PARAM_SETS, ids=["none", "call", "unicode", "order"])
def test_signatures_match_twilios_request_validator(url: str, params: dict[str, str]) -> None:
    official = RequestValidator(TOKEN)
    ours = tw.WebhookValidator(TOKEN)
    assert ours.compute_signature(url, params) == official.compute_signature(url, params)
    # The same inputs as (name, value) pairs, as parse_qsl gives them.
    assert ours.compute_signature(url, list(params.items())) == official.compute_signature(
        url, params
    )


@pytest.mark.parametrize("url", URLS)
def test_repeated_names_match_twilios_request_validator(url: str) -> None:
    official = RequestValidator(TOKEN)
    ours = tw.WebhookValidator(TOKEN)
    pairs = [*REPEATED, ("Digits", "1234"), ("Tag", "é"), ("Tag", "e")]
    expected = official.compute_signature(url, MultiDict(pairs))
    assert ours.compute_signature(url, pairs) == expected
    assert ours.compute_signature(url, MultiDict(pairs)) == expected
    assert (
        ours.compute_signature(
            url,
            {"Sid": "CA123", "SidAccount": "AC123", "Digits": ["5678", "1234"], "Tag": ["é", "e"]},
        )
        == expected
    )


@pytest.mark.parametrize("signed_url", URLS)
@pytest.mark.parametrize("checked_url", URLS)
def test_validity_matches_twilios_request_validator(signed_url: str, checked_url: str) -> None:
    """Signed for one URL, checked against another: the same verdict as twilio's."""
    official = RequestValidator(TOKEN)
    signature = official.compute_signature(signed_url, PARAMS)
    expected = official.validate(checked_url, PARAMS, signature)
    assert tw.WebhookValidator(TOKEN).validate(checked_url, PARAMS, signature) is expected
    if signed_url == checked_url:
        assert expected


@pytest.mark.parametrize(
    "url",
    [
        "https://mycompany.com/myapp.php?foo=1&bar=2",
        "https://mycompany.com:1234/myapp.php?foo=1",
        "http://example.com/studio",
    ],
)
def test_body_variant_matches_twilios_request_validator(url: str) -> None:
    official = RequestValidator(TOKEN)
    ours = tw.WebhookValidator(TOKEN)
    body = '{"SimSid": "DE1", "note": "ünïcødé"}'
    sep = "&" if "?" in url else "?"
    signed_url = f"{url}{sep}bodySHA256={_signature.body_sha256(body)}"
    signature = official.compute_signature(signed_url, {})
    assert official.validate(signed_url, body, signature)
    assert ours.validate_body(signed_url, body.encode(), signature)
    # A byte changed in the body: both refuse it.
    tampered = body.replace("DE1", "DE2")
    assert not official.validate(signed_url, tampered, signature)
    assert not ours.validate_body(signed_url, tampered.encode(), signature)


def test_body_variant_needs_the_hash_in_the_url() -> None:
    ours = tw.WebhookValidator(TOKEN)
    signature = ours.compute_signature(URI)
    assert ours.validate(URI, None, signature)
    assert not ours.validate_body(URI, b"{}", signature)


def test_sha256_algorithm_matches_twilio() -> None:
    official = RequestValidator("shared-secret")
    ours = tw.WebhookValidator("shared-secret", algorithm="HMAC_SHA256")
    expected = official.compute_signature(URI, PARAMS, algorithm="HMAC_SHA256")
    assert ours.compute_signature(URI, PARAMS) == expected
    assert ours.validate(URI, PARAMS, expected)
    assert not tw.WebhookValidator("shared-secret").validate(URI, PARAMS, expected)
    assert _signature.signature_algorithm("key=KS1,algorithm=HMAC_SHA256") == "HMAC_SHA256"
    assert _signature.signature_algorithm(None) == "HMAC_SHA1"
    assert _signature.signature_algorithm("key=KS1") == "HMAC_SHA1"


def test_the_algorithm_is_the_documented_one() -> None:
    """URL, then name+value sorted by name, HMAC-SHA1 keyed with the token, base64."""
    params = {"Status": "active", "AccountSid": "AC1", "SimSid": "DE1"}
    payload = "https://a.example/cb?x=1" + "AccountSidAC1" + "SimSidDE1" + "Statusactive"
    mac = hmac.new(b"tok", payload.encode(), hashlib.sha1).digest()
    expected = base64.b64encode(mac).decode()
    assert (
        tw.WebhookValidator("tok").compute_signature("https://a.example/cb?x=1", params) == expected
    )


@pytest.mark.parametrize(
    "signature",
    [None, "", "RSOYDt4T1cUTdK1PDd93/VVr8B8", "RSOYDt4T1cUTdK1PDd93/VVr8B8=x", "ünïcødé", "\ud800"],
)
def test_wrong_or_strange_signatures_are_refused_without_errors(signature: str | None) -> None:
    assert not tw.WebhookValidator(TOKEN).validate(URI, PARAMS, signature)
    assert not tw.WebhookValidator(TOKEN).validate_body(URI, b"", signature)


def test_tampered_parameters_and_other_tokens_are_refused() -> None:
    signature = RequestValidator(TOKEN).compute_signature(URI, PARAMS)
    validator = tw.WebhookValidator(TOKEN)
    assert validator.validate(URI, PARAMS, signature)
    assert not validator.validate(URI, {**PARAMS, "Digits": "1235"}, signature)
    assert not validator.validate(URI, {**PARAMS, "Extra": ""}, signature)
    assert not validator.validate(URI.replace("foo=1", "foo=2"), PARAMS, signature)
    assert not tw.WebhookValidator("54321").validate(URI, PARAMS, signature)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://a.example/x", ("https://a.example/x", "https://a.example:443/x")),
        ("http://a.example:8080/x?q=1", ("http://a.example:8080/x?q=1", "http://a.example/x?q=1")),
        (
            "https://u:p@a.example:8443/x",
            ("https://u:p@a.example:8443/x", "https://u:p@a.example/x"),
        ),
        ("http://[::1]:8080/x", ("http://[::1]:8080/x", "http://[::1]/x")),
        ("http://[::1]/x", ("http://[::1]/x", "http://[::1]:80/x")),
        ("http://a.example:port/x", ("http://a.example:port/x",)),
        ("http://[::1/x", ("http://[::1/x",)),
        ("/relative?q=1", ("/relative?q=1",)),
    ],
)
def test_url_variants(url: str, expected: tuple[str, ...]) -> None:
    assert _signature.url_variants(url) == expected


def test_the_token_never_shows() -> None:
    validator = tw.WebhookValidator("super-secret-token")
    assert "super-secret-token" not in repr(validator)
    assert "super-secret-token" not in str(validator)
    with pytest.raises(ValueError, match="algorithm") as caught:
        tw.WebhookValidator("super-secret-token", algorithm="MD5")
    assert "super-secret-token" not in str(caught.value)
    with pytest.raises(ValueError, match="auth_token"):
        tw.WebhookValidator("")

"""WirelessClient: credentials, base URL (edge/region), the connection pool and its life."""

from __future__ import annotations

import base64
import functools
import os
import platform
import re
import sys
from collections.abc import Mapping, Sequence
from types import MappingProxyType, TracebackType
from typing import TYPE_CHECKING, Any, Self, TypeVar
from urllib.parse import urlsplit

import attrs

from . import _transport
from ._checks import check_count
from ._clock import Clock, check_clock
from ._http import Connection, Requester, RequestOptions
from ._pacing import DEFAULT_CONCURRENCY, AdaptiveConcurrency, limiter_for
from ._polling import PollPolicy
from ._retry import RetryPolicy
from ._version import __version__
from ._wire import DEFAULT_MAX_RESPONSE_BYTES

if TYPE_CHECKING:
    import httpx

    from ._resources._commands import CommandsResource
    from ._resources._rate_plans import RatePlansResource
    from ._resources._sims import SimsResource
    from ._resources._usage_records import UsageRecordsResource
    from ._webhooks import StatusCallbackReceiver

__all__ = ["DEFAULT_BASE_URL", "DEFAULT_TIMEOUT", "WirelessClient"]

DEFAULT_BASE_URL = "https://wireless.twilio.com"
# Finite by default: a gateway must never hang on a dead connection. Twilio's own SDK
# waits forever unless told otherwise.
DEFAULT_TIMEOUT: Mapping[str, float | None] = MappingProxyType(
    {"connect": 5.0, "read": 30.0, "write": 30.0, "pool": 10.0}
)
# As many connections as Twilio lets an account have requests in flight by default (and
# the adaptive cap's ceiling): a smaller pool would hold fleet operations below the limit.
DEFAULT_MAX_CONNECTIONS = 100
DEFAULT_KEEPALIVE_EXPIRY = 30.0
_TWILIO_HOST_SUFFIX = ".twilio.com"
# A host name or an IP address (IPv6 without its brackets, as urlsplit gives it).
_HOST = re.compile(r"^[A-Za-z0-9._~%:-]+\Z")


class _Unset:
    def __repr__(self) -> str:
        return "<default>"


_DEFAULT = _Unset()


class WirelessClient:
    """An async client for Twilio Programmable Wireless v1.

    Use it as an async context manager (or call `aclose()`), and share one client across
    your application: it holds a pool of keep-alive connections.

    Args:
        account_sid: your Account SID (`AC...`); default `$TWILIO_ACCOUNT_SID`.
        auth_token: your Auth Token; default `$TWILIO_AUTH_TOKEN`.
        api_key, api_secret: an API Key (`SK...`) and its secret, used instead of the
            Auth Token; default `$TWILIO_API_KEY` / `$TWILIO_API_SECRET`.
        base_url: the API's root, `https://wireless.twilio.com` unless you point it at a
            simulator or proxy.
        edge, region: Twilio edge location and region (default `$TWILIO_EDGE`,
            `$TWILIO_REGION`); they turn the host into `wireless.{edge}.{region}.twilio.com`.
        timeout: seconds, or an `httpx.Timeout` (default: connect 5 s, read/write 30 s,
            pool 10 s). A number also bounds each whole request (see `request_deadline`).
        request_deadline: seconds one attempt may take in all: connecting, sending and
            reading the entire body, however slowly the server drips it (default: the
            `timeout` number if one is given, else 60 s; None: no limit). Retries have
            their own overall `RetryPolicy.deadline`.
        max_response_bytes: the largest response body accepted, as sent and once
            decompressed (default 32 MiB; a 1000-SIM page is ~1.3 MB). A larger one
            raises `ResponseTooLargeError` as soon as it passes the cap.
        status_callbacks: a `StatusCallbackReceiver` you serve: SIM status changes then
            ask Twilio to call it (`CallbackUrl`), and their waits end when the callback
            arrives, polling only every `PollPolicy.callback_interval` meanwhile.
        retry: a `RetryPolicy` (default: 4 attempts with backoff, only where safe);
            `RetryPolicy.none()` turns retries off.
        poll: a `PollPolicy` for waiting out SIM changes accepted with 202.
        http_client: an `httpx.AsyncClient` of yours (proxies, custom pools, event hooks);
            used as given and never closed by this client.
        max_connections: the connection pool's size when the client owns its pool
            (default 100, Twilio's default limit of requests in flight per account).
        keepalive_expiry: seconds an idle pooled connection is kept open (default 30).
        max_concurrency: the cap on requests in flight across every caller of this
            client and its views (batches included). Default: an adaptive cap,
            `AdaptiveConcurrency()`, that starts at 100 (Twilio's default limit of
            concurrent requests per account), halves on 429s and grows back as requests
            succeed; pass your own `AdaptiveConcurrency(...)` (e.g. with `shared=` a
            `RedisConcurrency` for processes sharing the account), an int for a fixed cap,
            or None for none at all.
        user_agent_extensions: strings appended to the User-Agent, e.g. `["gateway/1.4"]`.
        clock: the `Clock` retry backoff and 202 polling wait on (default: the system's
            monotonic clock and `anyio.sleep`); tests pass a
            `twilio_wireless.testing.FakeClock` so that no wait takes real time.
        allow_insecure_http: send requests (and so your credentials) over plain `http://`
            to a host that is not this machine. Off by default: such a `base_url` is
            refused unless it is loopback (`localhost`, 127.0.0.0/8, `::1`) or your
            `http_client` answers in-process (an `httpx.ASGITransport` or
            `httpx.MockTransport`, as the simulator's does).

    Raises:
        ValueError: an argument is invalid (the message names which): credentials missing
            or malformed, a cleartext `base_url` without `allow_insecure_http`,
            `SSL_CERT_FILE` / `SSL_CERT_DIR` naming no readable CA bundle / directory.
    """

    def __init__(
        self,
        account_sid: str | None = None,
        auth_token: str | None = None,
        *,
        api_key: str | None = None,
        api_secret: str | None = None,
        base_url: str = DEFAULT_BASE_URL,
        edge: str | None = None,
        region: str | None = None,
        timeout: float | httpx.Timeout | None = None,
        retry: RetryPolicy | None = None,
        poll: PollPolicy | None = None,
        http_client: httpx.AsyncClient | None = None,
        max_connections: int = DEFAULT_MAX_CONNECTIONS,
        keepalive_expiry: float = DEFAULT_KEEPALIVE_EXPIRY,
        max_concurrency: int | AdaptiveConcurrency | None = DEFAULT_CONCURRENCY,
        user_agent_extensions: Sequence[str] = (),
        clock: Clock | None = None,
        allow_insecure_http: bool = False,
        request_deadline: float | _Unset | None = _DEFAULT,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        status_callbacks: StatusCallbackReceiver | None = None,
    ) -> None:
        username, password, self._account_sid = _credentials(
            account_sid, auth_token, api_key, api_secret
        )
        try:
            resolved_url = _regional_base_url(
                base_url,
                edge or os.environ.get("TWILIO_EDGE"),
                region or os.environ.get("TWILIO_REGION"),
            )
        except ValueError as exc:
            # A token pasted into the URL (or anywhere in it) never reaches a message.
            raise ValueError(_redact(str(exc), password)) from None
        if not isinstance(allow_insecure_http, bool):
            raise ValueError(
                f"allow_insecure_http: expected True or False, got {allow_insecure_http!r}"
            )
        if http_client is not None and not _is_httpx(http_client, "AsyncClient"):
            raise ValueError(f"http_client: expected an httpx.AsyncClient, got {http_client!r}")
        if not allow_insecure_http:
            _refuse_cleartext(resolved_url, http_client)
        check_count("max_connections", max_connections)
        if (
            isinstance(keepalive_expiry, bool)
            or not isinstance(keepalive_expiry, int | float)
            or keepalive_expiry < 0
        ):
            raise ValueError(
                f"keepalive_expiry: {keepalive_expiry!r} is not valid; expected seconds >= 0"
            )
        limiter = limiter_for(max_concurrency)  # raises ValueError, naming the parameter
        self._clock = check_clock(clock)
        token = base64.b64encode(f"{username}:{password}".encode()).decode("ascii")
        headers = {
            "Authorization": f"Basic {token}",
            "User-Agent": _user_agent(user_agent_extensions),
            "Accept": "application/json",
            "Accept-Encoding": "gzip, deflate",
        }
        # The one path every request of this client takes, chosen here once: the given
        # http_client, else the client's own aiohttp pool (an httpx one if built on trio).
        transport = _transport.choose(
            http_client,
            max_connections=max_connections,
            keepalive_expiry=keepalive_expiry,
            tls=resolved_url.startswith("https://"),
        )
        if isinstance(transport, _transport.AiohttpDefault) and transport.tls:
            # The pool's TLS context is built at the first request, in a worker thread, from
            # SSL_CERT_FILE / SSL_CERT_DIR: one that cannot serve (missing, unreadable, not
            # PEM) fails here, naming the variable, not as an OSError at the first request.
            _check_ca_environment()
        self._http_client = http_client
        self._connection = Connection(
            base_url=resolved_url,
            headers=headers,
            transport=transport,
            limiter=limiter,
        )
        self._bind(
            RequestOptions(
                timeout_seconds=DEFAULT_TIMEOUT if timeout is None else _timeout(timeout),
                retry=_policy(retry, RetryPolicy, "retry"),
                poll=_policy(poll, PollPolicy, "poll"),
                deadline=_request_deadline(request_deadline, timeout),
                max_response_bytes=_max_bytes(max_response_bytes),
                status_callbacks=_receiver(status_callbacks),
            )
        )

    def _bind(self, options: RequestOptions) -> None:
        requester = Requester(self._connection, options, self._clock)
        self._requester = requester
        self._options = options

    # Each resource (and the generated modules and models it needs) is imported when it is
    # first used: a gateway that only fetches SIMs never loads the Commands machinery.

    @functools.cached_property
    def sims(self) -> SimsResource:
        """SIMs: fetch, update, delete, list, usage records, data sessions."""
        from ._resources._sims import SimsResource

        return SimsResource(self._requester)

    @functools.cached_property
    def commands(self) -> CommandsResource:
        """Commands: create (send), fetch, delete, list."""
        from ._resources._commands import CommandsResource

        return CommandsResource(self._requester)

    @functools.cached_property
    def rate_plans(self) -> RatePlansResource:
        """Rate Plans: create, fetch, update, delete, list."""
        from ._resources._rate_plans import RatePlansResource

        return RatePlansResource(self._requester)

    @functools.cached_property
    def usage_records(self) -> UsageRecordsResource:
        """Account-wide usage records."""
        from ._resources._usage_records import UsageRecordsResource

        return UsageRecordsResource(self._requester)

    @property
    def base_url(self) -> str:
        """The API root requests go to (after edge/region)."""
        return self._connection.base_url

    @property
    def http_client(self) -> httpx.AsyncClient | None:
        """The `httpx.AsyncClient` you passed, which requests go through; else None."""
        return self._http_client

    @property
    def timeout(self) -> httpx.Timeout:
        """The timeout applied to each request of this client or view."""
        import httpx  # deferred: the default request path never imports it

        return httpx.Timeout(**self._options.timeout_seconds)

    @property
    def retry(self) -> RetryPolicy:
        """The retry policy of this client or view."""
        return self._options.retry

    @property
    def poll(self) -> PollPolicy:
        """How this client or view waits for SIM changes accepted with 202."""
        return self._options.poll

    @property
    def clock(self) -> Clock:
        """The `Clock` retry backoff and 202 polling wait on (`with_options()` views share it).

        Prefer passing `clock=` to the constructor. Setting it replaces the clock of this
        client (or view) and of the views made from it afterwards, not of views made
        before; a clock that is not a `Clock` raises ValueError.
        """
        return self._clock

    @clock.setter
    def clock(self, clock: Clock) -> None:
        self._clock = self._requester.clock = check_clock(clock)

    def with_options(
        self,
        *,
        timeout: float | httpx.Timeout | _Unset = _DEFAULT,
        retry: RetryPolicy | _Unset = _DEFAULT,
        poll: PollPolicy | _Unset = _DEFAULT,
        request_deadline: float | _Unset | None = _DEFAULT,
        max_response_bytes: int | _Unset = _DEFAULT,
        status_callbacks: StatusCallbackReceiver | _Unset | None = _DEFAULT,
    ) -> Self:
        """A view of this client with other settings, sharing its connection pool.

        For example `client.with_options(retry=tw.RetryPolicy.none()).sims.fetch(sid)`.
        Closing the original closes the pool for every view; closing a view does nothing.
        """
        view = object.__new__(type(self))
        view._account_sid = self._account_sid
        view._http_client = self._http_client
        view._connection = self._connection
        view._clock = self._clock
        # Only what is given changes; a new `timeout` number also becomes the deadline
        # (unless `request_deadline` is given), as in the constructor.
        changes: dict[str, Any] = {}
        if not isinstance(timeout, _Unset):
            changes["timeout_seconds"] = _timeout(timeout)
        if not isinstance(retry, _Unset):
            changes["retry"] = _policy(retry, RetryPolicy, "retry")
        if not isinstance(poll, _Unset):
            changes["poll"] = _policy(poll, PollPolicy, "poll")
        if not (isinstance(request_deadline, _Unset) and isinstance(timeout, _Unset)):
            given_timeout = None if isinstance(timeout, _Unset) else timeout
            changes["deadline"] = _request_deadline(request_deadline, given_timeout)
        if not isinstance(max_response_bytes, _Unset):
            changes["max_response_bytes"] = _max_bytes(max_response_bytes)
        if not isinstance(status_callbacks, _Unset):
            changes["status_callbacks"] = _receiver(status_callbacks)
        view._bind(attrs.evolve(self._options, **changes))
        view._is_view = True
        return view

    _is_view = False

    async def aclose(self) -> None:
        """Close the connection pool (unless it belongs to your `http_client`)."""
        if not self._is_view:
            await self._connection.aclose()

    async def __aenter__(self) -> Self:
        # The connection pool's set-up (aiohttp's import, the TLS context) starts now, in
        # a worker thread: the first request need not wait for all of it.
        if not self._connection.closed:  # a closed client sends nothing: nothing to set up
            self._connection.transport.prepare()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    def __repr__(self) -> str:
        account = _mask(self._account_sid) if self._account_sid else "api-key"
        return f"<WirelessClient account={account} base_url={self.base_url!r}>"


def _credentials(
    account_sid: str | None,
    auth_token: str | None,
    api_key: str | None,
    api_secret: str | None,
) -> tuple[str, str, str | None]:
    """(Basic auth username, password, account SID) from arguments or the environment."""
    env = os.environ
    account_sid = account_sid or env.get("TWILIO_ACCOUNT_SID") or None
    # Arguments win over the environment: an explicit auth_token is never replaced by an
    # API key from TWILIO_API_*, and an explicit api_key never by TWILIO_AUTH_TOKEN.
    if not (auth_token or api_key or api_secret):
        api_key = env.get("TWILIO_API_KEY") or None
        api_secret = env.get("TWILIO_API_SECRET") or None
    elif api_key or api_secret:
        api_key = api_key or env.get("TWILIO_API_KEY") or None
        api_secret = api_secret or env.get("TWILIO_API_SECRET") or None
    if account_sid is not None and (
        not isinstance(account_sid, str)
        or not account_sid.startswith("AC")
        or len(account_sid) != 34
    ):
        raise ValueError(
            f"account_sid: expected an Account SID (AC + 32 hex digits), got "
            f"{_mask(str(account_sid))!r}"
        )
    if api_key or api_secret:
        if not api_key or not api_secret:
            lacking = (
                "api_key (TWILIO_API_KEY)" if not api_key else "api_secret (TWILIO_API_SECRET)"
            )
            raise ValueError(f"missing credentials: {lacking} is needed with the other")
        if not api_key.startswith("SK"):
            raise ValueError(f"api_key: expected an API Key SID (SK...), got {_mask(api_key)!r}")
        return api_key, api_secret, account_sid
    auth_token = auth_token or env.get("TWILIO_AUTH_TOKEN") or None
    missing = [
        name
        for name, value in (
            ("account_sid (or TWILIO_ACCOUNT_SID)", account_sid),
            ("auth_token (or TWILIO_AUTH_TOKEN)", auth_token),
        )
        if not value
    ]
    if missing:
        raise ValueError(
            f"missing credentials: {' and '.join(missing)}; or give api_key and api_secret "
            "(TWILIO_API_KEY / TWILIO_API_SECRET)"
        )
    assert account_sid is not None
    assert auth_token is not None
    return account_sid, auth_token, account_sid


def _regional_base_url(base_url: str, edge: str | None, region: str | None) -> str:
    """Apply edge/region to a *.twilio.com host the way Twilio's SDKs do."""
    # Messages show the URL without userinfo, query or fragment (a token may be in any).
    if not isinstance(base_url, str):
        raise ValueError(f"base_url: expected a str, got {type(base_url).__name__}")
    if any(c.isspace() or ord(c) < 32 or c == "\x7f" for c in base_url):
        raise ValueError(
            f"base_url: {_shown_url(base_url)} is not a URL (it contains whitespace or "
            "control characters)"
        )
    try:
        url = urlsplit(base_url)
        port = url.port  # a port that is not a number in range raises here
    except ValueError:
        raise ValueError(
            f"base_url: {_shown_url(base_url)} is not a URL (its host or port is invalid)"
        ) from None
    if url.username is not None or url.password is not None:
        raise ValueError("base_url: must not contain credentials; pass them as arguments")
    scheme, host = url.scheme.lower(), (url.hostname or "")
    if scheme not in {"http", "https"} or not host or not _HOST.match(host):
        raise ValueError(
            f"base_url: {_shown_url(base_url)} is not valid; expected an http(s):// URL"
        )
    if url.query or url.fragment or base_url.rstrip().endswith(("?", "#")):
        raise ValueError(f"base_url: {_shown_url(base_url)} must not have a query or fragment")
    if (edge or region) and host.endswith(_TWILIO_HOST_SUFFIX):
        pieces = host.split(".")
        prefix, suffix = pieces[0], ".".join(pieces[-2:])
        current_edge = pieces[1] if len(pieces) == 5 else None
        current_region = pieces[2] if len(pieces) == 5 else pieces[1] if len(pieces) == 4 else None
        edge = edge or current_edge
        region = region or current_region or ("us1" if edge else None)
        host = ".".join(part for part in (prefix, edge, region, suffix) if part)
    netloc = f"[{host}]" if ":" in host else host
    if port is not None and port != {"http": 80, "https": 443}[scheme]:
        netloc += f":{port}"
    return f"{scheme}://{netloc}{url.path}".rstrip("/")


P = TypeVar("P", RetryPolicy, PollPolicy)


def _policy(value: P | None, kind: type[P], param: str) -> P:
    if value is None:
        return kind()
    if not isinstance(value, kind):
        raise ValueError(f"{param}: expected a {kind.__name__}, got {value!r}")
    return value


def _is_httpx(value: object, name: str) -> bool:
    """Whether `value` is an instance of httpx's `name` (without importing httpx: whoever
    made one has imported it already)."""
    httpx = sys.modules.get("httpx")
    return httpx is not None and isinstance(value, getattr(httpx, name))


def _timeout(value: object) -> Mapping[str, float | None]:
    """Seconds per phase (connect, read, write, pool) from seconds or an httpx.Timeout."""
    if _is_httpx(value, "Timeout"):
        seconds: dict[str, float | None] = value.as_dict()  # type: ignore[attr-defined]
        return MappingProxyType(seconds)
    if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
        raise ValueError(
            f"timeout: {value!r} is not valid; expected seconds > 0 or an httpx.Timeout"
        )
    every = float(value)
    return MappingProxyType({"connect": every, "read": every, "write": every, "pool": every})


# What a User-Agent extension may hold: visible ASCII (an HTTP header value's characters,
# no obs-text), with single spaces between words, e.g. "gateway/1.4 (linux; arm64)".
_USER_AGENT_PART = re.compile(r"[!-~]+( [!-~]+)*\Z")


def _user_agent(extensions: Sequence[str]) -> str:
    if isinstance(extensions, str | bytes | bytearray):
        raise ValueError("user_agent_extensions: expected a list of strings, got a single value")
    try:
        given = list(extensions)
    except TypeError:
        raise ValueError(
            f"user_agent_extensions: expected a list of strings, got {type(extensions).__name__}"
        ) from None
    for part in given:
        if not isinstance(part, str) or not _USER_AGENT_PART.match(part):
            shown = repr(part) if len(repr(part)) <= 80 else repr(part)[:80] + "..."
            raise ValueError(
                f"user_agent_extensions: {shown} is not valid in a User-Agent header; expected "
                "non-empty strings of visible ASCII (letters, digits, punctuation such as "
                "'/', '.', '-', '(', ')'), with single spaces only between words"
            )
    return " ".join(
        [f"twilio-wireless/{__version__}", f"python/{platform.python_version()}", *given]
    )


def _refuse_cleartext(base_url: str, http_client: httpx.AsyncClient | None) -> None:
    """Refuse an http:// base URL that would put Basic credentials on a network in clear.

    Allowed without `allow_insecure_http`: a loopback host (the bytes never leave this
    machine), and an `http_client` whose transport for the base URL is in-process
    (`httpx.ASGITransport`, e.g. the simulator's, or `httpx.MockTransport`): nothing is
    sent at all. A host name is not enough to tell (`wireless.simulator` could resolve),
    nor is an http_client alone (a proxy client still sends over the network).
    """
    url = urlsplit(base_url)
    if url.scheme != "http":
        return
    host = (url.hostname or "").lower().rstrip(".")
    if host == "localhost":
        return
    import ipaddress  # deferred: only a plain http:// base URL needs it

    try:
        if ipaddress.ip_address(host).is_loopback:
            return
    except ValueError:
        pass
    if http_client is not None and _in_process(http_client, base_url):
        return
    raise ValueError(
        f"base_url: plain http:// to {url.netloc!r}, not this machine, would send your "
        "credentials unencrypted; use https://, or pass allow_insecure_http=True if the "
        "network to it is trusted"
    )


def _in_process(http_client: httpx.AsyncClient, base_url: str) -> bool:
    """Whether `http_client` answers `base_url` in-process (ASGI app or mock), not on a wire."""
    import httpx

    try:
        transport = http_client._transport_for_url(httpx.URL(base_url))
    except Exception:  # a private httpx API: when it changes, assume the network
        return False
    return isinstance(transport, httpx.ASGITransport | httpx.MockTransport)


_MAX_CA_BUNDLE_BYTES = 64 * 1024 * 1024


def _check_ca_environment() -> None:
    """SSL_CERT_FILE / SSL_CERT_DIR, as the TLS context will read them, can serve: a PEM
    file / a directory that can be read (what SSL_CERT_DIR holds is left to OpenSSL)."""
    cafile = os.environ.get("SSL_CERT_FILE")
    if cafile:
        try:
            with open(cafile, "rb") as bundle:
                # A PEM bundle (all `cafile` may be) names its certificates in clear; a few
                # hundred KB read once, instead of an ssl.SSLError at the first request.
                pem = b"CERTIFICATE-----" in bundle.read(_MAX_CA_BUNDLE_BYTES)
        except OSError:
            pem = None
        if not pem:
            what = "a readable file" if pem is None else "a PEM file of CA certificates"
            raise ValueError(
                f"SSL_CERT_FILE: {cafile!r} is not {what}; point it at a CA bundle (PEM), "
                "or unset it to use certifi's"
            )
        return
    capath = os.environ.get("SSL_CERT_DIR")
    if capath and not (os.path.isdir(capath) and os.access(capath, os.R_OK | os.X_OK)):
        raise ValueError(
            f"SSL_CERT_DIR: {capath!r} is not a readable directory; point it at a directory "
            "of CA certificates, or unset it to use certifi's bundle"
        )


def _shown_url(url: str) -> str:
    """A base URL for a message: no userinfo, query or fragment, bounded."""
    scheme, separator, rest = url.partition("://")
    cut = min((i for i in (rest.find("?"), rest.find("#")) if i >= 0), default=-1)
    tail = "..." if cut >= 0 else ""
    rest = rest[:cut] if cut >= 0 else rest
    authority, slash, path = rest.partition("/")
    if "@" in authority:
        authority = "***@" + authority.rpartition("@")[2]
    shown = f"{scheme}{separator}{authority}{slash}{path}"[:200] + tail
    return repr(shown)


def _redact(message: str, password: str) -> str:
    """`message` with the secret (auth token or API secret) blotted out, wherever it is."""
    return message.replace(password, "***") if len(password) >= 4 else message


def _mask(secret: str) -> str:
    return secret[:4] + "..." + secret[-4:] if len(secret) > 12 else "***"


# Without a number for `timeout`, one attempt may take this long in all (a 1000-SIM page
# is ~1.3 MB: about 10 s at 1 Mbit/s).
DEFAULT_REQUEST_DEADLINE = 60.0


def _request_deadline(value: object, timeout: object) -> float | None:
    if isinstance(value, _Unset):
        if isinstance(timeout, int | float) and not isinstance(timeout, bool) and timeout > 0:
            return float(timeout)
        return DEFAULT_REQUEST_DEADLINE
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
        raise ValueError(f"request_deadline: {value!r} is not valid; expected seconds > 0 or None")
    return float(value)


def _max_bytes(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(
            f"max_response_bytes: {value!r} is not valid; expected a number of bytes >= 1"
        )
    return value


def _receiver(value: object) -> StatusCallbackReceiver | None:
    if value is None:
        return None
    from ._webhooks import StatusCallbackReceiver  # deferred: most clients have none

    if not isinstance(value, StatusCallbackReceiver):
        raise ValueError(
            "status_callbacks: expected a StatusCallbackReceiver or None, "
            f"got {type(value).__name__}"
        )
    return value

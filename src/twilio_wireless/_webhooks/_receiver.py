"""StatusCallbackReceiver: an ASGI endpoint for SIM status callbacks, and waits on them."""

from __future__ import annotations

import collections
import hmac
import json
import logging
import weakref
from collections.abc import Awaitable, Callable, Iterable, Mapping, MutableMapping
from types import TracebackType
from typing import TYPE_CHECKING, Any, Final, Self, cast
from urllib.parse import parse_qsl, unquote, unquote_to_bytes, urlsplit, urlunsplit

from .. import _runtime
from .._checks import check_count
from .._clock import Clock, check_clock, is_system_sleep, wait_event
from .._signature import (
    _BODY_HASH_PARAM,
    IDEMPOTENCY_HEADER,
    SIGNATURE_HEADER,
    SIGNATURE_SETTINGS_HEADER,
    WebhookValidator,
    body_sha256,
    signature_algorithm,
    url_variants,
)
from ._callback import CallbackResult, SimStatusCallback

if TYPE_CHECKING:
    import asyncio

__all__ = ["CallbackWaiter", "StatusCallbackReceiver"]

logger = logging.getLogger("twilio_wireless.webhooks")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
Headers = Mapping[str, str] | Iterable[tuple[str, str]]

# Twilio's callbacks are a few hundred bytes: anything far larger is not one.
MAX_BODY_BYTES: Final = 256 * 1024
_MAX_FIELDS: Final = 1000
_ALLOW: Final = (("Allow", "GET, POST"),)


def _redacted(url: str) -> str:
    """`url` without credentials (userinfo) and fragment, for messages and reprs."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<an invalid URL>"
    netloc = parts.netloc.rpartition("@")[2]
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, ""))


_SIGNATURE_KEY = SIGNATURE_HEADER.lower()
_SETTINGS_KEY = SIGNATURE_SETTINGS_HEADER.lower()
_IDEMPOTENCY_KEY = IDEMPOTENCY_HEADER.lower()


def _lower_headers(headers: Headers | Iterable[tuple[bytes, bytes]]) -> dict[str, str]:
    """Header names lowercased (a repeated header: the first one counts); an ASGI scope's
    raw (bytes, bytes) headers are decoded as latin-1."""
    items = headers.items() if isinstance(headers, Mapping) else headers
    lowered: dict[str, str] = {}
    for name, value in items:
        if isinstance(name, bytes):  # an ASGI scope's
            name, value = name.decode("latin-1"), cast(bytes, value).decode("latin-1")
        lowered.setdefault(cast(str, name).lower(), cast(str, value))
    return lowered


class _SeenTokens:
    """Idempotency tokens already delivered: at most `size`, each for `ttl` seconds."""

    def __init__(self, size: int, ttl: float, clock: Clock) -> None:
        self._size = size
        self._ttl = ttl
        self._clock = clock
        self._expiry: collections.OrderedDict[str, float] = collections.OrderedDict()

    def _purge(self, now: float) -> None:
        # Same TTL for all and a monotonic clock: the oldest entries expire first.
        while self._expiry:
            token, expires = next(iter(self._expiry.items()))
            if expires > now:
                break
            del self._expiry[token]

    def seen(self, token: str) -> bool:
        self._purge(self._clock())
        return token in self._expiry

    def add(self, token: str) -> None:
        self._expiry[token] = self._clock() + self._ttl
        self._expiry.move_to_end(token)
        while len(self._expiry) > self._size:
            self._expiry.popitem(last=False)

    def __len__(self) -> int:
        return len(self._expiry)


def _expire(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


class CallbackWaiter:
    """Interest in the next SIM status callback for one SIM, from `receiver.expect()`.

    It catches callbacks that arrive from its creation on, whether or not something is
    awaiting `wait()` at that moment, so create it *before* the request whose callback it
    waits for. It is one-shot: once a callback matched, `done` is True and `wait()`
    returns that callback at once. `close()` (or leaving `with waiter:`) stops it; a
    waiter nobody references any more is dropped by the receiver by itself.
    """

    def __init__(
        self,
        receiver: StatusCallbackReceiver,
        sim: str,
        statuses: frozenset[str] | None,
        match: Callable[[SimStatusCallback], bool] | None,
    ) -> None:
        self.sim = sim
        """The SIM SID or unique name this waiter is for."""
        self._receiver = receiver
        self._statuses = statuses
        self._match = match
        self._result: SimStatusCallback | None = None
        # What a wait() in progress sleeps on: a bare future on asyncio (see wait()), an
        # event otherwise (and for a second wait() at the same time).
        self._future: asyncio.Future[None] | None = None
        self._event: _runtime.Event | None = None
        self._closed = False
        # Called with the matching callback as it arrives: a batch's wait without a task.
        self._then: Callable[[SimStatusCallback], None] | None = None
        # The receiver holds this, not the waiter: a waiter dropped without close() goes.
        self._ref = weakref.KeyedRef(self, receiver._drop_waiter, sim)

    def __repr__(self) -> str:
        state = "done" if self.done else "closed" if self._closed else "waiting"
        wanted = f" status in {sorted(self._statuses)}" if self._statuses else ""
        return f"<CallbackWaiter {self.sim}{wanted} {state}>"

    @property
    def done(self) -> bool:
        """True once a matching callback arrived."""
        return self._result is not None

    @property
    def result(self) -> SimStatusCallback | None:
        """The matching callback, once `done`."""
        return self._result

    def _offer(self, callback: SimStatusCallback) -> bool:
        if self._closed or self._result is not None:
            return False
        if self._statuses is not None and callback.status not in self._statuses:
            return False
        if self._match is not None:
            try:
                matched = self._match(callback)
            except Exception:
                # One waiter's predicate must not fail the delivery to the others.
                logger.exception("a CallbackWaiter's match for %s raised", self.sim)
                return False
            if not matched:
                return False
        self._result = callback
        self._receiver._forget(self)
        self._wake()
        then, self._then = self._then, None
        if then is not None:
            then(callback)
        return True

    def _wake(self) -> None:
        future = self._future
        if future is not None and not future.done():
            future.set_result(None)
        if self._event is not None:
            self._event.set()

    async def wait(
        self,
        timeout: float | None = None,  # noqa: ASYNC109 (waits on the given clock, not a cancel scope)
        *,
        sleep: Callable[[float], Awaitable[object]] | None = None,
    ) -> SimStatusCallback | None:
        """Wait for the matching callback; None if `timeout` seconds pass first (or the
        waiter is closed meanwhile).

        The waiter stays armed after a timeout, so a polling loop can call this in place
        of each sleep between polls: `await waiter.wait(interval, sleep=clock.sleep)`.

        Args:
            timeout: seconds to wait at most; None waits until the callback comes.
            sleep: what waits out `timeout` (e.g. a client's `clock.sleep`, so a fake
                clock drives it); default: the receiver's clock.
        """
        if self._result is not None:
            return self._result
        if self._closed:
            raise RuntimeError("this CallbackWaiter is closed; ask the receiver for a new one")
        sleep = sleep or self._receiver._clock.sleep
        if (
            self._future is None
            and (timeout is None or is_system_sleep(sleep))
            and _runtime.on_asyncio()
        ):
            await self._wait_on_asyncio(timeout)
            return self._result
        if self._event is None:
            self._event = _runtime.new_event()
        event = self._event
        if timeout is None:
            await event.wait()
            return self._result
        await wait_event(event, timeout, sleep)
        return self._result

    async def _wait_on_asyncio(self, seconds: float | None) -> None:
        # A future and a timer on the loop: a batch waits here once for every SIM, and an
        # event with a timeout scope (wait_event) keeps three coroutines, the event's queue
        # and future and the scope alive per SIM for the cyclic GC to walk, for seconds.
        import asyncio  # only here: on asyncio

        loop = asyncio.get_running_loop()
        future = self._future = loop.create_future()
        timer = None if seconds is None else loop.call_later(max(seconds, 0.0), _expire, future)
        try:
            await future
        finally:
            self._future = None
            if timer is not None:
                timer.cancel()

    def close(self) -> None:
        """Stop waiting (idempotent); a `wait()` in progress returns `result` at once."""
        self._closed = True
        self._receiver._forget(self)
        self._wake()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class StatusCallbackReceiver:
    """Receives Twilio's SIM status callbacks: checks their signature, drops repeated
    deliveries, and hands each one to your hook and to whoever waits for it.

    It is an ASGI application: mount it where Twilio's callbacks arrive (Starlette's
    `Mount`, FastAPI's `app.mount`, or serve it alone with uvicorn), and pass
    `receiver.url` as the `CallbackUrl` of SIM updates. Other frameworks call
    `handle(method, url, headers, body)` and send back the `CallbackResult`.

        receiver = tw.StatusCallbackReceiver(
            auth_token, public_url="https://hooks.example.com/twilio/sim-status"
        )
        app.mount("/twilio/sim-status", receiver)
        waiting = receiver.expect(sid, status="active")  # before the request
        await client.sims.update(sid, status="active", callback_url=receiver.url, wait=False)
        callback = await waiting.wait(timeout=120)

    Answers: 200 for a callback with a valid X-Twilio-Signature (POST form body, or GET
    query), also for a repeated delivery (same I-Twilio-Idempotency-Token), which is not
    delivered again; 403 (with a plain-text reason) for a missing or wrong signature: a
    forged one, altered parameters or body, or a signature made for another URL; 400 for
    a signed request that is not a SIM status callback; 405 for other methods.

    The public URL: Twilio signs the URL it calls, which is the URL you configured. Behind
    a reverse proxy, load balancer or tunnel, the scheme, host, port and path the app
    sees differ from it, so the receiver never builds the URL from the request: it takes
    scheme, host and path from `public_url` and only the query string from the request
    (Twilio signs the raw query; for a GET callback its parameters are in it). Requests
    signed for any other URL are refused, so one receiver serves one endpoint.

    Waiting (for `client.sims.begin_update(..., callback=receiver)` and your own code):
    `expect(sim, status=...)` registers interest at once and returns a `CallbackWaiter`
    whose `wait(timeout, sleep=...)` returns the callback, or None on timeout while
    staying armed; `wait_for()` does both and raises TimeoutError. A waiter sees only
    callbacks that arrive after it was made, so make it before sending the update, then
    wait in place of each poll interval and poll as a fallback. Waiters, the hook and the
    ASGI app run on one event loop (asyncio or trio); `handle()` is not thread-safe.

    Args:
        auth_token: the account's auth token, the key Twilio signs with. Never shown in
            reprs, logs or messages.
        public_url: the exact URL Twilio calls (the `CallbackUrl` you give it), as seen
            from the internet: `https://host[:port]/path[?query]`.
        on_callback: called with each new `SimStatusCallback` (a plain function: hand
            slow work to a task or queue). If it raises, the answer is 500 and a repeated
            delivery is handed over again.
        shared_key_secret: the SharedKey secret, if a Twilio Webhooks Rule signs these
            callbacks (they carry X-Twilio-Webhooks-Signature-Settings).
        clock: measures the idempotency-token TTL and waiter timeouts (default: the
            system clock; tests pass `twilio_wireless.testing.FakeClock()`).
        dedupe_ttl: seconds an idempotency token is remembered (Twilio retries within
            seconds; the default is an hour).
        dedupe_size: how many idempotency tokens are remembered at most (oldest dropped).

    Raises:
        ValueError: `public_url` is not an absolute http(s) URL, or another argument is
            out of range.
    """

    def __init__(
        self,
        auth_token: str,
        *,
        public_url: str,
        on_callback: Callable[[SimStatusCallback], object] | None = None,
        shared_key_secret: str | None = None,
        clock: Clock | None = None,
        dedupe_ttl: float = 3600.0,
        dedupe_size: int = 10_000,
    ) -> None:
        self._validator = WebhookValidator(auth_token)
        self._shared_key_secret = shared_key_secret or None
        self._shared_validators: dict[str, WebhookValidator] = {}
        try:
            parts = urlsplit(public_url)
        except ValueError:
            parts = None
        if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(
                f"public_url: {_redacted(public_url)!r} is not valid; expected the absolute "
                "http(s):// URL Twilio calls"
            )
        if (
            isinstance(dedupe_ttl, bool)
            or not isinstance(dedupe_ttl, int | float)
            or dedupe_ttl <= 0
        ):
            raise ValueError(f"dedupe_ttl: {dedupe_ttl!r} is not valid; expected seconds > 0")
        check_count("dedupe_size", dedupe_size)
        self._public_url = public_url
        self._public_parts = parts
        # What every signed URL starts and ends with, worked out once: the public URL
        # without its query (as given, without its port and with the scheme's, see
        # url_variants), then the request's query, then (or not) the fragment.
        bases = url_variants(urlunsplit(parts._replace(query="", fragment="")))
        endings = ("", f"#{parts.fragment}") if parts.fragment else ("",)
        self._url_shapes = tuple((base, ending) for ending in endings for base in bases)
        self._on_callback = on_callback
        self._clock = check_clock(clock)
        self._seen = _SeenTokens(dedupe_size, float(dedupe_ttl), self._clock)
        # One plain list of weak references per SIM: a batch keeps thousands of waiters,
        # and a WeakSet with a finalize each was ~10 objects for the cyclic GC to track.
        self._waiters: dict[str, list[weakref.KeyedRef[str, CallbackWaiter]]] = {}
        self._delivered = 0

    def __repr__(self) -> str:
        return f"<StatusCallbackReceiver {_redacted(self._public_url)} delivered={self._delivered}>"

    @property
    def delivered(self) -> int:
        """How many callbacks were handed to the application (repeats not counted)."""
        return self._delivered

    @property
    def url(self) -> str:
        """The URL to give Twilio as `CallbackUrl` (the configured `public_url`)."""
        return self._public_url

    @property
    def method(self) -> str:
        """The `CallbackMethod` to give Twilio with `url`: `"POST"` (GET works too)."""
        return "POST"

    # --- waiting ---------------------------------------------------------------------------

    def expect(
        self,
        sim: str,
        *,
        status: str | Iterable[str] | None = None,
        match: Callable[[SimStatusCallback], bool] | None = None,
    ) -> CallbackWaiter:
        """Start catching the next callback for `sim`; `await waiter.wait()` returns it.

        Args:
            sim: the SIM's SID, or its unique name (matched against `UniqueName`; the
                name the SIM has once the change is done).
            status: only a callback reporting this status (or one of these) counts, e.g.
                `"active"`, skipping the intermediate `ready` Twilio may report first.
            match: only a callback for which this returns True counts, e.g.
                `lambda cb: cb.reset_status == "completed"` for a connectivity reset.
        """
        statuses = None
        if status is not None:
            statuses = frozenset((status,) if isinstance(status, str) else status)
        waiter = CallbackWaiter(self, sim, statuses, match)
        self._waiters.setdefault(sim, []).append(waiter._ref)
        return waiter

    async def wait_for(
        self,
        sim: str,
        *,
        status: str | Iterable[str] | None = None,
        match: Callable[[SimStatusCallback], bool] | None = None,
        timeout: float | None = None,  # noqa: ASYNC109 (waits on the receiver's clock)
    ) -> SimStatusCallback:
        """Wait for the next callback for `sim` (arriving from now on) and return it.

        Start it before the change can complete (e.g. in a task started before the
        update), or use `expect()`, which registers at once.

        Args:
            sim, status, match: as for `expect()`.
            timeout: seconds to wait at most, on the receiver's clock; None: no limit.

        Raises:
            TimeoutError: no matching callback within `timeout`.
        """
        with self.expect(sim, status=status, match=match) as waiter:
            callback = await waiter.wait(timeout)
        if callback is None:
            raise TimeoutError(f"no status callback for SIM {sim} within {timeout} s")
        return callback

    def _candidate_urls(self, query: str) -> list[str]:
        """The URLs Twilio may have signed: public_url with the request's raw query, with
        and without its fragment, each in every port variant (see `url_variants`)."""
        tail = f"?{query}" if query else ""
        return [base + tail + ending for base, ending in self._url_shapes]

    def _forget(self, waiter: CallbackWaiter) -> None:
        self._drop_waiter(waiter._ref)

    def _drop_waiter(self, ref: weakref.KeyedRef[str, CallbackWaiter]) -> None:
        """Unregister a waiter: closed, done, or (called by its weak reference) dropped."""
        refs = self._waiters.get(ref.key)
        if refs is not None:
            if ref in refs:
                refs.remove(ref)
            if not refs:
                del self._waiters[ref.key]

    def _notify(self, callback: SimStatusCallback) -> None:
        keys = {callback.sim_sid}
        if callback.unique_name:
            keys.add(callback.unique_name)
        for key in keys:
            for ref in tuple(self._waiters.get(key, ())):  # a match unregisters itself
                waiter = ref()
                if waiter is not None:
                    waiter._offer(callback)

    # --- receiving -------------------------------------------------------------------------

    def handle(self, method: str, url: str, headers: Headers, body: bytes) -> CallbackResult:
        """Check and deliver one request; the framework-neutral core of the ASGI app.

        Args:
            method: the HTTP method.
            url: the URL requested, as your framework sees it (full, or path and query):
                only its raw query string is used (see the class docstring); the rest is
                `public_url`'s.
            headers: the request headers (any case).
            body: the raw request body.

        Returns:
            What to answer (see `CallbackResult`); `.callback` is the parsed callback.
        """
        try:
            query = urlsplit(url).query
        except ValueError:
            query = None
        return self._handle(method, query, _lower_headers(headers), body, lambda: url)

    def _handle(
        self,
        method: str,
        query: str | None,
        lowered: dict[str, str],
        body: bytes,
        seen_url: Callable[[], str],
    ) -> CallbackResult:
        """`handle()` with the query split off (None: the URL is not valid) and the header
        names lowercased; `seen_url()` is the URL, for a message only."""
        method = method.upper()
        if method not in ("GET", "POST"):
            return self._reject(405, f"method {method[:16]} not allowed: use POST or GET", _ALLOW)
        if len(body) > MAX_BODY_BYTES:
            return self._reject(413, f"body larger than {MAX_BODY_BYTES} bytes")
        signature = lowered.get(_SIGNATURE_KEY)
        if not signature:
            return self._reject(403, f"missing {SIGNATURE_HEADER} header: not signed by Twilio")
        validator = self._validator_for(lowered.get(_SETTINGS_KEY))
        if isinstance(validator, str):
            return self._reject(403, validator)
        if query is None:
            return self._reject(400, "the request URL is not valid")

        content_type = lowered.get("content-type", "").split(";")[0].strip().lower()
        if method == "POST" and content_type == "application/json":
            # The body hash and signature first: nothing of an unsigned body is parsed.
            reason = self._check_body(validator, query, body, signature)
            if reason is not None:
                return self._reject(403, reason)
            try:
                params = _json_params(body)
            except ValueError as exc:
                return self._reject(400, str(exc))
        else:
            # A form is parsed first: its parameters are part of what is signed.
            try:
                params = _form_params(query if method == "GET" else body)
            except ValueError as exc:
                return self._reject(400, str(exc))
            form = params if method == "POST" else None
            if not validator._validate_any(self._candidate_urls(query), form, signature):
                return self._reject(403, self._mismatch(validator, seen_url(), form, signature))

        token = lowered.get(_IDEMPOTENCY_KEY) or None
        try:
            callback = SimStatusCallback.from_params(
                dict(params), method=method, idempotency_token=token
            )
        except ValueError as exc:
            return self._reject(400, str(exc))
        if token is not None and self._seen.seen(token):
            return CallbackResult(
                status_code=200,
                reason=f"duplicate delivery ({IDEMPOTENCY_HEADER} already seen): acknowledged",
                callback=callback,
                duplicate=True,
            )
        return self._deliver(callback, token)

    def _validator_for(self, settings: str | None) -> WebhookValidator | str:
        """The validator for a request, or why it cannot be checked."""
        if settings is None:
            return self._validator
        algorithm = signature_algorithm(settings)
        if self._shared_key_secret is None:
            return (
                f"signed with a SharedKey ({SIGNATURE_SETTINGS_HEADER}), but this receiver "
                "has no shared_key_secret to check it with"
            )
        # One validator per algorithm (two exist: the cache stays that small, since a
        # name WebhookValidator refuses is never stored).
        name = algorithm.upper()
        validator = self._shared_validators.get(name)
        if validator is None:
            try:
                validator = WebhookValidator(self._shared_key_secret, algorithm=name)
            except ValueError:
                return f"unsupported signature algorithm {algorithm[:40]!r}"
            self._shared_validators[name] = validator
        return validator

    def _check_body(
        self, validator: WebhookValidator, query: str, body: bytes, signature: str
    ) -> str | None:
        """Why a JSON body's request is not Twilio's (None: it is): hash, then signature."""
        claimed = parse_qsl(query, keep_blank_values=True)
        hashes = [value for name, value in claimed if name == _BODY_HASH_PARAM]
        if not hashes:
            return f"a JSON body needs {_BODY_HASH_PARAM} in the URL to be checked"
        if not hmac.compare_digest(hashes[0].encode(), body_sha256(body).encode()):
            return f"the body does not match {_BODY_HASH_PARAM}: it was altered"
        # The hash is checked: what is left is validate_body's URL signature, without it
        # parsing the query and hashing the body again for each URL tried.
        if validator._validate_any(self._candidate_urls(query), None, signature):
            return None
        return self._mismatch(validator, None, None, signature)

    def _mismatch(
        self,
        validator: WebhookValidator,
        seen_url: str | None,
        params: list[tuple[str, str]] | None,
        signature: str,
    ) -> str:
        # If the signature fits the URL as this server saw it, Twilio was given another
        # URL than public_url (or a proxy is in between): say so, it is a config error.
        if (
            seen_url is not None
            and _absolute(seen_url)
            and validator.validate(seen_url, params, signature)
        ):
            return (
                f"{SIGNATURE_HEADER} was made for {_redacted(seen_url)}, not for this "
                f"receiver's public_url {_redacted(self._public_url)}: set public_url to the "
                "URL Twilio calls"
            )
        return (
            f"{SIGNATURE_HEADER} does not match this request: it is forged, or the "
            "parameters or the URL differ from what Twilio signed (checked against "
            f"{_redacted(self._candidate_urls('')[0])} and the request's query string)"
        )

    def _deliver(self, callback: SimStatusCallback, token: str | None) -> CallbackResult:
        self._notify(callback)
        if self._on_callback is not None:
            try:
                self._on_callback(callback)
            except Exception as exc:
                # The token is not remembered: a retry of this delivery is handed over again.
                logger.exception("on_callback failed for SIM %s", callback.sim_sid)
                return CallbackResult(
                    status_code=500,
                    reason=f"the application's on_callback failed ({type(exc).__name__})",
                    callback=callback,
                )
        if token is not None:
            self._seen.add(token)
        self._delivered += 1
        return CallbackResult(status_code=200, reason="accepted", callback=callback)

    def _reject(
        self, status_code: int, reason: str, headers: tuple[tuple[str, str], ...] = ()
    ) -> CallbackResult:
        log = logger.warning if status_code == 403 else logger.info
        log("status callback refused (%d): %s", status_code, reason)
        return CallbackResult(status_code=status_code, reason=reason, headers=headers)

    # --- ASGI ------------------------------------------------------------------------------

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if kind == "websocket":
            await receive()  # websocket.connect
            await send({"type": "websocket.close", "code": 1003})
            return
        if kind != "http":
            return
        body = bytearray()
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            if len(body) > MAX_BODY_BYTES:
                # Answer without reading the rest: nothing this large is a callback.
                await _respond(send, self._reject(413, f"body larger than {MAX_BODY_BYTES} bytes"))
                return
            if not message.get("more_body", False):
                break
        lowered = _lower_headers(scope["headers"])
        query = scope.get("query_string", b"").decode("latin-1")
        result = self._handle(
            scope["method"], query, lowered, bytes(body), lambda: _scope_url(scope, lowered)
        )
        await _respond(send, result)


def _json_params(body: bytes) -> list[tuple[str, str]]:
    """A JSON body's members as parameters (values other than strings as JSON text)."""
    try:
        document = json.loads(body)
    except ValueError:
        raise ValueError("the JSON body is not valid JSON") from None
    if not isinstance(document, dict):
        raise ValueError("the JSON body is not an object")
    return [
        (str(key), value if isinstance(value, str) else json.dumps(value))
        for key, value in document.items()
    ]


def _form_params(source: str | bytes) -> list[tuple[str, str]]:
    """The parameters of a form body (POST) or of the query string (GET).

    `parse_qsl(source, keep_blank_values=True, max_num_fields=_MAX_FIELDS,
    errors="strict")`, pair for pair (a test holds them equal), in under half its time:
    most fields of a callback have nothing to decode, and are not sent through unquote.
    """
    if isinstance(source, bytes):
        try:
            source = source.decode("utf-8")
        except UnicodeDecodeError:
            raise ValueError("the form body is not UTF-8") from None
    if source.count("&") >= _MAX_FIELDS:
        raise ValueError("the parameters are not valid form data")
    pairs = []
    try:
        for field in source.split("&"):
            if field:
                name, _, value = field.partition("=")
                # (Inline: most fields have nothing to decode, and a call per field costs.)
                if "%" in name or "+" in name:
                    name = _form_decoded(name)
                if "%" in value or "+" in value:
                    value = _form_decoded(value)
                pairs.append((name, value))
    except UnicodeError:
        raise ValueError("the parameters are not valid form data") from None
    return pairs


def _form_decoded(text: str) -> str:
    if "+" in text:
        text = text.replace("+", " ")
    if "%" not in text:
        return text
    try:
        # unquote(text, errors="strict") gives the same text (or error), at twice the cost.
        return unquote_to_bytes(text).decode("utf-8")
    except UnicodeEncodeError:  # a str holding a lone surrogate: unquote keeps it
        return unquote(text, errors="strict")


def _absolute(url: str) -> bool:
    try:
        return bool(urlsplit(url).netloc)
    except ValueError:  # the Host header is the client's: it may be anything
        return False


def _scope_url(scope: Scope, lowered: dict[str, str]) -> str:
    """The URL as this server saw it (only its query is trusted; the rest diagnoses)."""
    host = lowered.get("host", "")
    raw_path = scope.get("raw_path")
    path = raw_path.decode("latin-1") if raw_path else scope.get("path", "/")
    query = scope.get("query_string", b"").decode("latin-1")
    url = f"{scope.get('scheme', 'http')}://{host}{path}" if host else path
    return f"{url}?{query}" if query else url


_ACKNOWLEDGED = [(b"content-length", b"0")]


async def _respond(send: Send, result: CallbackResult) -> None:
    if result.status_code == 200 and not result.duplicate and not result.headers:
        # Twilio reads only the status of an acknowledgement. With no body, the answer
        # leaves in one write (servers such as uvicorn write the start message at once
        # and nothing for an empty body): one send fewer per callback, on both sides.
        await send({"type": "http.response.start", "status": 200, "headers": _ACKNOWLEDGED})
        await send({"type": "http.response.body", "body": b""})
        return
    body = (result.reason + "\n").encode("utf-8")
    headers = [
        (b"content-type", b"text/plain; charset=utf-8"),
        (b"content-length", str(len(body)).encode("ascii")),
        *(
            (name.lower().encode("latin-1"), value.encode("latin-1"))
            for name, value in result.headers
        ),
    ]
    await send({"type": "http.response.start", "status": result.status_code, "headers": headers})
    await send({"type": "http.response.body", "body": body})

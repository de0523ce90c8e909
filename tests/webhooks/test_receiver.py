"""StatusCallbackReceiver: what it accepts, refuses and delivers, and waiting on it."""

from __future__ import annotations

import asyncio
import datetime as dt
import gc
import json
import logging
from collections.abc import AsyncIterator, Iterator
from urllib.parse import urlencode, urlsplit, urlunsplit

import httpx
import pytest
import trio

import twilio_wireless as tw
from twilio_wireless import _signature
from twilio_wireless.testing import FakeClock

TOKEN = "receiver-auth-token-0123456789abcdef"
PUBLIC = "https://hooks.example.com/twilio/sim-status"
SID = "DE" + "1" * 32


def params(**overrides: str) -> dict[str, str]:
    base = {
        "AccountSid": "AC" + "0" * 32,
        "SimSid": SID,
        "Sid": SID,
        "UniqueName": "pump-7",
        "Iccid": "8901260000000000007",
        "Status": "active",
        "RatePlanSid": "WP" + "2" * 32,
        "DateUpdated": "2026-11-23T10:00:00Z",
    }
    base.update(overrides)
    return base


def signed(
    form: dict[str, str],
    *,
    url: str = PUBLIC,
    token: str = TOKEN,
    idempotency: str | None = "idem-1",
) -> dict[str, str]:
    """Headers of a POST Twilio would send to `url` with `form`."""
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Twilio-Signature": _signature.compute_signature(token, url, form),
    }
    if idempotency is not None:
        headers["I-Twilio-Idempotency-Token"] = idempotency
    return headers


def post(
    receiver: tw.StatusCallbackReceiver,
    form: dict[str, str],
    headers: dict[str, str],
    url: str = PUBLIC,
) -> tw.CallbackResult:
    return receiver.handle("POST", url, headers, urlencode(form).encode())


@pytest.fixture
def delivered() -> list[tw.SimStatusCallback]:
    return []


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def receiver(delivered: list[tw.SimStatusCallback], clock: FakeClock) -> tw.StatusCallbackReceiver:
    return tw.StatusCallbackReceiver(
        TOKEN, public_url=PUBLIC, on_callback=delivered.append, clock=clock
    )


@pytest.fixture
async def http(receiver: tw.StatusCallbackReceiver) -> AsyncIterator[httpx.AsyncClient]:
    """Requests to the receiver's ASGI app, on the public URL's host."""
    transport = httpx.ASGITransport(app=receiver)
    async with httpx.AsyncClient(transport=transport, base_url="https://hooks.example.com") as c:
        yield c


# --- accepted -----------------------------------------------------------------------------


def test_a_signed_post_is_accepted_and_parsed(
    receiver: tw.StatusCallbackReceiver, delivered: list[tw.SimStatusCallback]
) -> None:
    form = params(UniqueName="", Extra="later-added")
    result = post(receiver, form, signed(form))
    assert (result.status_code, result.reason, result.ok, result.duplicate) == (
        200,
        "accepted",
        True,
        False,
    )
    callback = result.callback
    assert callback is not None
    assert delivered == [callback]
    assert callback.sim_sid == SID
    assert callback.status == tw.SimStatus.ACTIVE
    assert callback.status == "active"
    assert callback.account_sid == "AC" + "0" * 32
    assert callback.unique_name is None  # sent empty: the SIM has none
    assert callback.rate_plan_sid == "WP" + "2" * 32
    assert callback.date_updated == dt.datetime(2026, 11, 23, 10, tzinfo=dt.UTC)
    assert callback.idempotency_token == "idem-1"
    assert callback.method == "POST"
    assert callback.params["Extra"] == "later-added"
    with pytest.raises(TypeError):
        callback.params["Status"] = "x"  # type: ignore[index]
    assert receiver.delivered == 1


async def test_a_signed_get_is_accepted(http: httpx.AsyncClient) -> None:
    query = urlencode(params(Status="suspended"))
    url = f"{PUBLIC}?{query}"
    headers = {"X-Twilio-Signature": _signature.compute_signature(TOKEN, url, {})}
    response = await http.get(f"/twilio/sim-status?{query}", headers=headers)
    assert response.status_code == 200, response.text
    # An acknowledgement has no body (Twilio reads only the status): one write, not two.
    assert response.content == b""
    assert response.headers["content-length"] == "0"


async def test_behind_a_proxy_the_public_url_is_what_counts(
    receiver: tw.StatusCallbackReceiver, delivered: list[tw.SimStatusCallback]
) -> None:
    """The app sees http://10.0.0.5:8000/internal; Twilio signed the public URL."""
    form = params()
    transport = httpx.ASGITransport(app=receiver)
    async with httpx.AsyncClient(transport=transport, base_url="http://10.0.0.5:8000") as c:
        response = await c.post("/internal/path", data=form, headers=signed(form))
    assert response.status_code == 200, response.text
    assert len(delivered) == 1


def test_the_public_url_query_and_port_variants(delivered: list[tw.SimStatusCallback]) -> None:
    public = "https://hooks.example.com:443/cb?tenant=7#rc=2"
    receiver = tw.StatusCallbackReceiver(TOKEN, public_url=public, on_callback=delivered.append)
    assert receiver.url == public
    assert receiver.method == "POST"
    form = params()
    # Signed without the port and without the fragment: both are variants Twilio may use.
    headers = signed(form, url="https://hooks.example.com/cb?tenant=7")
    assert post(receiver, form, headers, url="/cb?tenant=7").status_code == 200
    # Signed with both: accepted too.
    headers = signed(form, url=public, idempotency="2")
    assert post(receiver, form, headers, url="/cb?tenant=7").status_code == 200
    # The query string is the request's own, and it is signed: another one fails.
    assert post(receiver, form, headers, url="/cb?tenant=8").status_code == 403
    assert len(delivered) == 2


@pytest.mark.parametrize(
    "public",
    [
        PUBLIC,
        "https://hooks.example.com:443/cb?tenant=7#rc=2",
        "http://127.0.0.1:8080/cb",
        "https://[::1]:8443/a/b#x",
        "https://hooks.example.com",
    ],
)
@pytest.mark.parametrize("query", ["", "a=1&b=%20x"])
def test_the_urls_tried_are_every_port_variant_of_every_signed_url(public: str, query: str) -> None:
    # The receiver works its candidates out once; they must be what expanding each signed
    # URL with url_variants gives, in the same order.
    receiver = tw.StatusCallbackReceiver(TOKEN, public_url=public)
    parts = urlsplit(public)._replace(query=query)
    # The signed URLs: without the fragment (never sent), then with it, if there is one.
    signed = [urlunsplit(parts._replace(fragment=""))]
    if parts.fragment:
        signed.append(urlunsplit(parts))
    expanded = [variant for url in signed for variant in _signature.url_variants(url)]
    assert receiver._candidate_urls(query) == expanded


@pytest.mark.parametrize(
    "source",
    [
        "",
        "a=1",
        "a=1&b=2&a=3",
        "&&a=&=b&c&&",
        "name+with+plus=value+with+plus",
        "a%2Bb=c%2Bd&e%3D=%26f",
        "caf%C3%A9=%E2%9C%93&raw=café",
        "DateUpdated=2026-11-23T10%3A00%3A00Z&Url=https%3A%2F%2Fx.example%2Fa%3Fb%3Dc",
        "a=%zz&b=%",
        "a=b=c",
        "%C3=bad-utf8",
        "%C3abc%A9=x",
        "\ud800%41=surrogate",
    ],
)
def test_form_parsing_is_parse_qsl(source: str) -> None:
    from urllib.parse import parse_qsl

    from twilio_wireless._webhooks._receiver import _MAX_FIELDS, _form_params

    def expected(text: str) -> list[tuple[str, str]] | type[ValueError]:
        try:
            return parse_qsl(
                text, keep_blank_values=True, max_num_fields=_MAX_FIELDS, errors="strict"
            )
        except (ValueError, UnicodeDecodeError):
            return ValueError

    for given in (source, source.encode("utf-8", "surrogatepass")):
        text = given
        if isinstance(given, bytes):
            try:
                text = given.decode("utf-8")
            except UnicodeDecodeError:  # a body (bytes) must be UTF-8 text first
                with pytest.raises(ValueError, match="not UTF-8"):
                    _form_params(given)
                continue
        want = expected(text)
        if want is ValueError:
            with pytest.raises(ValueError, match="not valid form data"):
                _form_params(given)
        else:
            assert _form_params(given) == want
    many = "&".join(["a=1"] * (_MAX_FIELDS + 1))
    assert expected(many) is ValueError
    with pytest.raises(ValueError, match="not valid form data"):
        _form_params(many)
    assert _form_params(many[4:]) == expected(many[4:])  # exactly the most allowed


# --- refused ------------------------------------------------------------------------------


async def test_an_unsigned_callback_is_refused(
    http: httpx.AsyncClient, delivered: list[tw.SimStatusCallback]
) -> None:
    response = await http.post("/twilio/sim-status", data=params())
    assert response.status_code == 403
    assert response.text == "missing X-Twilio-Signature header: not signed by Twilio\n"
    assert delivered == []


async def test_a_forged_callback_is_refused(
    http: httpx.AsyncClient, delivered: list[tw.SimStatusCallback]
) -> None:
    form = params()
    for headers in (
        signed(form, token="someone-elses-token"),
        {**signed(form), "X-Twilio-Signature": "bm90IGEgc2lnbmF0dXJlIGF0IGFsbA=="},
    ):
        response = await http.post("/twilio/sim-status", data=form, headers=headers)
        assert response.status_code == 403
        assert "X-Twilio-Signature does not match this request" in response.text
        assert "https://hooks.example.com/twilio/sim-status" in response.text
    assert delivered == []


async def test_a_tampered_parameter_is_refused(
    http: httpx.AsyncClient, delivered: list[tw.SimStatusCallback]
) -> None:
    form = params(Status="suspended")
    headers = signed(form)
    for tampered in (
        {**form, "Status": "active"},
        {**form, "Injected": "1"},
        {k: v for k, v in form.items() if k != "RatePlanSid"},
    ):
        response = await http.post("/twilio/sim-status", data=tampered, headers=headers)
        assert response.status_code == 403
        assert "does not match" in response.text
    assert delivered == []
    # The untouched request still goes through.
    response = await http.post("/twilio/sim-status", data=form, headers=headers)
    assert response.status_code == 200


async def test_a_signature_for_another_url_is_refused(
    http: httpx.AsyncClient, delivered: list[tw.SimStatusCallback]
) -> None:
    form = params()
    headers = signed(form, url="https://attacker.example/twilio/sim-status")
    response = await http.post("/twilio/sim-status", data=form, headers=headers)
    assert response.status_code == 403
    assert "does not match" in response.text
    assert delivered == []


async def test_a_misconfigured_public_url_is_named(
    receiver: tw.StatusCallbackReceiver, delivered: list[tw.SimStatusCallback]
) -> None:
    """Signed for the URL the app sees, not public_url: the reason says what to fix."""
    form = params()
    headers = signed(form, url="http://internal.local:8000/cb")
    transport = httpx.ASGITransport(app=receiver)
    async with httpx.AsyncClient(transport=transport, base_url="http://internal.local:8000") as c:
        response = await c.post("/cb", data=form, headers=headers)
    assert response.status_code == 403
    assert "was made for http://internal.local:8000/cb" in response.text
    assert "set public_url" in response.text
    assert delivered == []


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"])
async def test_other_methods_are_405(http: httpx.AsyncClient, method: str) -> None:
    response = await http.request(method, "/twilio/sim-status")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, POST"


def test_signed_requests_that_are_not_sim_status_callbacks_are_400(
    receiver: tw.StatusCallbackReceiver, delivered: list[tw.SimStatusCallback]
) -> None:
    command = params(CommandSid="DC" + "3" * 32, Status="delivered")
    result = post(receiver, command, signed(command))
    assert result.status_code == 400
    assert "Command callback" in result.reason
    anonymous = {"Status": "active"}
    result = post(receiver, anonymous, signed(anonymous))
    assert result.status_code == 400
    assert "no SimSid" in result.reason
    assert delivered == []


def test_bodies_that_are_not_forms_are_refused(receiver: tw.StatusCallbackReceiver) -> None:
    headers = signed({})
    assert receiver.handle("POST", PUBLIC, headers, b"\xff\xfe").status_code == 400
    too_big = b"a=" + b"x" * (300 * 1024)
    assert receiver.handle("POST", PUBLIC, headers, too_big).status_code == 413


async def test_a_json_body_is_checked_with_its_hash(
    receiver: tw.StatusCallbackReceiver, delivered: list[tw.SimStatusCallback]
) -> None:
    body = json.dumps({"SimSid": SID, "Status": "active", "Count": 2}).encode()
    query = f"bodySHA256={_signature.body_sha256(body)}"
    headers = {
        "Content-Type": "application/json",
        "X-Twilio-Signature": _signature.compute_signature(TOKEN, f"{PUBLIC}?{query}"),
    }
    result = receiver.handle("POST", f"/x?{query}", headers, body)
    assert result.status_code == 200, result.reason
    assert result.callback is not None
    assert result.callback.params["Count"] == "2"
    tampered = body.replace(b"active", b"canceled")
    result = receiver.handle("POST", f"/x?{query}", headers, tampered)
    assert result.status_code == 403
    assert "does not match bodySHA256" in result.reason
    result = receiver.handle("POST", "/x", headers, body)
    assert result.status_code == 403
    assert "needs bodySHA256" in result.reason
    assert len(delivered) == 1


def test_shared_key_signatures(delivered: list[tw.SimStatusCallback]) -> None:
    form = params()
    settings = {"X-Twilio-Webhooks-Signature-Settings": "key=KS1,algorithm=HMAC_SHA256"}
    headers = {
        **signed(form),
        **settings,
        "X-Twilio-Signature": _signature.compute_signature(
            "shared-secret", PUBLIC, form, algorithm="HMAC_SHA256"
        ),
    }
    without = tw.StatusCallbackReceiver(TOKEN, public_url=PUBLIC, on_callback=delivered.append)
    result = post(without, form, headers)
    assert result.status_code == 403
    assert "no shared_key_secret" in result.reason
    with_secret = tw.StatusCallbackReceiver(
        TOKEN, public_url=PUBLIC, shared_key_secret="shared-secret", on_callback=delivered.append
    )
    assert post(with_secret, form, headers).status_code == 200
    again = {**headers, "I-Twilio-Idempotency-Token": "another delivery"}
    assert post(with_secret, form, again).status_code == 200
    unknown = {**headers, "X-Twilio-Webhooks-Signature-Settings": "algorithm=HMAC_MD5"}
    assert "unsupported signature algorithm" in post(with_secret, form, unknown).reason
    assert len(delivered) == 2
    # One validator per algorithm, not one per request (a refused name is not kept).
    assert list(with_secret._shared_validators) == ["HMAC_SHA256"]


def test_rejections_are_logged_without_credentials(
    caplog: pytest.LogCaptureFixture, delivered: list[tw.SimStatusCallback]
) -> None:
    public = "https://twilio:basic-auth-pw@hooks.example.com/cb"
    receiver = tw.StatusCallbackReceiver(TOKEN, public_url=public, on_callback=delivered.append)
    form = params()
    with caplog.at_level(logging.INFO, logger="twilio_wireless.webhooks"):
        result = post(receiver, form, signed(form, url="https://elsewhere.example/cb"))
    assert result.status_code == 403
    assert "https://hooks.example.com/cb" in result.reason
    texts = [result.reason, caplog.text, repr(receiver), repr(result)]
    assert any("status callback refused (403)" in text for text in texts)
    for text in texts:
        assert TOKEN not in text
        assert "basic-auth-pw" not in text
    # Accepted with the URL Twilio was given, credentials included.
    assert post(receiver, form, signed(form, url=public)).status_code == 200


@pytest.mark.parametrize(
    "public_url", ["hooks.example.com/cb", "ftp://hooks.example.com/cb", "https:///cb", ""]
)
def test_public_url_must_be_absolute(public_url: str) -> None:
    with pytest.raises(ValueError, match="public_url"):
        tw.StatusCallbackReceiver(TOKEN, public_url=public_url)


# --- repeated deliveries ------------------------------------------------------------------


async def test_a_repeated_delivery_is_acknowledged_but_delivered_once(
    http: httpx.AsyncClient,
    receiver: tw.StatusCallbackReceiver,
    delivered: list[tw.SimStatusCallback],
) -> None:
    form = params()
    headers = signed(form, idempotency="token-A")
    first = await http.post("/twilio/sim-status", data=form, headers=headers)
    again = await http.post("/twilio/sim-status", data=form, headers=headers)
    assert (first.status_code, again.status_code) == (200, 200)
    assert "duplicate delivery" in again.text
    assert len(delivered) == 1
    assert receiver.delivered == 1
    # Another token is another callback.
    await http.post("/twilio/sim-status", data=form, headers=signed(form, idempotency="token-B"))
    assert len(delivered) == 2
    # A repeat with a forged signature is still refused, not acknowledged.
    forged = {**headers, "X-Twilio-Signature": "AAAA"}
    assert (await http.post("/twilio/sim-status", data=form, headers=forged)).status_code == 403


def test_without_a_token_every_delivery_counts(
    receiver: tw.StatusCallbackReceiver, delivered: list[tw.SimStatusCallback]
) -> None:
    form = params()
    for _ in range(2):
        result = post(receiver, form, signed(form, idempotency=None))
        assert result.status_code == 200
        assert not result.duplicate
    assert len(delivered) == 2


def test_remembered_tokens_are_bounded_in_number_and_time(
    delivered: list[tw.SimStatusCallback], clock: FakeClock
) -> None:
    receiver = tw.StatusCallbackReceiver(
        TOKEN,
        public_url=PUBLIC,
        on_callback=delivered.append,
        clock=clock,
        dedupe_size=2,
        dedupe_ttl=60,
    )
    form = params()

    def send(token: str) -> bool:
        result = post(receiver, form, signed(form, idempotency=token))
        assert result.ok
        return result.duplicate

    assert [send("a"), send("b"), send("a")] == [False, False, True]
    assert send("c") is False  # "a" is the oldest: forgotten
    assert [send("b"), send("a")] == [True, False]
    clock.advance(61)
    assert send("c") is False  # expired
    assert len(delivered) == 5


def test_a_failing_hook_answers_500_and_the_retry_is_delivered_again(
    caplog: pytest.LogCaptureFixture,
) -> None:
    calls: list[str] = []

    def hook(callback: tw.SimStatusCallback) -> None:
        calls.append(callback.sim_sid)
        if len(calls) == 1:
            raise RuntimeError("database down")

    receiver = tw.StatusCallbackReceiver(TOKEN, public_url=PUBLIC, on_callback=hook)
    form = params()
    headers = signed(form, idempotency="retry-me")
    with caplog.at_level(logging.ERROR, logger="twilio_wireless.webhooks"):
        first = post(receiver, form, headers)
    assert first.status_code == 500
    assert first.reason == "the application's on_callback failed (RuntimeError)"
    assert "on_callback failed" in caplog.text
    assert post(receiver, form, headers).status_code == 200
    assert post(receiver, form, headers).duplicate
    assert calls == [SID, SID]


async def test_asgi_lifespan_and_websocket(receiver: tw.StatusCallbackReceiver) -> None:
    sent: list[dict[str, object]] = []
    messages: Iterator[dict[str, object]]
    messages = iter([{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}])

    async def receive() -> dict[str, object]:
        return next(messages)

    async def send(message: dict[str, object]) -> None:
        sent.append(message)

    await receiver({"type": "lifespan"}, receive, send)  # type: ignore[arg-type]
    assert [m["type"] for m in sent] == ["lifespan.startup.complete", "lifespan.shutdown.complete"]
    sent.clear()
    messages = iter([{"type": "websocket.connect"}])
    await receiver({"type": "websocket"}, receive, send)  # type: ignore[arg-type]
    assert sent == [{"type": "websocket.close", "code": 1003}]


# --- waiting ------------------------------------------------------------------------------


async def test_expect_catches_a_callback_that_arrives_before_the_wait(
    receiver: tw.StatusCallbackReceiver,
) -> None:
    waiter = receiver.expect(SID)
    assert repr(waiter) == f"<CallbackWaiter {SID} waiting>"
    form = params()
    result = post(receiver, form, signed(form))
    assert waiter.done
    assert await waiter.wait() is result.callback
    assert waiter.result is result.callback
    assert "done" in repr(waiter)


async def test_wait_for_returns_the_callback_when_it_arrives() -> None:
    receiver = tw.StatusCallbackReceiver(TOKEN, public_url=PUBLIC)  # the system clock
    transport = httpx.ASGITransport(app=receiver)

    async def deliver_soon() -> int:
        await asyncio.sleep(0.01)
        async with httpx.AsyncClient(transport=transport, base_url=PUBLIC) as http:
            ready = params(Status="ready")
            await http.post("", data=ready, headers=signed(ready, idempotency="r"))
            form = params()
            response = await http.post("", data=form, headers=signed(form))
        return response.status_code

    waiting = asyncio.ensure_future(receiver.wait_for(SID, status="active", timeout=5))
    await asyncio.sleep(0)  # let it register
    status = await asyncio.wait_for(deliver_soon(), 5)
    callback = await asyncio.wait_for(waiting, 5)
    assert status == 200
    assert callback.status == "active"  # the intermediate "ready" one was skipped
    assert callback.sim_sid == SID


async def test_a_wait_times_out_on_the_clock_and_stays_armed(
    receiver: tw.StatusCallbackReceiver, clock: FakeClock
) -> None:
    with receiver.expect(SID, status="suspended") as waiter:
        assert await waiter.wait(30) is None
        assert clock.now == 30  # the fake clock waited, no real time passed
        form = params(Status="active")
        post(receiver, form, signed(form, idempotency="x"))  # not the status asked for
        assert await waiter.wait(10) is None
        form = params(Status="suspended")
        post(receiver, form, signed(form, idempotency="y"))
        callback = await waiter.wait(10)
        assert callback is not None
        assert callback.status == "suspended"
    with pytest.raises(TimeoutError, match=SID):
        await receiver.wait_for(SID, timeout=5)
    own_sleeps: list[float] = []

    async def sleep(seconds: float) -> None:
        own_sleeps.append(seconds)

    assert await receiver.expect(SID).wait(7, sleep=sleep) is None
    assert own_sleeps == [7]


async def test_waiters_match_by_unique_name_and_predicate(
    receiver: tw.StatusCallbackReceiver,
) -> None:
    by_name = receiver.expect("pump-7")
    reset = receiver.expect(SID, match=lambda cb: cb.reset_status == "completed")
    other = receiver.expect("DE" + "9" * 32)
    form = params()
    post(receiver, form, signed(form, idempotency="1"))
    assert by_name.done
    assert not reset.done
    form = params(ResetStatus="completed")
    post(receiver, form, signed(form, idempotency="2"))
    assert reset.result is not None
    assert reset.result.reset_status == "completed"
    assert not other.done


async def test_closed_and_duplicate_and_forgotten(receiver: tw.StatusCallbackReceiver) -> None:
    closed = receiver.expect(SID)
    closed.close()
    form = params()
    headers = signed(form, idempotency="once")
    post(receiver, form, headers)
    assert not closed.done
    with pytest.raises(RuntimeError, match="closed"):
        await closed.wait()
    late = receiver.expect(SID)
    assert post(receiver, form, headers).duplicate
    assert not late.done  # a repeat is not news
    # A waiter nobody keeps is dropped by the receiver (weakly held).
    receiver.expect("DE" + "8" * 32)
    gc.collect()
    assert "DE" + "8" * 32 not in receiver._waiters
    kept = receiver.expect("DE" + "8" * 32)
    gc.collect()
    assert "DE" + "8" * 32 in receiver._waiters
    kept.close()
    assert "DE" + "8" * 32 not in receiver._waiters


def test_waiting_works_on_trio() -> None:
    receiver = tw.StatusCallbackReceiver(TOKEN, public_url=PUBLIC)

    async def main() -> tw.SimStatusCallback:
        with trio.fail_after(5):
            async with trio.open_nursery() as nursery:
                results: list[tw.SimStatusCallback] = []

                async def wait() -> None:
                    results.append(await receiver.wait_for(SID, timeout=5))

                nursery.start_soon(wait)
                await trio.sleep(0.01)
                form = params()
                transport = httpx.ASGITransport(app=receiver)
                async with httpx.AsyncClient(transport=transport, base_url=PUBLIC) as client:
                    response = await client.post("", data=form, headers=signed(form))
                    assert response.status_code == 200
            return results[0]

    callback = trio.run(main)
    assert callback.sim_sid == SID
    assert callback.status == "active"


def test_wait_timeout_with_the_system_clock_on_trio() -> None:
    receiver = tw.StatusCallbackReceiver(TOKEN, public_url=PUBLIC)

    async def main() -> tw.SimStatusCallback | None:
        with trio.fail_after(5):
            return await receiver.expect(SID).wait(0.01)

    assert trio.run(main) is None


async def test_wait_timeout_with_the_system_clock_on_asyncio() -> None:
    receiver = tw.StatusCallbackReceiver(TOKEN, public_url=PUBLIC)
    async with asyncio.timeout(5):
        assert await receiver.expect(SID).wait(0.01) is None


async def test_waits_ended_by_their_callback_leave_no_cyclic_garbage() -> None:
    # A wait with a timeout on the system clock is a deadline, not a task cancelled when
    # the callback comes: that left a CancelledError, its traceback and ~40 objects in
    # reference cycles per wait, which made gen-2 collections a fifth of a fleet's CPU.
    receiver = tw.StatusCallbackReceiver(TOKEN, public_url=PUBLIC)
    waits = 50

    async def one(index: int) -> None:
        sid = f"DE{index:032d}"
        with receiver.expect(sid) as waiter:
            waiting = asyncio.ensure_future(waiter.wait(30))
            await asyncio.sleep(0)
            form = params(SimSid=sid, Sid=sid, UniqueName=f"pump-{index}")
            assert post(receiver, form, signed(form, idempotency=str(index))).status_code == 200
            assert (await waiting) is not None

    gc.collect()
    async with asyncio.timeout(5):
        for index in range(waits):
            await one(index)
    assert gc.collect() < waits


async def test_closing_a_waiter_ends_a_wait_in_progress() -> None:
    receiver = tw.StatusCallbackReceiver(TOKEN, public_url=PUBLIC)
    waiter = receiver.expect(SID)
    waiting = asyncio.ensure_future(waiter.wait())
    await asyncio.sleep(0)
    assert not waiting.done()
    waiter.close()
    assert await asyncio.wait_for(waiting, 5) is None


async def test_two_waits_at_once_on_one_waiter_both_get_the_callback() -> None:
    receiver = tw.StatusCallbackReceiver(TOKEN, public_url=PUBLIC)
    waiter = receiver.expect(SID)
    first = asyncio.ensure_future(waiter.wait(30))
    second = asyncio.ensure_future(waiter.wait(30))
    await asyncio.sleep(0)
    assert not first.done()
    assert not second.done()
    form = params()
    result = post(receiver, form, signed(form))
    async with asyncio.timeout(5):
        assert await first is result.callback
        assert await second is result.callback


async def test_a_cancelled_wait_leaves_the_waiter_usable() -> None:
    receiver = tw.StatusCallbackReceiver(TOKEN, public_url=PUBLIC)
    waiter = receiver.expect(SID)
    waiting = asyncio.ensure_future(waiter.wait(30))
    await asyncio.sleep(0)
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    async with asyncio.timeout(5):
        assert await waiter.wait(0.01) is None  # still armed: times out again
        again = asyncio.ensure_future(waiter.wait(30))
        await asyncio.sleep(0)
        form = params()
        result = post(receiver, form, signed(form))
        assert await again is result.callback


async def test_a_failing_match_does_not_stop_the_delivery(
    receiver: tw.StatusCallbackReceiver,
    delivered: list[tw.SimStatusCallback],
    caplog: pytest.LogCaptureFixture,
) -> None:
    def broken(callback: tw.SimStatusCallback) -> bool:
        raise KeyError("oops")

    failing = receiver.expect(SID, match=broken)
    working = receiver.expect(SID)
    form = params()
    with caplog.at_level(logging.ERROR, logger="twilio_wireless.webhooks"):
        assert post(receiver, form, signed(form)).status_code == 200
    assert working.done
    assert not failing.done
    assert len(delivered) == 1
    assert "match for" in caplog.text


async def test_a_strange_url_or_host_header_is_only_a_refusal(
    receiver: tw.StatusCallbackReceiver, http: httpx.AsyncClient
) -> None:
    form = params()
    headers = {**signed(form), "X-Twilio-Signature": "AAAA"}
    for url in ("http://[::1/cb", "http://exa mple/cb", "::::", ""):
        result = post(receiver, form, headers, url=url)
        assert result.status_code in (400, 403), url
    for host in ("[::1", "a b", "x:y:z", "@"):
        response = await http.post(
            "/twilio/sim-status", data=form, headers={**headers, "Host": host}
        )
        assert response.status_code in (400, 403), host

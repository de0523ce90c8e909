"""Commands: machine-to-machine SMS (or IP) messages to and from SIMs."""

from __future__ import annotations

from collections.abc import AsyncIterable, Callable, Iterable, Mapping
from typing import Any, Unpack

from twilio_wireless_openapi.api.wireless_v1_command import (
    create_command,
    delete_command,
    fetch_command,
    list_command,
)
from twilio_wireless_openapi.models.command import Command
from twilio_wireless_openapi.models.command_page import CommandPage

from .. import _params as p
from .._batch import BatchProgress, BatchResults
from .._pagination import AsyncPager
from ._base import PAGER_PARAMETERS, Resource, sends

_SIM = {"sim": "DE"}


def _create_values(fields: Mapping[str, Any]) -> dict[str, Any]:
    """CreateCommand's body, with a bytes `command` sent base64-encoded in binary mode."""
    if fields.get("command") is None:  # check() names what is missing
        return p.check(create_command, fields, identifiers=_SIM)
    command, mode = p.command_body(fields["command"], fields.get("command_mode"))
    return p.check(
        create_command, {**fields, "command": command, "command_mode": mode}, identifiers=_SIM
    )


class CommandsResource(Resource):
    """`client.commands`: Commands sent to and received from SIMs."""

    @sends(create_command)
    async def create(self, **fields: Unpack[create_command.Params]) -> Command:
        """Send a Command to a SIM.

        Args:
            command: `str` is sent as text; `bytes` are sent in binary mode, base64-encoded
                for you.
            sim: the SID (`DE...`) or unique name of the SIM to send to.
            command_mode: optional; if given it must agree with the type of `command`.
            **fields: CreateCommand's other body parameters as the spec declares them, e.g.
                `include_sid`, `delivery_receipt_requested`, `callback_url`/`callback_method`.

        This is not retried after the request may have reached the server, so one call
        never sends two messages.

        Raises:
            BadRequestError: the API refused the Command.
            ValueError: an argument is invalid; nothing was sent.
        """
        command: Command = await self._send(create_command, (), _create_values(fields))
        return command

    @sends(create_command)
    def create_many(
        self,
        sims: Iterable[str] | AsyncIterable[str],
        *,
        concurrency: int | None = None,
        on_progress: Callable[[BatchProgress], object] | None = None,
        **fields: Unpack[create_command.Params],
    ) -> BatchResults[Command]:
        """Send the same Command to many SIMs, as fast as the account allows.

        Yields a `BatchResult` per SIM as each completes (`sid` is the SIM, `value` the
        Command or `error` the exception); one failure never stops the others, and no SIM
        is sent the Command twice. The client's cap on requests in flight paces it (by
        default adaptive: it finds the account's limit from 429s); a 429 means nothing was
        sent, so that SIM's Command is sent again, within the retry policy's deadline. Use
        `async with` around the iteration if you may stop early: a batch stopped early
        tells which SIMs were in flight and which were never started. Other arguments are
        as for `create()` (without `sim`).

        Args:
            sims: SIDs or unique names of the SIMs (an iterable or async iterable).
            concurrency: at most this many SIMs in progress at once (default: as many as
                the client's cap allows requests in flight, as it adapts).
            on_progress: called with a `BatchProgress` as SIMs start and finish.

        Raises:
            ValueError: an argument is invalid; nothing was sent.
        """
        if fields.get("sim") is not None:
            raise ValueError("sim: give the SIMs as the first argument of create_many()")
        values = _create_values(fields)  # refuse a bad command before sending any

        async def send(sim: str) -> Command:
            command: Command = await self._send(
                create_command, (), {**values, "sim": p.identifier(sim, "sim", prefix="DE")}
            )
            return command

        return self._paced_batch(sims, send, concurrency=concurrency, on_progress=on_progress)

    @sends(fetch_command)
    async def fetch(self, sid: str) -> Command:
        """Fetch one Command by its SID (`DC...`).

        Raises:
            NotFoundError: no such Command.
            ValueError: `sid` is not a Command SID; nothing was sent.
        """
        sid = p.path_identifier(fetch_command, "sid", sid, prefix="DC")
        command: Command = await self._send(fetch_command, (sid,), {})
        return command

    @sends(delete_command)
    async def delete(self, sid: str) -> None:
        """Delete a Command by its SID (`DC...`).

        Raises:
            NotFoundError: no such Command.
            ValueError: `sid` is not a Command SID; nothing was sent.
        """
        sid = p.path_identifier(delete_command, "sid", sid, prefix="DC")
        await self._send(delete_command, (sid,), {})

    @sends(list_command, owned=PAGER_PARAMETERS)
    def list(
        self,
        *,
        limit: int | None = None,
        page_url: str | None = None,
        **filters: Unpack[list_command.Params],
    ) -> AsyncPager[Command]:
        """List Commands, newest first, optionally filtered.

        Args:
            limit, page_url: see `SimsResource.list()`.
            **filters: ListCommand's query parameters as the spec declares them: `sim` (SID
                or unique name), `status`, `direction`, `transport`, `page_size`.

        Raises:
            ValueError: an argument is invalid; nothing was sent.
        """
        return self._pager(
            list_command,
            (),
            given=filters,
            identifiers=_SIM,
            parse=CommandPage.from_dict,
            items=lambda page: page.commands,
            limit=limit,
            page_url=page_url,
        )

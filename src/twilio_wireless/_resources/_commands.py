"""Commands: machine-to-machine SMS (or IP) messages to and from SIMs."""

from __future__ import annotations

from collections.abc import AsyncIterable, Iterable

from twilio_wireless_openapi.api.wireless_v1_command import (
    create_command,
    delete_command,
    fetch_command,
    list_command,
)
from twilio_wireless_openapi.models.command import Command
from twilio_wireless_openapi.models.command_direction import CommandDirection
from twilio_wireless_openapi.models.command_mode import CommandMode
from twilio_wireless_openapi.models.command_page import CommandPage
from twilio_wireless_openapi.models.command_status import CommandStatus
from twilio_wireless_openapi.models.command_transport import CommandTransport
from twilio_wireless_openapi.models.create_command_request import CreateCommandRequest
from twilio_wireless_openapi.models.http_method import HttpMethod

from .. import _params as p
from .._batch import BatchResults
from .._pagination import AsyncPager
from ._base import Resource

INCLUDE_SID_VALUES = ("none", "start", "end")


class CommandsResource(Resource):
    """`client.commands`: Commands sent to and received from SIMs."""

    async def create(
        self,
        *,
        command: str | bytes,
        sim: str,
        command_mode: CommandMode | str | None = None,
        include_sid: str | None = None,
        delivery_receipt_requested: bool | None = None,
        callback_url: str | None = None,
        callback_method: HttpMethod | str | None = None,
    ) -> Command:
        """Send a Command to a SIM.

        Args:
            command: `str` is sent as text (up to 160 characters); `bytes` are sent in
                binary mode, base64-encoded for you (up to 140 bytes).
            sim: the SID (`DE...`) or unique name of the SIM to send to.
            command_mode: optional; if given it must agree with the type of `command`.
            include_sid: `none`, `start` or `end`: put the Command's SID in a text body so
                the device can drop duplicates.
            delivery_receipt_requested: ask the device for a delivery receipt (API default: on).
            callback_url, callback_method: called when the Command is delivered or fails.

        This is not retried after the request may have reached the server, so one call
        never sends two messages.

        Raises:
            BadRequestError: the API refused the Command.
            ValueError: an argument is invalid; nothing was sent.
        """
        body_text, mode = p.command_body(command, command_mode)
        body = CreateCommandRequest(
            command=body_text,
            sim=p.identifier(sim, "sim", prefix="DE"),
            command_mode=CommandMode(mode),
            include_sid=p.choice(include_sid, INCLUDE_SID_VALUES, "include_sid"),
            delivery_receipt_requested=p.boolean(
                delivery_receipt_requested, "delivery_receipt_requested"
            ),
            callback_url=p.url(callback_url, "callback_url"),
            callback_method=p.enum_value(callback_method, HttpMethod, "callback_method"),
        )
        return await self._call(
            create_command.request_kwargs(body=body),
            create_command.parse_response,
            idempotent=False,
        )

    def create_many(
        self,
        sims: Iterable[str] | AsyncIterable[str],
        *,
        command: str | bytes,
        concurrency: int = 10,
        command_mode: CommandMode | str | None = None,
        include_sid: str | None = None,
        delivery_receipt_requested: bool | None = None,
        callback_url: str | None = None,
        callback_method: HttpMethod | str | None = None,
    ) -> BatchResults[Command]:
        """Send the same Command to many SIMs, at most `concurrency` at a time.

        Yields a `BatchResult` per SIM as each completes (`sid` is the SIM, `value` the
        Command or `error` the exception); one failure never stops the others, and no SIM
        is sent the Command twice. Use `async with` around the iteration if you may stop
        early. Other arguments are as for `create()`.

        Raises:
            ValueError: an argument is invalid; nothing was sent.
        """
        p.command_body(command, command_mode)  # refuse a bad command before sending any
        p.choice(include_sid, INCLUDE_SID_VALUES, "include_sid")
        p.boolean(delivery_receipt_requested, "delivery_receipt_requested")
        p.url(callback_url, "callback_url")
        p.enum_value(callback_method, HttpMethod, "callback_method")

        async def one(sim: str) -> Command:
            return await self.create(
                command=command,
                sim=sim,
                command_mode=command_mode,
                include_sid=include_sid,
                delivery_receipt_requested=delivery_receipt_requested,
                callback_url=callback_url,
                callback_method=callback_method,
            )

        return BatchResults(sims, one, concurrency=concurrency)

    async def fetch(self, sid: str) -> Command:
        """Fetch one Command by its SID (`DC...`).

        Raises:
            NotFoundError: no such Command.
            ValueError: `sid` is not a Command SID; nothing was sent.
        """
        sid = p.identifier(sid, "sid", prefix="DC", unique_name=False)
        return await self._call(
            fetch_command.request_kwargs(sid), fetch_command.parse_response, idempotent=True
        )

    async def delete(self, sid: str) -> None:
        """Delete a Command by its SID (`DC...`).

        Raises:
            NotFoundError: no such Command.
            ValueError: `sid` is not a Command SID; nothing was sent.
        """
        sid = p.identifier(sid, "sid", prefix="DC", unique_name=False)
        await self._call(
            delete_command.request_kwargs(sid), delete_command.parse_response, idempotent=True
        )

    def list(
        self,
        *,
        sim: str | None = None,
        status: CommandStatus | str | None = None,
        direction: CommandDirection | str | None = None,
        transport: CommandTransport | str | None = None,
        limit: int | None = None,
        page_size: int | None = None,
        page_url: str | None = None,
    ) -> AsyncPager[Command]:
        """List Commands, newest first, optionally filtered.

        Args:
            sim: only Commands of this SIM (SID or unique name).
            status: `queued`, `sent`, `delivered`, `received` or `failed`.
            direction: `to_sim` or `from_sim`.
            transport: `sms` or `ip`.
            limit, page_size, page_url: see `SimsResource.list()`.

        Raises:
            ValueError: an argument is invalid; nothing was sent.
        """
        sim_id = p.optional_identifier(sim, "sim", prefix="DE")
        status_value = p.enum_value(status, CommandStatus, "status")
        direction_value = p.enum_value(direction, CommandDirection, "direction")
        transport_value = p.enum_value(transport, CommandTransport, "transport")
        return self._pager(
            first_request=lambda size: list_command.request_kwargs(
                sim=sim_id,
                status=status_value,
                direction=direction_value,
                transport=transport_value,
                page_size=size,
            ),
            page_url=page_url,
            filters={
                "sim": sim,
                "status": status,
                "direction": direction,
                "transport": transport,
            },
            list_path="/v1/Commands",
            parse=CommandPage.from_dict,
            items=lambda page: page.commands,
            limit=limit,
            page_size=page_size,
        )

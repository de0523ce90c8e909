"""The public surface is exactly twilio_wireless.__all__."""

from __future__ import annotations

import types

import twilio_wireless as tw

EXPECTED = {
    "CellLocationEstimate",
    "Clock",
    "CommandsUsage",
    "CommandsUsageDetail",
    "DataUsage",
    "DataUsageDetail",
    "SimLinks",
    "UsagePeriod",
    "BatchResult",
    "BatchResults",
    "BatchProgress",
    "AdaptiveConcurrency",
    "RedisConcurrency",
    "PollPolicy",
    "PollTimeoutError",
    "RetryEvent",
    "RetryPolicy",
    "SimStatusChange",
    "SimStatusChangeError",
    "SimUpdate",
    "APIConnectionError",
    "APIError",
    "APITimeoutError",
    "AccountUsageRecord",
    "AccountUsageRecordGranularity",
    "AsyncPager",
    "AuthenticationError",
    "BadRequestError",
    "Command",
    "CommandDirection",
    "CommandMode",
    "CommandStatus",
    "CommandTransport",
    "ConflictError",
    "DataLimitStrategy",
    "DataSession",
    "HttpMethod",
    "NotFoundError",
    "Page",
    "PermissionDeniedError",
    "RateLimitError",
    "ResponseTooLargeError",
    "RatePlan",
    "ServerError",
    "Sim",
    "SimResetStatus",
    "SimStatus",
    "SimUsageRecord",
    "SimUsageRecordGranularity",
    "TwilioErrorBody",
    "WirelessClient",
    "WirelessError",
    "WebhookValidator",
    "StatusCallbackReceiver",
    "SimStatusCallback",
    "CallbackResult",
    "CallbackWaiter",
    "__version__",
}


def test_all_is_exactly_the_public_surface() -> None:
    assert set(tw.__all__) == EXPECTED
    assert len(tw.__all__) == len(EXPECTED)


def test_all_is_sorted() -> None:
    assert tw.__all__ == sorted(tw.__all__, key=lambda name: (name.startswith("_"), name))


def test_every_public_name_is_importable_and_nothing_else_is_public() -> None:
    public = {
        name
        for name in dir(tw)
        if not name.startswith("_") and not isinstance(getattr(tw, name), types.ModuleType)
    }
    assert public == EXPECTED - {"__version__"}
    for name in tw.__all__:
        assert getattr(tw, name) is not None


def test_models_are_the_generated_classes_under_clean_names() -> None:
    from twilio_wireless_openapi.models.sim import Sim
    from twilio_wireless_openapi.models.sim_status import SimStatus

    assert tw.Sim is Sim
    assert tw.SimStatus is SimStatus
    assert tw.Sim.__name__ == "Sim"


def test_error_hierarchy() -> None:
    for status_error in (
        tw.BadRequestError,
        tw.AuthenticationError,
        tw.PermissionDeniedError,
        tw.NotFoundError,
        tw.ConflictError,
        tw.RateLimitError,
        tw.ServerError,
    ):
        assert issubclass(status_error, tw.APIError)
    assert issubclass(tw.APIError, tw.WirelessError)
    assert issubclass(tw.APITimeoutError, tw.APIConnectionError)
    assert issubclass(tw.APIConnectionError, tw.WirelessError)


def test_public_methods_have_docstrings() -> None:
    client_type = tw.WirelessClient
    assert client_type.__doc__
    resources = {
        "sims": ("fetch", "update", "delete", "list", "usage_records", "data_sessions"),
        "commands": ("create", "fetch", "delete", "list"),
        "rate_plans": ("create", "fetch", "update", "delete", "list"),
        "usage_records": ("list",),
    }
    client = tw.WirelessClient("AC" + "0" * 32, "token")
    for attribute, methods in resources.items():
        resource = getattr(client, attribute)
        for method in methods:
            doc = getattr(resource, method).__doc__
            assert doc, f"{attribute}.{method} has no docstring"
            assert "Raises:" in doc, f"{attribute}.{method} does not document what it raises"

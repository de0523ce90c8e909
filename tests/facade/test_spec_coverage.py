"""No silent drift: every generated operation is sent by a facade method that accepts all of
its parameters, and every generated model users can meet is exported.

After a regeneration that adds an operation or a parameter, these fail naming it (the
parameters of methods that take `**fields: Unpack[module.Params]` reach callers on their
own; only hand-kept signatures can fall behind).
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import typing
from collections.abc import Callable, Iterator
from types import ModuleType
from typing import Any

import pytest
import twilio_wireless_openapi.api as generated_api
import twilio_wireless_openapi.models as generated_models

import twilio_wireless as tw
from twilio_wireless._resources._commands import CommandsResource
from twilio_wireless._resources._rate_plans import RatePlansResource
from twilio_wireless._resources._sims import SimsResource
from twilio_wireless._resources._usage_records import UsageRecordsResource

RESOURCES = (SimsResource, CommandsResource, RatePlansResource, UsageRecordsResource)


def generated_operations() -> dict[str, ModuleType]:
    """OperationId -> its generated endpoint module, found by walking the package."""
    found: dict[str, ModuleType] = {}
    for info in pkgutil.walk_packages(generated_api.__path__, generated_api.__name__ + "."):
        module = importlib.import_module(info.name)
        if hasattr(module, "OPERATION_ID"):
            found[module.OPERATION_ID] = module
    return found


def facade_methods() -> Iterator[tuple[str, Callable[..., Any]]]:
    for resource in RESOURCES:
        for name, method in vars(resource).items():
            if hasattr(method, "__wireless_operation__"):
                yield f"{resource.__name__}.{name}", method


def params_type(method: Callable[..., Any]) -> type | None:
    """The TypedDict of a method's `**fields: Unpack[TD]`, or None without one.

    Only that annotation is evaluated: the method's other annotations may name types its
    module imports for type checkers only (see _lazy).
    """
    for parameter in inspect.signature(method).parameters.values():
        if parameter.kind is inspect.Parameter.VAR_KEYWORD:
            annotation = parameter.annotation
            if isinstance(annotation, str):  # postponed (PEP 563)
                annotation = eval(annotation, method.__globals__)
            (typed_dict,) = typing.get_args(annotation)
            return typed_dict  # type: ignore[no-any-return]
    return None


def accepted_names(method: Callable[..., Any]) -> set[str]:
    """Keyword arguments a method takes: its own, plus the keys of `**kw: Unpack[TD]`."""
    names = {
        p.name
        for p in inspect.signature(method).parameters.values()
        if p.kind is inspect.Parameter.KEYWORD_ONLY
    }
    typed_dict = params_type(method)
    return names | (set(typing.get_type_hints(typed_dict)) if typed_dict else set())


def test_every_generated_operation_is_sent_by_a_facade_method() -> None:
    wrapped = {method.__wireless_operation__.OPERATION_ID for _, method in facade_methods()}
    missing = sorted(set(generated_operations()) - wrapped)
    assert not missing, f"generated operations no facade method sends: {missing}"


def test_every_parameter_of_a_wrapped_operation_is_accepted() -> None:
    gaps = []
    for where, method in facade_methods():
        operation = method.__wireless_operation__
        accepted = accepted_names(method) | method.__wireless_owned__
        positional = [
            p
            for p in inspect.signature(method).parameters.values()
            if p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD and p.name != "self"
        ]
        for parameter in operation.PARAMETERS:
            if parameter.location == "path":
                if not positional:
                    gaps.append(f"{where}: path parameter {parameter.wire_name}")
            elif parameter.python_name not in accepted:
                gaps.append(f"{where}: {operation.OPERATION_ID} {parameter.wire_name}")
    assert not gaps, "parameters the facade does not accept: " + ", ".join(gaps)


def test_the_methods_that_send_an_operation_take_its_generated_params() -> None:
    # A method typed with the generated TypedDict passes new parameters on by itself.
    for where, method in facade_methods():
        operation = method.__wireless_operation__
        if not typing.get_type_hints(operation.Params):
            continue  # nothing a caller sets (fetch, delete)
        assert params_type(method) is operation.Params, where


def test_every_model_users_can_meet_is_exported() -> None:
    private = {"Page", "Request"}  # list pages and request bodies: built and unwrapped inside
    generated = {
        name
        for name in generated_models.__all__
        if not any(name.endswith(suffix) for suffix in private)
    }
    generated.discard("PageMeta")  # tw.Page carries its fields
    missing = sorted(generated - set(tw.__all__))
    assert not missing, f"generated models not exported from twilio_wireless: {missing}"
    for name in generated:
        assert getattr(tw, name) is getattr(generated_models, name)


def test_drift_is_reported_by_name(monkeypatch: pytest.MonkeyPatch) -> None:
    # The checks above must name what they miss: a parameter no method accepts.
    from twilio_wireless_openapi.api.wireless_v1_sim import list_sim
    from twilio_wireless_openapi.types import Parameter

    extra = Parameter("x_probe", "XProbe", "query", False, str)
    monkeypatch.setattr(list_sim, "PARAMETERS", (*list_sim.PARAMETERS, extra))
    with pytest.raises(AssertionError, match=r"SimsResource\.list: ListSim XProbe"):
        test_every_parameter_of_a_wrapped_operation_is_accepted()

"""This SDK installed without its `speedups` extra: JSON parsed by the standard library.

`sdk` runs with orjson (`twilio-wireless[speedups]`, the recommended install); this variant
shows what the SDK costs without it, so no comparison depends on the extra unseen.
"""

from __future__ import annotations

import sys

sys.modules["orjson"] = None  # type: ignore[assignment]  # as if orjson were not installed

from . import sdk  # noqa: E402


class Client(sdk.Client):
    name = "sdk_stdlib_json"

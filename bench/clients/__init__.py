"""The benchmarked clients. Each module defines `Client(BenchClient)`; see `_base.py`."""

NAMES = ("sdk", "sdk_stdlib_json", "aiohttp_raw", "httpx_raw", "twilio_official", "floor")

# What `import` costs each client in a fresh interpreter (measured by run.py).
IMPORTS = {
    "sdk": "import twilio_wireless",
    "sdk_stdlib_json": "import sys; sys.modules['orjson'] = None; import twilio_wireless",
    "aiohttp_raw": "import aiohttp",
    "httpx_raw": "import httpx",
    # Async use of the official SDK needs both.
    "twilio_official": (
        "from twilio.rest import Client; "
        "from twilio.http.async_http_client import AsyncTwilioHttpClient"
    ),
    "floor": "import asyncio, json",
}

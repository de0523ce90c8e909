"""One module per Wireless resource; each wraps the generated endpoints of that resource.

Nothing is imported here: `WirelessClient` imports a resource's module when the resource
is first used (see `_client.py`).
"""

"""Async Python SDK for Twilio Programmable Wireless v1."""

from ._version import __version__

__all__ = ["__version__"]

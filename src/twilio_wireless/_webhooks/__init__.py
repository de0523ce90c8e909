"""Receiving Twilio's SIM status callbacks: StatusCallbackReceiver and what it yields."""

from ._callback import CallbackResult, SimStatusCallback
from ._receiver import CallbackWaiter, StatusCallbackReceiver

__all__ = ["CallbackResult", "CallbackWaiter", "SimStatusCallback", "StatusCallbackReceiver"]

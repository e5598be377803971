"""The error a local connector's registration raises, shared by both registration contracts."""

from __future__ import annotations


class RegistrationError(Exception):
    """A registration the connector refuses: an HTTP status and a one-line reason."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail

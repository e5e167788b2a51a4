"""The uvicorn server behind ``exportguard serve`` (imported only by that command: uvicorn loads slowly)."""

from __future__ import annotations

import socket

import uvicorn
from rich.console import Console


class AnnouncingServer(uvicorn.Server):
    """A uvicorn server that says where it listens once the socket is bound, and only then."""

    def __init__(self, config: uvicorn.Config, message: str, console: Console | None = None):
        super().__init__(config)
        self.message = message
        self.console = console or Console()

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if self.started:
            self.console.print(self.message)

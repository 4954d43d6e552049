"""Browser sessions of the console: random ids mapped, in this process only, to a CSRF token and
an expiry. The cookie carries the id, never the API token, so a cookie that reaches another
server is not a bearer credential, and signing out or the server's end makes it worthless."""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

# A working day: longer would keep a forgotten browser signed in overnight.
LIFETIME_S = 8 * 3600


@dataclass(frozen=True)
class Session:
    id: str
    csrf_token: str  # per session: nothing a page outside it has seen derives it
    expires_at: float  # on the store's clock


def _key(session_id: str) -> str:
    # Kept by digest: a lookup's timing then says nothing about the ids that exist.
    return hashlib.sha256(session_id.encode()).hexdigest()


class Sessions:
    def __init__(self, lifetime_s: float = LIFETIME_S, clock: Callable[[], float] = time.monotonic) -> None:
        self.lifetime_s = lifetime_s
        self._clock = clock
        self._sessions: dict[str, Session] = {}
        self._lock = threading.Lock()

    def start(self) -> Session:
        session = Session(secrets.token_urlsafe(32), secrets.token_urlsafe(32), self._clock() + self.lifetime_s)
        with self._lock:
            self._drop_expired()
            self._sessions[_key(session.id)] = session
        return session

    def get(self, session_id: str | None) -> Session | None:
        """The live session with this id; None for an unknown, ended or expired one."""
        if not session_id:
            return None
        with self._lock:
            session = self._sessions.get(_key(session_id))
            if session is not None and session.expires_at <= self._clock():
                del self._sessions[_key(session_id)]
                return None
            return session

    def end(self, session_id: str) -> None:
        with self._lock:
            self._sessions.pop(_key(session_id), None)

    def _drop_expired(self) -> None:
        now = self._clock()
        for key in [k for k, s in self._sessions.items() if s.expires_at <= now]:
            del self._sessions[key]

"""A class's room: join code, pseudonyms, pushed screens, "real or colorized?" rounds and
the class's own experiment (:mod:`core.room.room`), kept in SQLite or Redis
(:mod:`core.room.store`). No photo is ever stored: pseudonyms, screens, votes, settings
and scores only.
"""

from __future__ import annotations

import threading

from core.room.room import Member, Room, RoomError, Rooms, Seat
from core.room.store import Store, open_store

__all__ = ["Member", "Room", "RoomError", "Rooms", "Seat", "Store", "open_store", "rooms"]

_LOCK = threading.Lock()
_ROOMS: list[Rooms] = []


def rooms() -> Rooms:
    """This process's rooms, in the store ``$COLORISATION_STORE`` names (opened once)."""
    with _LOCK:
        if not _ROOMS:
            _ROOMS.append(Rooms(open_store()))
        return _ROOMS[0]

"""Legacy helpers."""
from __future__ import annotations

import logging

from db_types import SyncSession


def run(db: SyncSession) -> None:
    logging.info("%s", db)

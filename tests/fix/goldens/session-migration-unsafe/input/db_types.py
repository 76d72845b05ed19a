from sqlalchemy.orm import Session as SyncSession

__all__ = ["SyncSession"]

# The legacy app's own sync setup beside the connector: a second engine and a sync session factory.
import os

from sqlalchemy import create_engine
from sqlalchemy.orm import Session, sessionmaker  # expect: DBF201

sync_engine = create_engine(os.environ.get("SYNC_DATABASE_URL", "postgresql+psycopg2://plant@localhost/plant"))  # expect: DBF102
SessionLocal = sessionmaker(bind=sync_engine, autoflush=False)  # expect: DBF103


def get_db():
    db = SessionLocal()
    try:
        yield db
    finally:
        db.close()


def open_session() -> Session:  # expect: DBF202
    return SessionLocal()

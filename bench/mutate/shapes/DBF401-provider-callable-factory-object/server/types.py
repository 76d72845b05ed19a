# A callable object whose __call__ returns AbstractAsyncContextManager[AsyncSession] (phoenix's DbSessionFactory),
# reached through a dataclass field (the GraphQL context) and through an attribute set in __init__.
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Callable

from sqlalchemy.ext.asyncio import AsyncSession


class DbSessionFactory:
    def __init__(self, db: Callable[[], AbstractAsyncContextManager[AsyncSession]]) -> None:
        self._db = db

    def __call__(self) -> AbstractAsyncContextManager[AsyncSession]:
        return self._db()


@dataclass
class Context:
    db: DbSessionFactory

/** Pieces of the DBF601/DBF602 docs examples: a complete app is needed so each example shows one rule only. */
const LIFESPAN = `@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    await initialize_database()
    yield
    await shutdown_database()
`;

const HEALTH_ROUTE = `@app.get("/health/db")
async def database_health() -> dict[str, str]:
    if not await health_check_database():
        raise HTTPException(status_code=503, detail="database unavailable")
    return {"database": "ok"}
`;

/** An app that follows the policy: lifespan awaiting the connector and an async GET /health/db. */
export const COMPLETE_APP = `from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, HTTPException

from core.database import health_check_database, initialize_database, shutdown_database


${LIFESPAN}

app = FastAPI(lifespan=lifespan)


${HEALTH_ROUTE}`;

/** Lifecycle right, but only a liveness route. */
export const APP_WITHOUT_DB_HEALTH = `from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from core.database import initialize_database, shutdown_database


${LIFESPAN}

app = FastAPI(lifespan=lifespan)


@app.get("/health")
async def liveness() -> dict[str, str]:
    return {"status": "ok"}
`;

/** Health route right, but no lifecycle. */
export const APP_WITHOUT_LIFECYCLE = `from fastapi import FastAPI, HTTPException

from core.database import health_check_database

app = FastAPI()


${HEALTH_ROUTE}`;

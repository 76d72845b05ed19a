/** What `dbfence init` finds in a project: import roots, connector, session dependency, API, app wiring. */
import assert from "node:assert/strict";
import path from "node:path";
import { describe, test } from "node:test";
import { inspectProject } from "../../src/init/inspect.js";
import { EXAMPLES, tmpProject } from "./helpers.js";

const DB_ENGINE = `from sqlalchemy.ext.asyncio import create_async_engine
engine = create_async_engine("postgresql+asyncpg://x/y", pool_size=5)
`;
const DB_SESSION = `from typing import Annotated, AsyncIterator
from fastapi import Depends
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from .engine import engine

SessionLocal = async_sessionmaker(engine, expire_on_commit=False)
_private = Annotated[AsyncSession, "internal"]


async def get_session():
    async with SessionLocal() as session:
        yield session


async def open_pool() -> None:
    async with engine.connect():
        pass


async def close_pool() -> None:
    await engine.dispose()


Db = Annotated[AsyncSession, Depends(get_session)]
`;

describe("inspectProject", () => {
  test("the example backend: everything the defaults assume, with where it was seen", () => {
    const found = inspectProject(path.join(EXAMPLES, "plant-backend"));
    assert.deepEqual(found.src, ["."]);
    assert.deepEqual(found.connector, ["core.database"]);
    assert.deepEqual(found.connectorFiles, ["core/database.py"]);
    assert.deepEqual(
      found.connectorSites.map((s) => s.what),
      ["create_async_engine", "sessionmaker(class_=AsyncSession)"],
    );
    assert.deepEqual(
      found.sessionDependency.map((d) => d.name),
      ["get_db_session"],
    );
    assert.deepEqual(found.connectorApi, [
      "Base",
      "get_db_session",
      "health_check_database",
      "initialize_database",
      "shutdown_database",
    ]);
    assert.equal(found.apps.length, 1);
    const app = found.apps[0];
    assert.equal(app?.file, "main.py");
    assert.equal(app?.lifespan?.name, "lifespan");
    assert.deepEqual(found.lifecycle, { startup: "initialize_database", shutdown: "shutdown_database" });
    assert.equal(found.healthPath, "/health/db");
    assert.equal(app?.health?.file, "api/health.py");
    assert.deepEqual(
      found.testSites.map((s) => s.file),
      ["tests/conftest.py"],
    );
    assert.deepEqual(found.outsideSites, []);
    assert.deepEqual(found.internalImports, []);
  });

  test("the legacy example: sync engines outside the connector and imported internals are listed", () => {
    const found = inspectProject(path.join(EXAMPLES, "plant-backend-legacy"));
    assert.deepEqual(found.connector, ["core.database"]);
    assert.deepEqual(
      found.outsideSites.map((s) => `${s.file}:${s.line} ${s.what}`),
      ["core/session.py:7 create_engine", "core/session.py:8 sessionmaker"],
    );
    assert.deepEqual(
      found.internalImports.map((i) => `${i.file} ${i.name}`),
      ["api/agents.py SessionFactory", "api/skills.py engine", "scripts/export_agents.py SessionFactory"],
    );
    assert.equal(found.apps.length, 1);
    assert.equal(found.healthPath, null, "its only health route does not touch the database path");
    assert.equal(found.apps[0]?.lifespan, null);
  });

  test("src layout: the folder holding the imported package is the root; a two-module connector package", () => {
    const root = tmpProject({
      "backend/app/__init__.py": "",
      "backend/app/db/__init__.py": "",
      "backend/app/db/engine.py": DB_ENGINE,
      "backend/app/db/session.py": DB_SESSION,
      "backend/app/api.py": `from fastapi import APIRouter, Depends
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession
from app.db.session import get_session

router = APIRouter(prefix="/internal")


@router.get("/ready")
async def ready(session: AsyncSession = Depends(get_session)) -> dict:
    await session.execute(text("SELECT 1"))
    return {"ok": True}


@router.get("/health")
async def health() -> dict:
    return {"ok": True}
`,
      "backend/app/main.py": `from fastapi import FastAPI
from app.api import router
from app.db.session import open_pool, close_pool

app = FastAPI()
app.include_router(router)


@app.on_event("startup")
async def startup() -> None:
    await open_pool()


@app.on_event("shutdown")
async def shutdown() -> None:
    await close_pool()
`,
      "backend/tests/conftest.py": `from sqlalchemy.ext.asyncio import create_async_engine
engine = create_async_engine("sqlite+aiosqlite://")
`,
      "scripts/seed.py": "import json\nfrom app.db.session import get_session\n",
    });
    const found = inspectProject(root);
    assert.deepEqual(found.src, ["backend"]);
    assert.deepEqual(found.connector, ["app.db.engine", "app.db.session"]);
    assert.deepEqual(
      found.sessionDependency.map((d) => `${d.file} ${d.name}`),
      ["backend/app/db/session.py get_session"],
    );
    assert.deepEqual(found.connectorApi, ["Db", "close_pool", "get_session", "open_pool"], "an Annotated alias is API");
    assert.deepEqual(found.lifecycle, { startup: "open_pool", shutdown: "close_pool" });
    assert.equal(found.healthPath, "/internal/ready", "the route that uses the connector wins over a bare /health");
    assert.deepEqual(
      found.testSites.map((s) => s.file),
      ["backend/tests/conftest.py"],
    );
  });

  test("no connector, no app: nothing is invented", () => {
    const found = inspectProject(tmpProject({ "tool.py": "import os\nprint(os.getcwd())\n", "bad.py": "def (:\n" }));
    assert.deepEqual(found.src, ["."]);
    assert.deepEqual(found.connector, []);
    assert.deepEqual(found.sessionDependency, []);
    assert.deepEqual(found.apps, []);
    assert.deepEqual(found.unparsable, ["bad.py"]);
    assert.deepEqual(found.lifecycle, { startup: null, shutdown: null });
    assert.equal(found.healthPath, null);
  });

  test("a folder shadowing a standard module or a regular package is not an import root", () => {
    const found = inspectProject(
      tmpProject({
        "utils/json.py": "",
        "pkg/__init__.py": "",
        "pkg/inner/mod.py": "",
        "main.py": "import json\nimport inner.mod\nimport pkg.inner.mod\n",
      }),
    );
    assert.deepEqual(found.src, ["."]);
  });
});

import { asyncDefFix } from "../../fix/await.js";
import { defineRule } from "../rule.js";
import { describeChain, routeHandlers } from "./handlers.js";

export default defineRule({
  code: "DBF301",
  name: "sync-db-endpoint",
  severity: "error",
  summary: "A route handler defined with `def` uses the database",
  docs: {
    what: "Reports a FastAPI route handler defined with `def` that receives a database session, directly or through any chain of `Depends(...)` (function, class and callable-instance dependencies, `Annotated` aliases, generator dependencies). Router- and `include_router`-level `dependencies=[...]` do not hand a session to the handler.",
    why: "FastAPI runs `def` handlers in a worker thread pool of limited size. With the async connector the session belongs to the event loop, and with a sync session every query holds a thread: under load requests queue behind the pool.",
    example: {
      bad: 'from fastapi import APIRouter, Depends\nfrom sqlalchemy.ext.asyncio import AsyncSession\n\nfrom core.database import get_db_session\n\nrouter = APIRouter()\n\n\n@router.get("/items")\ndef list_items(session: AsyncSession = Depends(get_db_session)) -> list[int]:\n    return []\n',
      good: 'from fastapi import APIRouter, Depends\nfrom sqlalchemy.ext.asyncio import AsyncSession\n\nfrom core.database import get_db_session\n\nrouter = APIRouter()\n\n\n@router.get("/items")\nasync def list_items(session: AsyncSession = Depends(get_db_session)) -> list[int]:\n    return []\n',
      fixed:
        'from fastapi import APIRouter, Depends\nfrom sqlalchemy.ext.asyncio import AsyncSession\n\nfrom core.database import get_db_session\n\nrouter = APIRouter()\n\n\n@router.get("/items")\nasync def list_items(session: AsyncSession = Depends(get_db_session)) -> list[int]:\n    return []\n',
    },
    fixSafety:
      "Unsafe: an `async def` handler runs on the event loop, so a blocking call left in its body (a sync query, `time.sleep`, file or network I/O) then stalls every request instead of one worker thread, and code that calls the handler directly (tests, other functions) gets a coroutine it must await. After the fix, await the session's coroutine methods (DBF401 offers that fix) and review the body and the direct callers.",
  },
  fix: { applicability: "unsafe", description: "Make the handler `async def`" },
  check(ctx) {
    for (const h of routeHandlers(ctx)) {
      if (h.fn.def.isAsync || !h.chain) continue;
      ctx.report(
        { start: h.fn.def.defStart, end: h.fn.def.nameStart + h.fn.def.name.length },
        `handler '${h.fn.def.name}' uses the database through ${describeChain(h.chain)} but is a plain 'def', so FastAPI runs it in the thread pool; make it 'async def' and await the session`,
        asyncDefFix(h.fn.def, ctx),
      );
    }
  },
});

import { compileGlobs } from "../../files/globs.js";
import { asyncDefFix } from "../../fix/await.js";
import { defineRule } from "../rule.js";
import { routeHandlers } from "./handlers.js";

export default defineRule({
  code: "DBF302",
  name: "sync-endpoint",
  severity: "warning",
  summary: "A route handler is defined with `def`",
  docs: {
    what: 'Reports any FastAPI route handler defined with `def` in `api-paths` (default: everywhere) outside test modules (config `test-modules`), unless DBF301 already reports it. Switch it off with `ignore = ["DBF302"]`.',
    why: "The policy asks for `async def` endpoints throughout, so that a handler that later gains a database dependency does not silently become a blocking one, and the async-endpoint share stays at its target.",
    example: {
      bad: 'from fastapi import APIRouter\n\nrouter = APIRouter()\n\n\n@router.get("/ping")\ndef ping() -> dict[str, str]:\n    return {"ping": "pong"}\n',
      good: 'from fastapi import APIRouter\n\nrouter = APIRouter()\n\n\n@router.get("/ping")\nasync def ping() -> dict[str, str]:\n    return {"ping": "pong"}\n',
      fixed:
        'from fastapi import APIRouter\n\nrouter = APIRouter()\n\n\n@router.get("/ping")\nasync def ping() -> dict[str, str]:\n    return {"ping": "pong"}\n',
    },
    fixSafety:
      "Unsafe: an `async def` handler runs on the event loop, so a blocking call in its body (file or network I/O, `time.sleep`, a CPU-heavy loop) then stalls every request instead of one worker thread, and code that calls the handler directly gets a coroutine it must await. Review the body and the direct callers; move blocking work to `run_in_threadpool`.",
  },
  fix: { applicability: "unsafe", description: "Make the handler `async def`" },
  check(ctx) {
    const apiPaths = ctx.config.apiPaths.map((p) =>
      /[*?[{]/.test(p) ? p : p === "." ? "." : `${p.replace(/\/$/, "")}/**`,
    );
    if (!compileGlobs(apiPaths).matches(ctx.path, false)) return;
    if (compileGlobs(ctx.config.testModules).matchesSelfOrAncestor(ctx.path, false)) return;
    for (const h of routeHandlers(ctx)) {
      if (h.fn.def.isAsync || h.chain) continue;
      ctx.report(
        { start: h.fn.def.defStart, end: h.fn.def.nameStart + h.fn.def.name.length },
        `handler '${h.fn.def.name}' is a plain 'def'; the policy wants 'async def' endpoints (FastAPI runs 'def' handlers in its thread pool)`,
        asyncDefFix(h.fn.def, ctx),
      );
    }
  },
});

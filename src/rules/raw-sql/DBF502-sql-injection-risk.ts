import type { Expr } from "../../parser/ast.js";
import { STATEMENT_METHODS, STATEMENT_RUNNERS } from "../../semantic/knowledge/sqlalchemy.js";
import { defineRule } from "../rule.js";
import { stringKind } from "./strings.js";

const TEXT_FUNCTIONS = new Set([
  "sqlalchemy.text",
  "sqlalchemy.sql.text",
  "sqlalchemy.sql.expression.text",
  "sqlmodel.text",
]);

export default defineRule({
  code: "DBF502",
  name: "sql-injection-risk",
  severity: "error",
  summary: "Builds SQL from non-constant pieces",
  docs: {
    what: 'Reports SQL built from non-constant pieces — an f-string with placeholders, `%` formatting, `+` concatenation, `.format(...)`, `"".join(...)` of non-constants — given to `text(...)`, to `exec_driver_sql(...)`, or as the statement of `execute`/`scalar`/`scalars`/`stream`/`stream_scalars`/`exec`. It is reported where the string is built: at the call when built inline, at the assignment when built into a name first.',
    why: 'Values pasted into SQL text are the classic injection hole. Bind parameters (`text("... WHERE email = :email")` with `{"email": email}`) send values separately, so they can never change the statement.',
    example: {
      bad: "from sqlalchemy import text\nfrom sqlalchemy.ext.asyncio import AsyncSession\n\n\nasync def find(session: AsyncSession, email: str) -> object:\n    return await session.scalar(text(f\"SELECT id FROM users WHERE email = '{email}'\"))\n",
      good: 'from sqlalchemy import text\nfrom sqlalchemy.ext.asyncio import AsyncSession\n\n\nasync def find(session: AsyncSession, email: str) -> object:\n    return await session.scalar(text("SELECT id FROM users WHERE email = :email"), {"email": email})\n',
    },
  },
  check(ctx) {
    const reported = new Set<number>();
    const report = (at: { start: number; end: number }, message: string): void => {
      if (reported.has(at.start)) return;
      reported.add(at.start);
      ctx.report(at, message);
    };
    for (const site of ctx.facts.calls) {
      let what: string | null = null;
      if (site.qname && TEXT_FUNCTIONS.has(site.qname)) what = "text()";
      else if (site.method === "exec_driver_sql") what = "exec_driver_sql()";
      else if (
        site.method &&
        STATEMENT_METHODS.has(site.method) &&
        site.receiver?.t === "db" &&
        STATEMENT_RUNNERS.has(site.receiver.db)
      ) {
        what = `${site.receiver.db}.${site.method}()`;
      }
      if (!what) continue;
      const arg: Expr | undefined = site.call.args.find(
        (a) => a.star === 0 && (a.name === null || a.name === "statement" || a.name === "text"),
      )?.value;
      if (!arg || stringKind(arg, site.ctx) !== "dynamic") continue;
      const message = `SQL given to ${what} is built from non-constant pieces, so request data can change the statement; use bind parameters (:name) and pass the values separately`;
      if (arg.kind === "Name") {
        const binding =
          (site.firstArgBinding && site.call.args[0]?.value === arg ? site.firstArgBinding : null) ??
          site.ctx.binding?.(arg.id);
        if (!binding) continue;
        // `sql += f"..."` several times: each dynamic piece is reported where it is added.
        const dynamicParts = (binding.parts ?? []).filter((p) => stringKind(p.value, site.ctx) === "dynamic");
        if (dynamicParts.length === 0) report({ start: binding.stmtStart, end: binding.value.end }, message);
        for (const p of dynamicParts) report({ start: p.stmtStart, end: p.value.end }, message);
      } else {
        report(site.call, message);
      }
    }
  },
});

/** "Does this function touch the connector?" and "which apps are top-level?": shared by the wiring rules. */
import { compileGlobs } from "../../files/globs.js";
import type { Expr } from "../../parser/ast.js";
import type { AppModel } from "../../semantic/apps.js";
import type { NameContext, TypeInference } from "../../semantic/infer.js";
import type { ProjectRuleContext } from "../rule.js";

/** Apps neither mounted into another app nor created in a test module (config `test-modules`). */
export function topLevelApps(ctx: ProjectRuleContext): AppModel[] {
  const tests = compileGlobs(ctx.config.testModules);
  return ctx.apps().filter((m) => !m.mounted && !tests.matchesSelfOrAncestor(m.app.path, false));
}

/** The connector function a callee expression names (`initialize_database`, `db.health_check_database`), if any. */
export function connectorFunction(callee: Expr, ctx: NameContext, infer: TypeInference): string | null {
  const r = infer.dealias(infer.resolveExpr(callee, ctx));
  if (r?.kind !== "symbol" || r.def.kind !== "function" || !infer.isConnectorModule(r.module)) return null;
  return r.name;
}

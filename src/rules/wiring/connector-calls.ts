/** "Does this function touch the connector?": shared by the wiring rules. */
import type { Expr } from "../../parser/ast.js";
import type { NameContext, TypeInference } from "../../semantic/infer.js";

/** The connector function a callee expression names (`initialize_database`, `db.health_check_database`), if any. */
export function connectorFunction(callee: Expr, ctx: NameContext, infer: TypeInference): string | null {
  const r = infer.dealias(infer.resolveExpr(callee, ctx));
  if (r?.kind !== "symbol" || r.def.kind !== "function" || !infer.isConnectorModule(r.module)) return null;
  return r.name;
}

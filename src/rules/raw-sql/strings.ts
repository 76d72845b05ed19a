/** What kind of SQL string an expression builds: a constant, a dynamic string, or not a string at all. */
import type { Expr } from "../../parser/ast.js";
import type { NameContext } from "../../semantic/infer.js";

export type StringKind = "constant" | "dynamic" | null;

/** Classifies `e`; names are followed to their binding once (`sql = f"..."` then `execute(sql)`). */
export function stringKind(e: Expr, ctx: NameContext, depth = 0): StringKind {
  if (depth > 8) return null;
  switch (e.kind) {
    case "Str":
      if (e.bytes) return null;
      if (e.value !== null) return "constant";
      // f"SET search_path TO {SCHEMA}" with SCHEMA a string constant is as constant as "..." + SCHEMA.
      return e.placeholders.every((p) => isConstant(p, ctx, depth)) ? "constant" : "dynamic";
    case "BinOp": {
      if (e.op === "%") {
        const left = stringKind(e.left, ctx, depth + 1);
        if (left === null) return null;
        return left === "constant" && isConstant(e.right, ctx, depth) ? "constant" : "dynamic";
      }
      if (e.op === "+") {
        const l = stringKind(e.left, ctx, depth + 1);
        const r = stringKind(e.right, ctx, depth + 1);
        if (l === null && r === null) return null;
        if (l === "constant" && r === "constant") return "constant";
        return "dynamic";
      }
      return null;
    }
    case "Call": {
      const f = e.func;
      if (f.kind !== "Attribute") return null;
      const base = stringKind(f.value, ctx, depth + 1);
      if (base === null) return null;
      if (f.attr === "format" || f.attr === "format_map") {
        return base === "constant" && e.args.every((a) => isConstant(a.value, ctx, depth)) ? "constant" : "dynamic";
      }
      if (f.attr === "join") {
        const arg = e.args[0]?.value;
        return base === "constant" && arg && isConstant(arg, ctx, depth) ? "constant" : "dynamic";
      }
      if (["strip", "lower", "upper", "rstrip", "lstrip", "replace"].includes(f.attr)) return base;
      return null;
    }
    case "Name": {
      const b = ctx.binding?.(e.id);
      if (!b || b.value === e) return null;
      return stringKind(b.value, ctx, depth + 1);
    }
    default:
      return null;
  }
}

function isConstant(e: Expr, ctx: NameContext, depth: number): boolean {
  switch (e.kind) {
    case "Str":
      return e.value !== null;
    case "Constant":
      return true;
    case "Sequence":
      return e.items.every((i) => isConstant(i, ctx, depth));
    case "UnaryOp":
      return isConstant(e.operand, ctx, depth);
    case "Name": {
      // A name bound to a number (`TIMEOUT_MS = 30_000`) is as constant as the literal.
      const b = ctx.binding?.(e.id);
      if (b && b.value !== e && b.value.kind === "Constant" && depth < 10) return true;
      return stringKind(e, ctx, depth + 1) === "constant";
    }
    case "BinOp":
    case "Call":
      return stringKind(e, ctx, depth + 1) === "constant";
    default:
      return false;
  }
}

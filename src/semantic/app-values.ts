/**
 * "Is this value a FastAPI app or router?" beyond what type inference answers from library classes: instances
 * of project subclasses of `FastAPI`/`APIRouter` (also subclasses of subclasses, across modules), and values
 * returned by project factory functions (`router = make_router("items")`), from their return annotation or
 * from what they return.
 */
import type { Expr } from "../parser/ast.js";
import type { NameContext, TypeInference } from "./infer.js";
import { APP_CLASSES } from "./knowledge/fastapi.js";
import type { ClassSummary, FunctionSig } from "./summary.js";

export type AppKind = "FastAPI" | "APIRouter";

const classMemo = new WeakMap<object, Map<string, { kind: AppKind | null; reads: Set<string> }>>();

/**
 * The FastAPI class a project class derives from, if any (`class TenantRouter(APIRouter)`). Memoised per
 * inference; a remembered answer notes again what it was computed from (the cache keys findings by it).
 */
export function appClassKind(infer: TypeInference, module: string, cls: ClassSummary): AppKind | null {
  let memo = classMemo.get(infer);
  if (!memo) {
    memo = new Map();
    classMemo.set(infer, memo);
  }
  const key = `${module}\0${cls.name}`;
  const hit = memo.get(key);
  if (hit) {
    infer.project.note(hit.reads);
    return hit.kind;
  }
  const { value, reads } = infer.project.track(() => baseKind(infer, module, cls, 0));
  memo.set(key, { kind: value, reads });
  return value;
}

function baseKind(infer: TypeInference, module: string, cls: ClassSummary, depth: number): AppKind | null {
  if (depth > 12) return null;
  const ctx = infer.moduleContext(module);
  for (const b of cls.bases) {
    const base = infer.dealias(infer.resolveExpr(b.kind === "Subscript" ? b.value : b, ctx));
    if (base?.kind === "external") {
      const kind = APP_CLASSES[base.qname];
      if (kind) return kind;
    } else if (base?.kind === "symbol" && base.def.kind === "class") {
      const kind = baseKind(infer, base.module, base.def.cls, depth + 1);
      if (kind) return kind;
    }
  }
  return null;
}

/** The app kind of an annotation (`FastAPI`, `APIRouter`, a project subclass, `Optional[...]` of one). */
export function appAnnotationKind(infer: TypeInference, e: Expr | null, ctx: NameContext, depth = 0): AppKind | null {
  if (!e || depth > 8) return null;
  if (e.kind === "Subscript") {
    const q = infer.qname(e.value, ctx) ?? "";
    if (/\.(Optional|Annotated)$/.test(q)) return appAnnotationKind(infer, e.items[0] ?? null, ctx, depth + 1);
    return null;
  }
  if (e.kind === "BinOp" && e.op === "|") {
    return appAnnotationKind(infer, e.left, ctx, depth + 1) ?? appAnnotationKind(infer, e.right, ctx, depth + 1);
  }
  if (e.kind === "Str" && e.value !== null) {
    const inner = infer.annotationExpr(e.value);
    return inner ? appAnnotationKind(infer, inner, ctx, depth + 1) : null;
  }
  if (e.kind !== "Name" && e.kind !== "Attribute") return null;
  const r = infer.dealias(infer.resolveExpr(e, ctx));
  if (r?.kind === "external") return APP_CLASSES[r.qname] ?? null;
  if (r?.kind === "symbol" && r.def.kind === "class") return appClassKind(infer, r.module, r.def.cls);
  return null;
}

/** The app kind of a value expression evaluated in `ctx`, or null when it is not known to be an app or router. */
export function appValueKind(infer: TypeInference, e: Expr, ctx: NameContext, depth = 0): AppKind | null {
  if (depth > 8) return null;
  const fact = infer.valueType(e, ctx);
  if (fact?.t === "app") return fact.kind;
  if (fact?.t === "instance") {
    const def = infer.project.get(fact.module)?.symbols[fact.cls];
    return def?.kind === "class" ? appClassKind(infer, fact.module, def.cls) : null;
  }
  if (e.kind === "Call") return factoryKind(infer, e.func, ctx, depth);
  if (e.kind === "Name" || e.kind === "Attribute") {
    // A module-level name bound to a factory call: `router = make_router("items")`.
    const r = infer.resolveExpr(e, ctx);
    if (r?.kind === "symbol" && r.def.kind === "assign" && r.def.value?.kind === "Call") {
      return appValueKind(infer, r.def.value, infer.moduleContext(r.module), depth + 1);
    }
  }
  return null;
}

/** What calling a project function gives, when it is an app or router: its return annotation, else its returns. */
function factoryKind(infer: TypeInference, func: Expr, ctx: NameContext, depth: number): AppKind | null {
  const r = infer.dealias(infer.resolveExpr(func, ctx));
  if (r?.kind !== "symbol" || r.def.kind !== "function") return null;
  return returnedKind(infer, r.module, r.def.sig, depth);
}

export function returnedKind(infer: TypeInference, module: string, sig: FunctionSig, depth = 0): AppKind | null {
  const mctx = infer.moduleContext(module);
  const declared = appAnnotationKind(infer, sig.returns, mctx);
  if (declared) return declared;
  for (const v of sig.returnValues) {
    const value = v.kind === "Name" && sig.locals[v.id] ? (sig.locals[v.id] as Expr) : v;
    const kind = appValueKind(infer, value, mctx, depth + 1);
    if (kind) return kind;
  }
  return null;
}

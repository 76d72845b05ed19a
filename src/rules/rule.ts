/** The shape of a rule: its metadata (docs, severity, fix) and its check over one file's facts. */
import type { DbfenceConfig } from "../config/load.js";
import type { Expr, Module } from "../parser/ast.js";
import type { LineMap } from "../parser/lines.js";
import type { FileFacts } from "../semantic/analysis.js";
import type { AppModel } from "../semantic/apps.js";
import type { TypeInference } from "../semantic/infer.js";
import type { Fix, RuleMeta } from "../types.js";

export interface RuleContext {
  facts: FileFacts;
  /** Path relative to the project root, `/` separators. */
  path: string;
  config: DbfenceConfig;
  infer: TypeInference;
  lines: LineMap;
  /** The file's syntax tree (fixes look at whole statements, imports and every use of a name). */
  tree: Module;
  /** The module is (part of) the connector. */
  isConnector: boolean;
  /** The file matches `test-fixture-modules`. */
  isTestFixture: boolean;
  report(node: { start: number; end: number }, message: string, fix?: Fix): void;
}

/** For rules about the whole project (app wiring): findings are placed in the file that declares the thing. */
export interface ProjectRuleContext {
  config: DbfenceConfig;
  infer: TypeInference;
  /** The project's FastAPI apps, resolved across modules (computed once, on first use). */
  apps(): AppModel[];
  /** Reports at an offset of a project file (path relative to the root); ignored for files not being reported on. */
  report(path: string, node: { start: number; end: number }, message: string): void;
}

export interface Rule extends RuleMeta {
  /** Rules of the 9xx family are computed by the engine (suppressions, exceptions, parsing). */
  check?: (ctx: RuleContext) => void;
  checkProject?: (ctx: ProjectRuleContext) => void;
}

export function defineRule(rule: Rule): Rule {
  return rule;
}

/** Dotted text of a Name/Attribute chain, for messages (`db.engine`). */
export function dotted(e: Expr): string {
  if (e.kind === "Name") return e.id;
  if (e.kind === "Attribute") return `${dotted(e.value)}.${e.attr}`;
  if (e.kind === "Call") return `${dotted(e.func)}(...)`;
  return "…";
}

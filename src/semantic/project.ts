/**
 * The project index: module summaries by name, and resolution of names across modules through
 * imports and re-exports (import cycles end in "unknown", never in a loop).
 */
import type { ModuleSummary, SymbolDef } from "./summary.js";

export type Resolved =
  /** Something outside the project: a library module or one of its members (`sqlalchemy.orm.Session`). */
  | { kind: "external"; qname: string }
  /** A project module (a file or package). */
  | { kind: "module"; module: string }
  /** A module-level definition of a project module. */
  | { kind: "symbol"; module: string; name: string; def: SymbolDef };

export class ProjectIndex {
  private readonly modules = new Map<string, ModuleSummary>();

  constructor(summaries: Iterable<ModuleSummary>) {
    for (const s of summaries) {
      // Two files claiming one module name (e.g. x.py and x/__init__.py): keep the first, like Python does for packages.
      if (!this.modules.has(s.module)) this.modules.set(s.module, s);
    }
  }

  get(module: string): ModuleSummary | undefined {
    return this.modules.get(module);
  }

  has(module: string): boolean {
    return this.modules.has(module);
  }

  all(): IterableIterator<ModuleSummary> {
    return this.modules.values();
  }

  /** What `import <module>` refers to. */
  resolveModule(module: string): Resolved {
    return this.modules.has(module) ? { kind: "module", module } : { kind: "external", qname: module };
  }

  /** What `<module>.<name>` refers to, following imports and re-exports. */
  resolveMember(module: string, name: string, seen: Set<string> = new Set()): Resolved | null {
    const key = `${module}\0${name}`;
    if (seen.has(key)) return null;
    seen.add(key);
    const summary = this.modules.get(module);
    if (!summary) return { kind: "external", qname: `${module}.${name}` };
    const def = summary.symbols[name];
    if (def) return { kind: "symbol", module, name, def };
    const imp = summary.imports[name];
    if (imp) {
      if (imp.name === null) return this.resolveModule(imp.module);
      const sub = `${imp.module}.${imp.name}`;
      // `from pkg import x`: what pkg/__init__ binds to `x` wins over the submodule pkg/x.py (a re-export
      // like `from .session import session` replaces the submodule binding), as at runtime.
      if (this.modules.has(sub) && !this.bindsName(imp.module, imp.name)) return { kind: "module", module: sub };
      return this.resolveMember(imp.module, imp.name, seen);
    }
    const sub = `${module}.${name}`;
    if (this.modules.has(sub)) return { kind: "module", module: sub };
    return null;
  }

  /** Whether a module's own code binds `name` (a definition, or an import other than `from . import name`). */
  private bindsName(module: string, name: string): boolean {
    const m = this.modules.get(module);
    if (!m) return false;
    if (m.symbols[name]) return true;
    const imp = m.imports[name];
    return !!imp && !(imp.name === name && imp.module === module);
  }

  /** Member access on something already resolved (`a.b` where `a` is resolved). */
  resolveAttribute(base: Resolved, attr: string): Resolved | null {
    switch (base.kind) {
      case "external":
        return { kind: "external", qname: `${base.qname}.${attr}` };
      case "module":
        return this.resolveMember(base.module, attr);
      case "symbol":
        return null;
    }
  }
}

/** The qualified name of a resolved thing, for matching library knowledge and messages. */
export function qualifiedName(r: Resolved | null): string | null {
  if (!r) return null;
  switch (r.kind) {
    case "external":
      return r.qname;
    case "module":
      return r.module;
    case "symbol":
      return `${r.module}.${r.name}`;
  }
}

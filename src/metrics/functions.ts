/** Every function of the analysed project, addressable the way summaries and app models name them. */
import type { CallSite, FunctionInfo } from "../semantic/analysis.js";
import type { TypeInference } from "../semantic/infer.js";
import type { AnalysedFile, AnalysedProject } from "./project.js";

export interface ProjectFunction {
  fn: FunctionInfo;
  file: AnalysedFile;
  /** `create_agent`, `ItemRepository.__init__`, `create_app.health` (enclosing functions and class). */
  name: string;
  line: number;
  /** Calls made in the function's own body (not in functions nested in it). */
  calls: CallSite[];
}

export class FunctionIndex {
  readonly all: ProjectFunction[] = [];
  private readonly byInfo = new Map<FunctionInfo, ProjectFunction>();
  /** `module:offset` → function, the key of a `FunctionSig` (module summaries, app models). */
  private readonly bySig = new Map<string, ProjectFunction>();

  constructor(
    project: AnalysedProject,
    readonly infer: TypeInference,
  ) {
    for (const file of project.files) {
      // Stubs describe types; their `def`s are neither handlers nor usage points.
      if (!file.parsed || file.rel.endsWith(".pyi")) continue;
      const { facts, lines } = file.parsed;
      for (const fn of facts.functions) {
        const pf: ProjectFunction = {
          fn,
          file,
          name: qualifiedFunctionName(fn),
          line: lines.lineOf(fn.def.nameStart),
          calls: [],
        };
        this.all.push(pf);
        this.byInfo.set(fn, pf);
        const key = sigKey(facts.module, fn.def.start);
        // Two files claiming one module: the first wins, as in the project index.
        if (!this.bySig.has(key)) this.bySig.set(key, pf);
      }
      for (const site of facts.calls) if (site.fn) this.byInfo.get(site.fn)?.calls.push(site);
    }
  }

  of(fn: FunctionInfo): ProjectFunction | undefined {
    return this.byInfo.get(fn);
  }

  /** The function a summary's `FunctionSig` (module + start offset) describes. */
  bySignature(module: string, start: number): ProjectFunction | undefined {
    return this.bySig.get(sigKey(module, start));
  }

  /**
   * The project function a call runs, when it is statically known: a function, a class (its
   * `__init__`, possibly inherited), or a method of an instance whose class is known (`repo.find(...)`,
   * `self.helper(...)`).
   */
  callee(site: CallSite): ProjectFunction | undefined {
    const infer = this.infer;
    const r = infer.dealias(infer.resolveExpr(site.call.func, site.ctx));
    if (r?.kind === "symbol") {
      if (r.def.kind === "function") return this.bySignature(r.module, r.def.sig.start);
      if (r.def.kind === "class") {
        const init = infer.findMethod(r.module, r.def.cls, "__init__");
        return init ? this.bySignature(init.module, init.sig.start) : undefined;
      }
      return undefined;
    }
    if (site.method && site.receiver?.t === "instance") {
      const def = infer.project.get(site.receiver.module)?.symbols[site.receiver.cls];
      if (def?.kind !== "class") return undefined;
      const m = infer.findMethod(site.receiver.module, def.cls, site.method);
      return m ? this.bySignature(m.module, m.sig.start) : undefined;
    }
    return undefined;
  }
}

function sigKey(module: string, start: number): string {
  return `${module}:${start}`;
}

export function qualifiedFunctionName(fn: FunctionInfo): string {
  const parts: string[] = [];
  for (let f: FunctionInfo | null = fn; f; f = f.parent) {
    parts.unshift(f.def.name);
    if (f.cls) parts.unshift(f.cls.name);
  }
  return parts.join(".");
}

/**
 * What happens to raw findings before they are reported: rule selection, per-file ignores, configured
 * exceptions (DBF903 when expired), suppression comments (DBF901 unused, DBF902 without reason) and
 * severity overrides.
 */
import type { DbfenceConfig } from "../config/load.js";
import { compileGlobs } from "../files/globs.js";
import { unusedSuppressionFix } from "../fix/suppression.js";
import type { Comment } from "../parser/ast.js";
import type { LineMap } from "../parser/lines.js";
import type { Finding, Fix } from "../types.js";
import { parseSuppressions, type Suppression } from "./suppressions.js";

export interface FilterContext {
  config: DbfenceConfig;
  /** The config file relative to the root, for DBF903 findings. */
  configFile: string | null;
  select?: string[];
  ignore?: string[];
  today: string;
  files: ReadonlyMap<string, { comments: Comment[]; lines: LineMap }>;
}

const matchesCode = (code: string, selectors: readonly string[]): boolean => selectors.some((s) => code.startsWith(s));

export function applyFilters(raw: Finding[], fc: FilterContext): Finding[] {
  const { config } = fc;
  const select = fc.select && fc.select.length > 0 ? fc.select : config.select.length > 0 ? config.select : ["DBF"];
  const ignore = [...config.ignore, ...(fc.ignore ?? [])];
  const enabled = (f: Finding): boolean => matchesCode(f.code, select) && !matchesCode(f.code, ignore);

  const perFile = Object.entries(config.perFileIgnores).map(([glob, codes]) => ({ m: compileGlobs([glob]), codes }));
  // A folder named by a key (`"tests"`, `"legacy/"`) covers the files below it, as in `exclude`.
  const ignoredForFile = (f: Finding): boolean =>
    perFile.some((p) => p.m.matchesSelfOrAncestor(f.path, false) && matchesCode(f.code, p.codes));

  let findings = raw.filter((f) => enabled(f) && !ignoredForFile(f));

  const extra: Finding[] = [];
  for (const ex of config.exceptions) {
    if (ex.expires !== null && ex.expires < fc.today) {
      extra.push(expiredException(ex, fc.configFile));
      continue;
    }
    const m = compileGlobs([ex.path]);
    findings = findings.filter((f) => !(m.matchesSelfOrAncestor(f.path, false) && matchesCode(f.code, ex.rules)));
  }

  findings = applyComments(findings, fc, extra);
  const out = [...findings, ...extra.filter((f) => enabled(f) && !ignoredForFile(f))];
  for (const f of out) {
    const sev = config.severity[f.code];
    if (sev) f.severity = sev;
  }
  return out;
}

function expiredException(ex: DbfenceConfig["exceptions"][number], configFile: string | null): Finding {
  return {
    code: "DBF903",
    name: "expired-exception",
    severity: "error",
    path: configFile ?? "dbfence.toml",
    line: ex.line,
    column: 1,
    endLine: ex.line,
    endColumn: 1,
    message: `the exception for '${ex.path}' (${ex.rules.join(", ")}) expired on ${ex.expires}${ex.approvedBy ? `, approved by ${ex.approvedBy}` : ""}; its findings are reported again — fix them or renew the exception with a new date`,
    fix: null,
  };
}

function applyComments(findings: Finding[], fc: FilterContext, extra: Finding[]): Finding[] {
  const kept: Finding[] = [];
  const byPath = new Map<string, Finding[]>();
  for (const f of findings) {
    const list = byPath.get(f.path);
    if (list) list.push(f);
    else byPath.set(f.path, [f]);
  }
  for (const [rel, info] of fc.files) {
    const sups = parseSuppressions(info.comments);
    if (sups.length === 0) continue;
    const byLine = new Map<number, typeof sups>();
    for (const s of sups) {
      const here = byLine.get(s.line);
      if (here) here.push(s);
      else byLine.set(s.line, [s]);
    }
    const commentAt = commentFinder(info.comments);
    const list = byPath.get(rel) ?? [];
    byPath.set(
      rel,
      list.filter((f) => {
        const here = byLine.get(f.line) ?? [];
        const hit = here.filter((s) => s.codes.includes(f.code));
        for (const s of hit) s.used.add(f.code);
        return hit.length === 0;
      }),
    );
    for (const s of sups) {
      const pos = info.lines.position(s.start);
      const end = info.lines.position(s.end);
      const unused = s.codes.filter((c) => !s.used.has(c));
      const directive = s.kind === "noqa" ? "# noqa" : "# dbfence: ignore";
      if (unused.length > 0) {
        extra.push({
          code: "DBF901",
          name: "unused-suppression",
          severity: "error",
          path: rel,
          line: pos.line,
          column: pos.column,
          endLine: end.line,
          endColumn: end.column,
          message: `'${directive}' names ${unused.join(", ")} but ${unused.length === 1 ? "no such finding is" : "none of these findings are"} reported on this line; remove ${unused.length === s.codes.length ? "the comment" : "the unused codes"} so it cannot hide a future violation`,
          fix: unusedFix(commentAt(s.start), info.lines, s, unused),
        });
      }
      if (fc.config.requireReason && s.reason === "") {
        extra.push({
          code: "DBF902",
          name: "suppression-without-reason",
          severity: "error",
          path: rel,
          line: pos.line,
          column: pos.column,
          endLine: end.line,
          endColumn: end.column,
          message:
            s.kind === "noqa"
              ? `'# noqa: ${s.codes.join(",")}' cannot carry a reason; write '# dbfence: ignore[${s.codes.join(",")}] <why, ticket or ADR>' instead`
              : `suppression of ${s.codes.join(", ")} gives no reason; add why after the ']' (e.g. '# dbfence: ignore[${s.codes.join(",")}] nightly ETL, see OPS-12')`,
          fix: null,
        });
      }
    }
  }
  for (const list of byPath.values()) kept.push(...list);
  return kept;
}

/** DBF901's fix: drop the unused codes, or the directive when none is left (see src/fix/suppression.ts). */
function unusedFix(comment: Comment | undefined, lines: LineMap, s: Suppression, unused: string[]): Fix | null {
  return comment ? unusedSuppressionFix(comment, { kind: s.kind, start: s.start, unused }, lines) : null;
}

/** The comment holding an offset, by binary search over the comments sorted once (100,000 `noqa` lines). */
function commentFinder(comments: readonly Comment[]): (offset: number) => Comment | undefined {
  const sorted = [...comments].sort((a, b) => a.start - b.start);
  return (offset) => {
    let lo = 0;
    let hi = sorted.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((sorted[mid] as Comment).start <= offset) lo = mid;
      else hi = mid - 1;
    }
    const c = sorted[lo];
    return c && c.start <= offset && offset < c.start + c.text.length ? c : undefined;
  };
}

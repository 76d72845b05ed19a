/**
 * `dbfence review`: the policy checklist as Markdown for a pull-request comment. Pure: the CLI runs
 * the check, the baseline/diff split and the tests analysis, and hands the pieces to `buildReview`.
 *
 * An item is ✅ when no finding (not in the baseline) decides against it, ❌ otherwise, and ➖ when
 * the configuration switches all of its rules off. New findings (all of them without `--diff`; those
 * not present at the revision with it) are listed under their item; findings already at the revision
 * are listed once, folded, at the end. The review fails (exit 1) only when an item has new findings.
 */
import { compareFindings, plural } from "../reporters/common.js";
import type { Finding } from "../types.js";
import { CHECKLIST, type ChecklistItem, itemOf } from "./checklist.js";
import type { TestsReport } from "./tests.js";

export type ItemState = "pass" | "fail" | "skipped";

export interface ItemResult {
  item: ChecklistItem;
  state: ItemState;
  fresh: Finding[];
  preexisting: Finding[];
  baselined: number;
  /** Markdown about a passing item (the tests item names its fixture). */
  note: string | null;
}

export interface ReviewInput {
  /** Findings split by the baseline and --diff (see cli/baseline.ts). */
  fresh: Finding[];
  preexisting: Finding[];
  baselined: Finding[];
  tests: { report: TestsReport; fresh: Finding[]; preexisting: Finding[] };
  /** Whether a rule code is switched on by the configuration. */
  active: (code: string) => boolean;
  diff: { rev: string; commit: string } | null;
  baselineFile: string | null;
  staleEntries: number;
  toolVersion: string;
  /** Turns `path:line` into a link target, or null for plain text. */
  link: ((path: string, line: number) => string) | null;
}

export interface Review {
  items: ItemResult[];
  /** Findings of rules that are not on the checklist. */
  other: { fresh: Finding[]; preexisting: Finding[] };
  input: ReviewInput;
}

export function buildReview(input: ReviewInput): Review {
  const byItem = (list: Finding[], id: string) => list.filter((f) => itemOf(f) === id).sort(compareFindings);
  const items = CHECKLIST.map((item): ItemResult => {
    if (item.id === "tests") {
      const { report } = input.tests;
      const fresh = [...input.tests.fresh].sort(compareFindings);
      const preexisting = [...input.tests.preexisting].sort(compareFindings);
      const failed = fresh.length + preexisting.length > 0;
      return {
        item,
        state: failed ? "fail" : "pass",
        fresh,
        preexisting,
        baselined: 0,
        note: failed ? null : testsNote(report),
      };
    }
    const fresh = byItem(input.fresh, item.id);
    const preexisting = byItem(input.preexisting, item.id);
    const baselined = byItem(input.baselined, item.id).length;
    const state: ItemState =
      fresh.length + preexisting.length > 0 ? "fail" : item.codes.some(input.active) ? "pass" : "skipped";
    return { item, state, fresh, preexisting, baselined, note: null };
  });
  const other = (list: Finding[]) => list.filter((f) => itemOf(f) === null).sort(compareFindings);
  return { items, other: { fresh: other(input.fresh), preexisting: other(input.preexisting) }, input };
}

/** 1 when a checklist item has new findings, else 0. */
export function reviewExitCode(review: Review): number {
  return review.items.some((i) => i.fresh.length > 0) ? 1 : 0;
}

function testsNote(r: TestsReport): string {
  const fixture = r.asyncFixtures[0];
  const uses = `${plural(r.asyncTests, "test")} ${r.asyncTests === 1 ? "receives" : "receive"} an AsyncSession`;
  return fixture ? `${uses} from \`${fixture.name}\` (\`${fixture.path}:${fixture.line}\`)` : uses;
}

const MARK: Record<ItemState, string> = { pass: "✅", fail: "❌", skipped: "➖" };
const PREEXISTING_SHOWN = 50;

/** Escapes text for Markdown (inline), so messages cannot open emphasis, links, HTML or tables. */
export function escapeMarkdown(text: string): string {
  const word = (c: string | undefined) => c !== undefined && /[\p{L}\p{N}]/u.test(c);
  return text.replace(/\r?\n/g, " ").replace(/[\\`*_[\]<>|~]/g, (c, at: number, all: string) =>
    // An underscore inside a word (get_db_session) never starts emphasis in GitHub Markdown.
    c === "_" && word(all[at - 1]) && word(all[at + 1]) ? c : `\\${c}`,
  );
}

function location(f: Finding, link: ReviewInput["link"]): string {
  if (f.path === "") return "";
  const where = `${f.path}:${f.line}`;
  return link ? `[\`${where}\`](${link(f.path, f.line)}) ` : `\`${where}\` `;
}

function findingLine(f: Finding, link: ReviewInput["link"]): string {
  const code = f.code.startsWith("DBF") ? `**${f.code}** ` : "";
  return `${location(f, link)}${code}${escapeMarkdown(f.message)}`;
}

function revText(d: { rev: string; commit: string }): string {
  const short = d.commit.slice(0, 12);
  return d.rev === d.commit || short.startsWith(d.rev) ? `\`${short}\`` : `\`${d.rev}\` (${short})`;
}

function headline(review: Review): string {
  const { diff } = review.input;
  const total = review.items.length;
  const failingNew = review.items.filter((i) => i.fresh.length > 0).length;
  const failing = review.items.filter((i) => i.state === "fail").length;
  if (failingNew > 0) {
    const verb = failingNew === 1 ? "fails" : "fail";
    return diff
      ? `❌ **${failingNew} of ${total} checks ${verb} because of new findings** since ${revText(diff)}.`
      : `❌ **${failingNew} of ${total} checks ${verb}.**`;
  }
  if (failing > 0) {
    const verb = failing === 1 ? "check still fails" : "checks still fail";
    return `✅ **No new findings on the checklist** since ${diff ? revText(diff) : "the baseline"}; ${failing} ${verb} on findings that were already there.`;
  }
  const skipped = review.items.filter((i) => i.state === "skipped").length;
  return skipped > 0
    ? `✅ **All ${total - skipped} checked items pass** (${skipped} switched off).`
    : `✅ **All ${total} checks pass.**`;
}

function itemLines(r: ItemResult, input: ReviewInput): string[] {
  const codes = r.item.codes.length > 0 ? ` <sub>${r.item.codes.join(" ")}</sub>` : "";
  const parts: string[] = [];
  if (r.state === "skipped") parts.push("not checked: its rules are switched off in the configuration");
  const noun = r.item.id === "tests" ? "problem" : "finding";
  if (r.fresh.length > 0) parts.push(plural(r.fresh.length, `new ${noun}`));
  if (r.preexisting.length > 0) {
    parts.push(`${plural(r.preexisting.length, noun)} already at ${input.diff ? `\`${input.diff.rev}\`` : "the base"}`);
  }
  if (r.baselined > 0) parts.push(`${r.baselined} in the baseline`);
  if (r.note) parts.push(r.note);
  const lines = [`- ${MARK[r.state]} **${r.item.title}**${codes}${parts.length > 0 ? ` — ${parts.join("; ")}` : ""}`];
  for (const f of r.fresh) lines.push(`  - ${findingLine(f, input.link)}`);
  return lines;
}

export function renderReview(review: Review): string {
  const { input } = review;
  const out: string[] = ["## dbfence review", "", headline(review), ""];
  for (const r of review.items) out.push(...itemLines(r, input));
  out.push("");
  if (review.other.fresh.length > 0) {
    out.push(`**Other new findings** (rules not on the checklist; \`dbfence check\` reports them too):`, "");
    for (const f of review.other.fresh) out.push(`- ${findingLine(f, input.link)}`);
    out.push("");
  }
  const already = [
    ...review.items.filter((i) => i.item.id === "tests").flatMap((i) => i.preexisting),
    ...review.items.filter((i) => i.item.id !== "tests").flatMap((i) => i.preexisting),
    ...review.other.preexisting,
  ];
  if (already.length > 0 && input.diff) {
    out.push(
      `<details><summary>${plural(already.length, "finding")} already at ${escapeMarkdown(input.diff.rev)} (not introduced by this change)</summary>`,
      "",
    );
    for (const f of already.slice(0, PREEXISTING_SHOWN)) out.push(`- ${findingLine(f, input.link)}`);
    if (already.length > PREEXISTING_SHOWN) {
      out.push(`- … and ${already.length - PREEXISTING_SHOWN} more: \`dbfence check\` lists them all`);
    }
    out.push("", "</details>", "");
  }
  const footer = [`dbfence ${input.toolVersion}`];
  if (input.baselined.length > 0) {
    footer.push(`${plural(input.baselined.length, "finding")} in the baseline (${input.baselineFile}) not counted`);
  }
  if (input.staleEntries > 0) {
    footer.push(
      `${input.staleEntries} baseline ${input.staleEntries === 1 ? "entry no longer matches" : "entries no longer match"}: run \`dbfence baseline\` to shrink the file`,
    );
  }
  out.push(`<sub>${footer.join(" · ")}</sub>`, "");
  return out.join("\n");
}

/** `dbfence init`: inspect a Python project and write its dbfence configuration (and, on request, hooks). */
import fs from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { currentBranch, gitTop } from "../init/git.js";
import { type Inspection, inspectProject } from "../init/inspect.js";
import { type InitPlan, planInit } from "../init/plan.js";
import { type Command, fail } from "./common.js";

export const initCommand: Command = {
  name: "init",
  summary: "inspect a Python project and write its dbfence configuration",
  help: `Usage: dbfence init [PATH] [options]

Inspects the project in PATH (default: the current folder): where create_async_engine /
async_sessionmaker are called (the connector), the import roots, the session dependency, the
FastAPI app, its lifespan and database health route. Writes a commented [tool.dbfence] table at
the end of pyproject.toml (the rest of the file stays as it is), or dbfence.toml when there is no
pyproject.toml. Prints what it found and what it wrote.

Options:
  --dbfence-toml    write dbfence.toml even when there is a pyproject.toml
  --pre-commit      add the dbfence hook to .pre-commit-config.yaml (at the repository top)
  --github          write .github/workflows/dbfence.yml (annotations and SARIF upload)
  --force           replace an existing dbfence configuration or workflow
  --dry-run         print what would be written; write nothing
`,
  run(args) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        "dbfence-toml": { type: "boolean", default: false },
        "pre-commit": { type: "boolean", default: false },
        github: { type: "boolean", default: false },
        force: { type: "boolean", default: false },
        "dry-run": { type: "boolean", default: false },
      },
    });
    if (positionals.length > 1) fail("init takes one PATH (the project folder)");
    const root = path.resolve(positionals[0] ?? ".");
    if (!fs.existsSync(root) || !fs.statSync(root).isDirectory()) fail(`'${positionals[0]}' is not a folder`);
    const top = gitTop(root) ?? root;
    const found = inspectProject(root);
    const plan = planInit(found, {
      root,
      top,
      branch: currentBranch(root) ?? "main",
      dbfenceToml: values["dbfence-toml"],
      preCommit: values["pre-commit"],
      github: values.github,
      force: values.force,
    });
    const out: string[] = [...describeFindings(found, root)];
    if (plan.problems.length > 0) {
      process.stdout.write(`${out.join("\n")}\n`);
      fail(`nothing written:\n  ${plan.problems.join("\n  ")}`);
    }
    out.push("", values["dry-run"] ? "Would write (--dry-run: nothing written)" : "Wrote");
    const width = Math.max(0, ...plan.files.map((f) => display(f.abs).length));
    for (const f of plan.files) {
      if (!values["dry-run"]) {
        fs.mkdirSync(path.dirname(f.abs), { recursive: true });
        fs.writeFileSync(f.abs, f.content);
      }
      out.push(`  ${display(f.abs).padEnd(width)}  ${f.what}`);
    }
    for (const n of plan.notes) out.push(`  note: ${n}`);
    if (values["dry-run"]) for (const f of plan.files) out.push("", `--- ${display(f.abs)}`, f.content.trimEnd());
    out.push("", ...nextSteps(plan, values["pre-commit"]));
    process.stdout.write(`${out.join("\n")}\n`);
    return 0;
  },
};

function display(abs: string): string {
  const rel = path.relative(process.cwd(), abs);
  return rel === "" || rel.startsWith("..") ? abs : rel;
}

function at(s: { file: string; line: number }): string {
  return `${s.file}:${s.line}`;
}

/** "Found" — every fact with where it was seen, so a wrong guess is easy to spot and correct. */
export function describeFindings(found: Inspection, root: string): string[] {
  const out: string[] = [`dbfence init: inspected ${found.files} Python files in ${display(root) || "."}`, "", "Found"];
  const row = (label: string, text: string): void => {
    out.push(`  ${label.padEnd(19)} ${text}`);
  };
  const why = found.srcEvidence.map((e) => `import ${e.module} resolves in ${e.root}`).slice(0, 3);
  row("import roots (src)", `${found.src.join(", ")}${why.length > 0 ? `  (${why.join("; ")})` : ""}`);
  if (found.connector.length > 0) {
    row(
      "connector",
      `${found.connector.join(", ")}  (${found.connectorSites.map((s) => `${s.what} at ${at(s)}`).join(", ")})`,
    );
  } else {
    row(
      "connector",
      "none: no create_async_engine / async_sessionmaker call outside tests; the default core.database is kept",
    );
  }
  row(
    "session dependency",
    found.sessionDependency.length > 0
      ? found.sessionDependency.map((d) => `${d.name} (${at(d)})`).join(", ")
      : "none yielding an AsyncSession in the connector; the default get_db_session is kept",
  );
  if (found.connectorApi.length > 0) row("connector API", found.connectorApi.join(", "));
  if (found.apps.length === 0) row("app", "no FastAPI app found");
  for (const a of found.apps) {
    row("app", `${a.name} = FastAPI(...) at ${at(a)}`);
    const ls = a.lifespan ? `${a.lifespan.name} (${at(a.lifespan)})` : "no lifespan";
    const awaits = [a.startup && `awaits ${a.startup}() at startup`, a.shutdown && `${a.shutdown}() at shutdown`]
      .filter(Boolean)
      .join(", ");
    row("  lifecycle", `${ls}${awaits ? `: ${awaits}` : ": does not await the connector (DBF602 will report it)"}`);
    row(
      "  health route",
      a.health
        ? `GET ${a.health.path} -> ${a.health.handler} (${at(a.health)})`
        : "none (DBF601 will report it; add an async GET /health/db)",
    );
  }
  const outside = found.outsideSites;
  if (outside.length > 0) {
    row(
      "outside connector",
      `${outside
        .slice(0, 4)
        .map((s) => `${s.what} at ${at(s)}`)
        .join(", ")}${outside.length > 4 ? `, and ${outside.length - 4} more` : ""}  (DBF102/DBF103)`,
    );
  }
  if (found.internalImports.length > 0) {
    const shown = found.internalImports.slice(0, 4).map((i) => `${i.name} at ${at(i)}`);
    row(
      "internal imports",
      `${shown.join(", ")}${found.internalImports.length > 4 ? `, and ${found.internalImports.length - 4} more` : ""}  (DBF101)`,
    );
  }
  if (found.testSites.length > 0) {
    row("test engines", `${[...new Set(found.testSites.map((s) => s.file))].join(", ")} (allowed in conftest.py)`);
  }
  if (found.unparsable.length > 0) {
    row(
      "unparsable",
      `${found.unparsable.slice(0, 4).join(", ")}${found.unparsable.length > 4 ? ", ..." : ""} (DBF900)`,
    );
  }
  return out;
}

function nextSteps(plan: InitPlan, preCommit: boolean): string[] {
  const out = ["Next", "  dbfence check                    # what to fix, with codes; dbfence explain CODE says why"];
  if (preCommit) out.push("  pre-commit install               # then every commit runs dbfence on its staged files");
  else
    out.push(
      "  dbfence install-hook             # block commits that stage violations (or: dbfence init --pre-commit)",
    );
  if (plan.configFile) out.push(`  edit ${display(plan.configFile)} when a guess above is wrong`);
  return out;
}

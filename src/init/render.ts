/**
 * The files `dbfence init` writes, as text: a commented configuration (top-level keys for
 * `dbfence.toml`, a `[tool.dbfence]` table for pyproject.toml), a pre-commit entry and a GitHub
 * workflow. Pure functions of what the inspection found; no dates or absolute paths, so the same
 * project always gets the same text.
 */
import { defaultConfig } from "../config/load.js";
import { TOOL_INFORMATION_URI } from "../reporters/sarif.js";
import { VERSION } from "../version.js";
import type { Inspection } from "./inspect.js";

export const REPOSITORY_URL = TOOL_INFORMATION_URI;
/** `owner/name` of this repository: the action's `uses:`. */
export const ACTION_REPOSITORY = REPOSITORY_URL.replace(/^https:\/\/github\.com\//, "");
export const CONFIG_DOCS_URL = `${REPOSITORY_URL}/blob/main/docs/configuration.md`;
export const INTEGRATIONS_DOCS_URL = `${REPOSITORY_URL}/blob/main/docs/integrations.md`;

const str = (s: string): string => JSON.stringify(s);
const list = (items: readonly string[]): string => `[${items.map(str).join(", ")}]`;

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

/** The configuration, with a comment above every key saying what it is and what was found. */
export function renderConfig(found: Inspection, kind: "dbfence" | "pyproject"): string {
  const defaults = defaultConfig();
  const out: string[] = [];
  const sub = kind === "pyproject" ? "tool.dbfence." : "";
  if (kind === "pyproject") out.push("[tool.dbfence]");
  out.push(
    "# dbfence keeps this backend on its one database connector; written by `dbfence init`.",
    `# Every key, its type and default: ${CONFIG_DOCS_URL}`,
    "# Run `dbfence check`; `dbfence explain CODE` tells what a finding means and what to do.",
    "",
    "# Import roots: the module `a.b` is the file `<src>/a/b.py`.",
  );
  if (found.srcEvidence.length > 0) {
    const shown = found.srcEvidence.map((e) => `\`${e.module}\` in ${e.root}`).slice(0, 3);
    out.push(`# (found from the project's imports: ${shown.join(", ")})`);
  }
  out.push(`src = ${list(found.src)}`, "");

  if (found.connector.length > 0) {
    const what = unique(found.connectorSites.map((s) => s.what)).join(", ");
    out.push(
      "# The one module allowed to create engines, session factories and driver connections",
      `# (found: ${what} in ${found.connectorFiles.join(", ")}).`,
      `connector = ${list(found.connector)}`,
    );
  } else {
    out.push(
      "# The one module allowed to create engines, session factories and driver connections.",
      "# No create_async_engine / async_sessionmaker call was found: this is the default; set it to",
      "# the module that should own the database.",
      `connector = ${list(defaults.connector)}`,
    );
  }
  out.push("");

  const api = found.connectorApi.length > 0 ? found.connectorApi : defaults.connectorApi;
  out.push(
    "# What other modules may import from the connector (DBF101); its engine and session factory",
    "# stay private.",
    `connector-api = ${list(api)}`,
    "",
  );

  const deps = found.sessionDependency.map((d) => d.name);
  out.push("# Connector functions that yield an AsyncSession: the FastAPI dependency routes use.");
  if (deps.length > 0)
    out.push(`# (found: ${found.sessionDependency.map((d) => `${d.name} in ${d.file}`).join(", ")})`);
  else out.push("# None was found: this is the default name.");
  out.push(`session-dependency = ${list(deps.length > 0 ? deps : defaults.sessionDependency)}`, "");

  const startup = found.lifecycle.startup ?? defaults.lifecycle.startup;
  const shutdown = found.lifecycle.shutdown ?? defaults.lifecycle.shutdown;
  const app = found.apps[0];
  out.push("# What the app must await at startup and shutdown, in its lifespan (DBF602).");
  if (app?.lifespan && found.lifecycle.startup && found.lifecycle.shutdown) {
    out.push(`# (found: ${app.lifespan.name} in ${app.lifespan.file})`);
  } else if (!found.lifecycle.startup || !found.lifecycle.shutdown) {
    out.push("# Not found in the app: the names below are defaults until the app awaits them.");
  }
  out.push(`lifecycle = { startup = ${str(startup)}, shutdown = ${str(shutdown)} }`, "");

  const health = found.apps.find((a) => a.health)?.health;
  out.push("# The async GET route that answers whether the database does (DBF601).");
  if (health) out.push(`# (found: ${health.handler} in ${health.file})`);
  else out.push("# None was found: add one (see `dbfence explain DBF601`).");
  out.push(`health-path = ${str(found.healthPath ?? defaults.healthPath)}`, "");

  const tests = unique(found.testSites.map((s) => s.file));
  out.push("# Files allowed to build their own test engines and sessions (DBF102/DBF103 only).");
  if (tests.length > 0)
    out.push(`# (found ${plural(tests.length, "test file")} doing so: ${tests.slice(0, 3).join(", ")})`);
  out.push(
    `test-fixture-modules = ${list(defaults.testFixtureModules)}`,
    "",
    "# More when you need them:",
    '# extend-exclude = ["scripts/one_off/**"]',
    '# per-file-ignores = { "tests/**" = ["DBF104"] }',
    `# [[${sub}exceptions]]`,
    '# path = "scripts/legacy_etl.py"',
    '# rules = ["DBF104"]',
    '# reason = "nightly ETL on psycopg2 until the warehouse move"',
    "# expires = 2026-12-31",
  );
  return `${out.join("\n")}\n`;
}

function unique<T>(items: readonly T[]): T[] {
  return [...new Set(items)];
}

/** One repository entry of `.pre-commit-config.yaml`, indented for a `repos:` list at `indent`. */
export function preCommitEntry(indent: string, projectPrefix: string): string {
  const lines = [
    `${indent}- repo: ${REPOSITORY_URL}`,
    `${indent}  rev: v${VERSION}`,
    `${indent}  hooks:`,
    `${indent}    - id: dbfence`,
  ];
  if (projectPrefix !== "") lines.push(`${indent}      files: ^${escapeRegex(projectPrefix)}/`);
  return `${lines.join("\n")}\n`;
}

export function preCommitConfig(projectPrefix: string): string {
  return `# pre-commit (https://pre-commit.com): run \`pre-commit install\` once; every commit is then checked.
# dbfence checks the staged Python files; cross-file facts come from the rest of the project.
repos:
${preCommitEntry("  ", projectPrefix)}`;
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** `.github/workflows/dbfence.yml`: the action, annotations on the diff, SARIF to code scanning. */
export function githubWorkflow(projectPrefix: string, branch: string): string {
  const pathInput = projectPrefix === "" ? "." : projectPrefix;
  return `# dbfence: annotations on pull requests and findings in code scanning (Security tab).
# Written by \`dbfence init --github\`; see ${INTEGRATIONS_DOCS_URL}
name: dbfence

on:
  push:
    branches: [${branch}]
  pull_request:

permissions:
  contents: read
  security-events: write # upload-sarif

jobs:
  dbfence:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - id: dbfence
        uses: ${ACTION_REPOSITORY}@v${VERSION}
        with:
          path: ${pathInput}
      - if: \${{ !cancelled() }}
        uses: github/codeql-action/upload-sarif@v3
        with:
          sarif_file: \${{ steps.dbfence.outputs.sarif-file }}
          category: dbfence
`;
}

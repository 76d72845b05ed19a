#!/usr/bin/env node
/** The command line: picks the command, turns usage/config errors into exit 2, never prints a stack trace. */
import { allCommands, loadCommand } from "./cli/commands.js";
import { UsageError } from "./cli/common.js";
import { ConfigError } from "./config/load.js";
import { suggest } from "./config/messages.js";
import { VERSION } from "./version.js";

async function help(): Promise<string> {
  const COMMANDS = await allCommands();
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return `dbfence ${VERSION} — keeps a FastAPI + SQLAlchemy backend on its one async database connector

Usage:
${COMMANDS.map((c) => `  dbfence ${c.name.padEnd(width)}  ${c.summary}`).join("\n")}
  dbfence --version | --help
  dbfence <command> --help

${COMMANDS[0]?.help ?? ""}
Exit codes: 0 no error findings, 1 error findings (or warnings with --strict), 2 usage or configuration error.
Configuration: the nearest dbfence.toml, .dbfence.toml or [tool.dbfence] in pyproject.toml above each file (docs/configuration.md).
`;
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    process.stdout.write(await help());
    return name === undefined ? 2 : 0;
  }
  if (name === "--version" || name === "-V") {
    process.stdout.write(`dbfence ${VERSION}\n`);
    return 0;
  }
  const command = await loadCommand(name);
  if (!command) throw new UsageError(`unknown command '${name}'; try 'dbfence --help'`);
  if (rest.includes("--help") || rest.includes("-h")) {
    process.stdout.write(command.name === "check" ? await help() : command.help);
    return 0;
  }
  try {
    return await command.run(rest);
  } catch (e) {
    throw unknownOption(e, command.help) ?? e;
  }
}

/**
 * parseArgs' unknown-option error as one line naming the option, with the closest option of the command
 * (from its help text) when it looks like a typo: `unknown option '--outptu-format' (did you mean
 * '--output-format'?)`.
 */
function unknownOption(e: unknown, commandHelp: string): UsageError | null {
  if (!(e instanceof TypeError) || (e as { code?: string }).code !== "ERR_PARSE_ARGS_UNKNOWN_OPTION") return null;
  const option = /'(-[^']*)'/.exec(e.message)?.[1] ?? "";
  const known = [...new Set([...commandHelp.matchAll(/(?<![\w-])--([a-z][a-z0-9-]*)/g)].map((m) => m[1] as string))];
  const name = option.replace(/^-+/, "").split("=")[0] ?? "";
  const guess = name.length > 1 ? suggest(name, known) : null;
  const hint = guess !== null ? ` (did you mean '--${guess}'?)` : "";
  return new UsageError(
    `unknown option '${option}'${hint}; 'dbfence ${commandName(commandHelp)} --help' lists the options`,
  );
}

function commandName(help: string): string {
  return /^Usage: dbfence ([a-z-]+)/.exec(help)?.[1] ?? "<command>";
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    const usage =
      e instanceof UsageError ||
      e instanceof ConfigError ||
      (e instanceof TypeError && (e as { code?: string }).code?.startsWith("ERR_PARSE_ARGS"));
    if (usage) {
      process.stderr.write(`dbfence: ${(e as Error).message}\n`);
      process.exitCode = 2;
      return;
    }
    const detail = e instanceof Error ? (process.env.DBFENCE_DEBUG ? (e.stack ?? e.message) : e.message) : String(e);
    process.stderr.write(`dbfence: internal error: ${detail}\n`);
    process.stderr.write("dbfence: this is a bug in dbfence; please report it with the file that triggered it.\n");
    process.exitCode = 3;
  },
);

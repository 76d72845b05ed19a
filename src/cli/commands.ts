/**
 * The command registry: one entry per `dbfence <command>`; each command lives in its own module and is
 * loaded only when run (a `check` in a pre-commit hook does not pay for the dashboard's web server).
 */
import type { Command } from "./common.js";

// biome-ignore format: one command per line keeps additions from colliding
const LOADERS: Readonly<Record<string, () => Promise<Command>>> = {
  check: async () => (await import("./check.js")).checkCommand,
  rules: async () => (await import("./docs-commands.js")).rulesCommand,
  explain: async () => (await import("./docs-commands.js")).explainCommand,
  baseline: async () => (await import("./baseline.js")).baselineCommand,
  review: async () => (await import("./review.js")).reviewCommand,
  probe: async () => (await import("./probe.js")).probeCommand,
  metrics: async () => (await import("./metrics.js")).metricsCommand,
  audit: async () => (await import("./audit.js")).auditCommand,
  serve: async () => (await import("./serve.js")).serveCommand,
  init: async () => (await import("./init.js")).initCommand,
  "install-hook": async () => (await import("./install-hook.js")).installHookCommand,
};

/** Command names in `dbfence --help` order. */
export const COMMAND_NAMES: readonly string[] = Object.keys(LOADERS);

/** The command called `name`, or null. */
export async function loadCommand(name: string): Promise<Command | null> {
  const load = Object.hasOwn(LOADERS, name) ? LOADERS[name] : undefined;
  return load ? load() : null;
}

/** Every command, in `--help` order. */
export async function allCommands(): Promise<Command[]> {
  return Promise.all(COMMAND_NAMES.map(async (n) => (await loadCommand(n)) as Command));
}

/** The command registry: one entry per `dbfence <command>`; each command lives in its own module. */
import { auditCommand } from "./audit.js";
import { baselineCommand } from "./baseline.js";
import { checkCommand } from "./check.js";
import type { Command } from "./common.js";
import { explainCommand, rulesCommand } from "./docs-commands.js";
import { initCommand } from "./init.js";
import { installHookCommand } from "./install-hook.js";
import { metricsCommand } from "./metrics.js";
import { probeCommand } from "./probe.js";
import { reviewCommand } from "./review.js";
import { serveCommand } from "./serve.js";

// biome-ignore format: one command per line keeps additions from colliding
export const COMMANDS: readonly Command[] = [
  checkCommand,
  rulesCommand,
  explainCommand,
  baselineCommand,
  reviewCommand,
  probeCommand,
  metricsCommand,
  auditCommand,
  serveCommand,
  initCommand,
  installHookCommand,
];

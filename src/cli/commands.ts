/** The command registry: one entry per `dbfence <command>`; each command lives in its own module. */
import { checkCommand } from "./check.js";
import type { Command } from "./common.js";
import { explainCommand, rulesCommand } from "./docs-commands.js";
import { probeCommand } from "./probe.js";

// biome-ignore format: one command per line keeps additions from colliding
export const COMMANDS: readonly Command[] = [
  checkCommand,
  rulesCommand,
  explainCommand,
  probeCommand,
];

/** The command registry: one entry per `dbfence <command>`; each command lives in its own module. */
import { checkCommand } from "./check.js";
import type { Command } from "./common.js";
import { explainCommand, rulesCommand } from "./docs-commands.js";

export const COMMANDS: readonly Command[] = [checkCommand, rulesCommand, explainCommand];

/**
 * `check --show-settings`: the settings each project of the PATHS is checked with, as TOML a user could
 * paste into dbfence.toml (defaults filled in, `extend-*` lists already merged into their lists).
 */
import { tomlValue } from "../config/docs.js";
import type { DbfenceConfig } from "../config/load.js";
import { shownFile } from "./common.js";
import { type ProjectRun, withNestedExcluded } from "./projects.js";

/** `connectorApi` → `connector-api`. */
const kebab = (key: string): string => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** The settings as `key = value` lines, in the config's order. */
export function settingsToml(config: DbfenceConfig): string[] {
  const lines: string[] = [];
  for (const [key, value] of Object.entries(config)) {
    if (key === "extendSelect" || key === "exceptions" || key === "thresholds") continue;
    lines.push(`${kebab(key)} = ${tomlValue(value)}`);
  }
  const t = config.thresholds;
  lines.push(`thresholds = ${tomlValue(Object.fromEntries(Object.entries(t).map(([k, v]) => [kebab(k), v])))}`);
  for (const e of config.exceptions) {
    lines.push(
      `[[exceptions]] # line ${e.line}`,
      `path = ${tomlValue(e.path)}`,
      `rules = ${tomlValue(e.rules)}`,
      `reason = ${tomlValue(e.reason)}`,
      ...(e.approvedBy !== null ? [`approved-by = ${tomlValue(e.approvedBy)}`] : []),
      ...(e.expires !== null ? [`expires = ${e.expires}`] : []),
    );
  }
  return lines;
}

export function showSettings(projects: readonly ProjectRun[]): number {
  const blocks = projects.map((project) => {
    const { root, file, config } = withNestedExcluded(project);
    return [
      `# Settings for ${project.paths.map((p) => shownFile(p) || ".").join(", ")}`,
      `# project root: ${shownFile(root) || "."}`,
      `# config file: ${file ? shownFile(file) : "none (the default settings)"}`,
      ...(project.nested.length > 0
        ? [`# nested projects (checked under their own config): ${project.nested.map(shownFile).join(", ")}`]
        : []),
      ...settingsToml(config),
    ].join("\n");
  });
  process.stdout.write(`${blocks.join("\n\n")}\n`);
  return 0;
}

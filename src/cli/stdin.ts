/**
 * `check --stdin-filename PATH`: the text on stdin is checked as the file PATH of its project (editors
 * and formatter-style integrations send the unsaved buffer). The project is PATH's nearest config's, and
 * every other file of it provides its cross-file facts from disk, as in a normal run; PATH need not exist.
 */
import fs from "node:fs";
import path from "node:path";
import { blobHash } from "../cache/store.js";
import { findConfigFile, startFolder } from "../config/discover.js";
import { defaultConfig, type LoadedConfig, loadConfig } from "../config/load.js";
import type { Snapshot } from "../engine/run.js";
import { discoverFiles } from "../files/discover.js";
import { checkSelectors, isInside } from "./common.js";
import { nestedRoots, type ProjectRun, withNestedExcluded } from "./projects.js";

export interface StdinFile {
  /** The absolute path the text stands for. */
  abs: string;
  text: string;
}

/** All of stdin, as UTF-8 (a leading byte-order mark dropped). */
export async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks)
    .toString("utf8")
    .replace(/^\uFEFF/, "");
}

/** The project PATH belongs to, and a snapshot of it in which PATH holds stdin's text. */
export function stdinProject(
  stdin: StdinFile,
  configFile: string | undefined,
): { project: ProjectRun; snapshot: Snapshot } {
  const { abs } = stdin;
  const found = configFile !== undefined ? path.resolve(configFile) : findConfigFile(abs);
  const loaded: LoadedConfig =
    found === null
      ? { root: startFolder(abs), file: null, config: defaultConfig() }
      : loadConfig({ startPath: abs, configFile: found });
  if (configFile !== undefined && !isInside(abs, loaded.root)) {
    loaded.root = isInside(abs, process.cwd()) ? process.cwd() : path.dirname(abs);
  }
  checkSelectors(loaded);
  const project: ProjectRun = { loaded, paths: [abs], nested: nestedRoots(loaded) };
  const { config, root } = withNestedExcluded(project);
  const files = discoverFiles({
    root,
    paths: [root],
    include: config.include,
    exclude: config.exclude,
    respectGitignore: true,
  }).files;
  if (!files.some((f) => f.abs === abs)) files.push({ abs, rel: path.relative(root, abs).split(path.sep).join("/") });
  const bytes = Buffer.from(stdin.text, "utf8");
  const snapshot: Snapshot = {
    files,
    blob: (f) => blobHash(f === abs ? bytes : fs.readFileSync(f)),
    read: (f) => (f === abs ? bytes : fs.readFileSync(f)),
  };
  return { project, snapshot };
}

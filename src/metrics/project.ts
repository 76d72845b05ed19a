/**
 * The analysed project the metrics are computed from: every file parsed, summarised and indexed the way
 * `runCheck` does it (same discovery, same module names, same type inference), plus each file's facts,
 * comments and text. The engine does not expose these, so metrics builds its own copy; nothing is
 * reported from here.
 */
import fs from "node:fs";
import type { LoadedConfig } from "../config/load.js";
import { connectorModules, moduleForFile } from "../engine/modules.js";
import { decodePythonSource } from "../files/decode.js";
import { type DiscoveredFile, discoverFiles } from "../files/discover.js";
import type { Comment, Module } from "../parser/ast.js";
import { parsePython } from "../parser/index.js";
import type { LineMap } from "../parser/lines.js";
import { analyzeModule, type FileFacts } from "../semantic/analysis.js";
import { TypeInference } from "../semantic/infer.js";
import { ProjectIndex } from "../semantic/project.js";
import { type ModuleSummary, summarizeModule } from "../semantic/summary.js";

export interface AnalysedFile {
  /** Relative to the project root, `/` separators. */
  rel: string;
  abs: string;
  module: string;
  /** The file is (part of) the connector. */
  isConnector: boolean;
  /** The file is among the PATHS the metrics are reported for. */
  reported: boolean;
  /** Decoded text, null when the file could not be read or decoded. */
  text: string | null;
  /** Null when the file did not parse (a DBF900 finding). */
  parsed: { facts: FileFacts; comments: Comment[]; lines: LineMap } | null;
}

export interface AnalysedProject {
  infer: TypeInference;
  files: AnalysedFile[];
}

/** Parses and analyses the whole project; `paths` (absolute) only decides which files are `reported`. */
export function analyseProject(loaded: LoadedConfig, paths: readonly string[]): AnalysedProject {
  const { root, config } = loaded;
  const discover = (p: string[]): DiscoveredFile[] =>
    discoverFiles({ root, paths: p, include: config.include, exclude: config.exclude, respectGitignore: true }).files;
  const reportedFiles = discover(paths.length > 0 ? [...paths] : [root]);
  const reported = new Set(reportedFiles.map((f) => f.abs));
  const everything = paths.length === 1 && paths[0] === root ? reportedFiles : merge(reportedFiles, discover([root]));

  const connectors = connectorModules(config.connector, config.src);
  const isConnector = (module: string): boolean => connectors.some((c) => module === c || module.startsWith(`${c}.`));

  const pending: { file: AnalysedFile; tree: Module; summary: ModuleSummary; comments: Comment[]; lines: LineMap }[] =
    [];
  const files: AnalysedFile[] = [];
  for (const f of everything) {
    const { module, isPackage } = moduleForFile(f.rel, config.src);
    const file: AnalysedFile = {
      rel: f.rel,
      abs: f.abs,
      module,
      isConnector: isConnector(module),
      reported: reported.has(f.abs),
      text: readText(f.abs),
      parsed: null,
    };
    files.push(file);
    if (file.text === null) continue;
    const parsed = parsePython(file.text);
    if (!parsed.ok) continue;
    const summary = summarizeModule(module, f.rel, isPackage, parsed.module, (o) => parsed.lines.lineOf(o));
    pending.push({ file, tree: parsed.module, summary, comments: parsed.comments, lines: parsed.lines });
  }

  const project = new ProjectIndex(pending.map((p) => p.summary));
  const infer = new TypeInference(project, { connectors, sessionDependencies: config.sessionDependency });
  for (const p of pending) {
    try {
      p.file.parsed = { facts: analyzeModule(p.tree, p.summary, infer), comments: p.comments, lines: p.lines };
    } catch {
      // `check` reports such a file as an internal-error notice; metrics just leaves its facts out.
    }
  }
  return { infer, files };
}

function readText(abs: string): string | null {
  try {
    const decoded = decodePythonSource(fs.readFileSync(abs));
    return decoded.ok ? decoded.text : null;
  } catch {
    return null;
  }
}

function merge(a: DiscoveredFile[], b: DiscoveredFile[]): DiscoveredFile[] {
  const seen = new Set(a.map((f) => f.abs));
  return [...a, ...b.filter((f) => !seen.has(f.abs))];
}

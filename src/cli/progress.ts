/**
 * Progress on stderr (INTERFACE.md, Interface v2): for a run longer than about a second, on a terminal
 * only, one line rewritten in place with the phase the engine is in. Never for json/sarif/github output
 * (a machine reads those) and never in CI logs (`CI` set), unless `--progress` asks for it: then every
 * phase is a line of its own from the start. `-q` turns it off.
 */

/** How long a run goes before its progress shows on a terminal. */
export const PROGRESS_DELAY_MS = 1000;

export interface ProgressStream {
  isTTY?: boolean;
  write(text: string): unknown;
}

export class Progress {
  private readonly mode: "off" | "terminal" | "lines";
  private readonly started: number;
  private label = "";
  private drawn = false;

  constructor(
    flags: { format: string; quiet: boolean; progress: boolean },
    private readonly projects: number,
    private readonly stream: ProgressStream = process.stderr,
    env: NodeJS.ProcessEnv = process.env,
    private readonly now: () => number = () => performance.now(),
    private readonly delayMs: number = PROGRESS_DELAY_MS,
  ) {
    this.started = now();
    const ci = env.CI !== undefined && env.CI !== "" && env.CI !== "false";
    if (flags.quiet) this.mode = "off";
    else if (flags.progress) this.mode = stream.isTTY === true ? "terminal" : "lines";
    else this.mode = flags.format === "text" && stream.isTTY === true && !ci ? "terminal" : "off";
  }

  /** Project `index` (0-based) of this run starts; `name` is its root as shown. */
  project(index: number, name: string): void {
    this.label = this.projects > 1 ? `[${index + 1}/${this.projects} ${name || "."}] ` : "";
    this.phase("discovering files");
  }

  /** The engine reached a phase ("parsed", "checked" …). */
  phase(what: string): void {
    if (this.mode === "off") return;
    const elapsed = this.now() - this.started;
    if (this.mode === "terminal" && elapsed < this.delayMs) return;
    const line = `dbfence: ${this.label}${what} (${(elapsed / 1000).toFixed(1)} s)`;
    if (this.mode === "lines") this.stream.write(`${line}\n`);
    else {
      this.stream.write(`\r\x1b[2K${line}`);
      this.drawn = true;
    }
  }

  /** Clears the progress line, so the report starts on a clean line. */
  done(): void {
    if (this.drawn) this.stream.write("\r\x1b[2K");
    this.drawn = false;
  }
}

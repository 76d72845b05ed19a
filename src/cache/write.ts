import fs from "node:fs";

/** Writes `file` atomically: a fresh temporary file (never an existing name followed) renamed over it. */
export function writeReplacing(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.rmSync(tmp, { force: true });
  fs.writeFileSync(tmp, text, { flag: "wx", mode: 0o600 });
  fs.renameSync(tmp, file);
}

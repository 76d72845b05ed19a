/** Offsets (UTF-16) ⇄ 1-based lines and 1-based code-point columns, as INTERFACE.md reports them. */
export class LineMap {
  private readonly starts: number[] = [0];

  constructor(private readonly text: string) {
    for (let i = 0; i < text.length; i++) {
      const ch = text.charCodeAt(i);
      if (ch === 10) this.starts.push(i + 1);
      else if (ch === 13) {
        if (text.charCodeAt(i + 1) === 10) i++;
        this.starts.push(i + 1);
      }
    }
  }

  get lineCount(): number {
    return this.starts.length;
  }

  /** 1-based line of a UTF-16 offset. */
  lineOf(offset: number): number {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.starts[mid] as number) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  }

  lineStart(line: number): number {
    return this.starts[Math.max(0, Math.min(line - 1, this.starts.length - 1))] as number;
  }

  /** The text of a 1-based line, without its line break. */
  lineText(line: number): string {
    const start = this.lineStart(line);
    const next = line < this.starts.length ? (this.starts[line] as number) : this.text.length;
    return this.text.slice(start, next).replace(/\r?\n$|\r$/, "");
  }

  /** 1-based line and code-point column of an offset. */
  position(offset: number): { line: number; column: number } {
    const line = this.lineOf(offset);
    return { line, column: this.codePointColumn(line, offset - this.lineStart(line)) };
  }

  /** Converts a UTF-16 column inside a line (0-based) to a 1-based code-point column. */
  codePointColumn(line: number, utf16Column: number): number {
    const start = this.lineStart(line);
    let column = 1;
    for (let i = start; i < start + utf16Column && i < this.text.length; i++) {
      const ch = this.text.charCodeAt(i);
      // A surrogate pair is one code point: count its high half only.
      if (ch < 0xdc00 || ch > 0xdfff) column++;
    }
    return column;
  }
}

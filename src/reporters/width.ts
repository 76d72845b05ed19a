/**
 * How many terminal cells a code point takes, so carets line up under wide characters (CJK, emoji)
 * as they do in a terminal. A small approximation of Unicode's East Asian Width (UAX #11), the same
 * idea as Ruff's use of `unicode-width`; it only moves carets, never the reported columns.
 */

const zeroWidth = /^[\p{Mn}\p{Me}\p{Cf}]$/u;
const wide =
  /^[\p{Emoji_Presentation}\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\u1100-\u115f\u2e80-\u2fff\u3000-\u303e\u3131-\u318e\u31c0-\u33ff\ua960-\ua97f\uac00-\ud7a3\uf900-\ufaff\ufe10-\ufe19\ufe30-\ufe6f\uff01-\uff60\uffe0-\uffe6]$/u;

/** The width of `chars[index]` (an array of code points): 0, 1 or 2. */
export function cellWidth(chars: readonly string[], index: number): number {
  const char = chars[index];
  if (char === undefined) return 1;
  if (zeroWidth.test(char)) return 0;
  if (wide.test(char)) return 2;
  // A text-style symbol followed by VARIATION SELECTOR-16 is drawn as a (wide) emoji: ❤️, ⚠️.
  return chars[index + 1] === "\ufe0f" && /^\p{Extended_Pictographic}$/u.test(char) ? 2 : 1;
}

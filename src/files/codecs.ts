/**
 * Python codec names (as written in a PEP 263 coding line) → how to decode them in Node.
 *
 * Names are normalised the way CPython does (`encodings.normalize_encoding`: lower case, every run of
 * characters other than letters, digits and `.` becomes one `_`, leading/trailing `_` dropped), plus
 * the tokenizer's own shortcut that treats `utf-8-*` as utf-8 and `latin-1-*` / `iso-8859-1-*` /
 * `iso-latin-1-*` as latin-1. The remaining names are mapped onto the WHATWG labels that Node's
 * `TextDecoder` understands.
 *
 * Known approximations (WHATWG decoders are supersets of some Python codecs): Python's `shift_jis` is
 * decoded as Windows-31J (cp932), `gb2312` as GBK, `euc_kr` as cp949, `big5` with the HKSCS additions,
 * `iso8859_9` as windows-1254. These only accept MORE files than CPython would; they never reject a
 * file CPython accepts.
 * latin-1, ascii and cp1252 are decoded by hand: WHATWG treats the first two labels as windows-1252,
 * and Node 20's windows-1252 decoder is really ISO 8859-1 (0x80 gives U+0080, not "€").
 */

export type Codec =
  | { kind: "utf-8"; name: string }
  | { kind: "latin-1"; name: string }
  | { kind: "ascii"; name: string }
  | { kind: "cp1252"; name: string }
  | { kind: "whatwg"; name: string; label: string }
  | { kind: "unsupported"; name: string; reason: string }
  | { kind: "unknown"; name: string };

export function normaliseCodecName(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9.]+/g, "_")
    .replace(/^_+|_+$/g, "");
}

const UTF8 = ["utf_8", "utf8", "u8", "utf", "utf8_ucs2", "utf8_ucs4", "cp65001", "utf_8_sig"];
const LATIN1 = [
  "latin_1",
  "latin1",
  "l1",
  "iso8859_1",
  "iso_8859_1",
  "iso_8859_1_1987",
  "iso_ir_100",
  "iso_latin_1",
  "cp819",
  "ibm819",
  "8859",
  "csisolatin1",
];
const ASCII = [
  "ascii",
  "us_ascii",
  "us",
  "646",
  "ansi_x3.4_1968",
  "ansi_x3_4_1968",
  "ansi_x3.4_1986",
  "cp367",
  "csascii",
  "ibm367",
  "iso646_us",
  "iso_646.irv_1991",
  "iso_ir_6",
];

/** Normalised Python name → WHATWG label. */
const WHATWG: Record<string, string> = {
  // Japanese
  euc_jp: "euc-jp",
  eucjp: "euc-jp",
  ujis: "euc-jp",
  u_jis: "euc-jp",
  shift_jis: "shift_jis",
  shiftjis: "shift_jis",
  sjis: "shift_jis",
  s_jis: "shift_jis",
  csshiftjis: "shift_jis",
  cp932: "shift_jis",
  "932": "shift_jis",
  ms932: "shift_jis",
  mskanji: "shift_jis",
  ms_kanji: "shift_jis",
  iso2022_jp: "iso-2022-jp",
  iso_2022_jp: "iso-2022-jp",
  iso2022jp: "iso-2022-jp",
  csiso2022jp: "iso-2022-jp",
  // Chinese
  gbk: "gbk",
  cp936: "gbk",
  "936": "gbk",
  ms936: "gbk",
  gb2312: "gbk",
  chinese: "gbk",
  euc_cn: "gbk",
  euccn: "gbk",
  eucgb2312_cn: "gbk",
  gb2312_1980: "gbk",
  gb2312_80: "gbk",
  csiso58gb231280: "gbk",
  iso_ir_58: "gbk",
  gb18030: "gb18030",
  gb18030_2000: "gb18030",
  big5: "big5",
  big5_tw: "big5",
  csbig5: "big5",
  big5hkscs: "big5",
  big5_hkscs: "big5",
  hkscs: "big5",
  cp950: "big5",
  "950": "big5",
  ms950: "big5",
  // Korean
  euc_kr: "euc-kr",
  euckr: "euc-kr",
  korean: "euc-kr",
  ksc5601: "euc-kr",
  ks_c_5601: "euc-kr",
  ks_c_5601_1987: "euc-kr",
  ksx1001: "euc-kr",
  ks_x_1001: "euc-kr",
  cp949: "euc-kr",
  "949": "euc-kr",
  ms949: "euc-kr",
  uhc: "euc-kr",
  // Cyrillic and others
  koi8_r: "koi8-r",
  koi8_u: "koi8-u",
  cp866: "ibm866",
  "866": "ibm866",
  ibm866: "ibm866",
  mac_cyrillic: "x-mac-cyrillic",
  maccyrillic: "x-mac-cyrillic",
  mac_roman: "macintosh",
  macroman: "macintosh",
  macintosh: "macintosh",
  cyrillic: "iso-8859-5",
  arabic: "iso-8859-6",
  greek: "iso-8859-7",
  greek8: "iso-8859-7",
  hebrew: "iso-8859-8",
  thai: "windows-874",
  cp874: "windows-874",
  windows_874: "windows-874",
};

// latin2 … latin10 and l2 … l10 are Python aliases of these ISO 8859 parts.
const LATIN_N: Record<string, number> = {
  2: 2,
  3: 3,
  4: 4,
  5: 9,
  6: 10,
  7: 13,
  8: 14,
  9: 15,
  10: 16,
};
for (const [n, part] of Object.entries(LATIN_N)) {
  WHATWG[`latin${n}`] = `iso-8859-${part}`;
  WHATWG[`l${n}`] = `iso-8859-${part}`;
}
// iso8859_N / iso_8859_N for the parts CPython ships (12 does not exist).
for (const part of [2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 14, 15, 16]) {
  WHATWG[`iso8859_${part}`] = `iso-8859-${part}`;
  WHATWG[`iso_8859_${part}`] = `iso-8859-${part}`;
}
for (let n = 1250; n <= 1258; n++) {
  if (n === 1252) continue;
  WHATWG[`cp${n}`] = `windows-${n}`;
  WHATWG[`windows_${n}`] = `windows-${n}`;
}

/** Python codecs TextDecoder cannot decode (or that cannot encode Python source at all). */
function unsupportedReason(n: string): string | null {
  if (/^utf_?(16|32)/.test(n) || n === "u16" || n === "u32") {
    return "is not ASCII-compatible and cannot encode Python source";
  }
  if (
    /^(cp|ibm)(037|273|424|437|500|720|737|775|850|852|855|856|857|858|86[0-5]|869|875|1006|1026|1125|1140)$/.test(n) ||
    /^(utf_7|u7|johab|hz|tis_620|ptcp154|kz1048|iso2022_kr|iso2022_jp_(1|2|2004|3|ext)|euc_jis_?2004|euc_jisx0213|shift_jis_?2004|shift_jisx0213|mac_(greek|iceland|latin2|turkish))$/.test(
      n,
    )
  ) {
    return "is not supported by dbfence";
  }
  return null;
}

export function lookupCodec(declared: string): Codec {
  const n = normaliseCodecName(declared);
  if (UTF8.includes(n) || n.startsWith("utf_8_")) return { kind: "utf-8", name: declared };
  if (LATIN1.includes(n) || /^(latin_1|iso_8859_1|iso_latin_1)_/.test(n)) {
    return { kind: "latin-1", name: declared };
  }
  if (ASCII.includes(n)) return { kind: "ascii", name: declared };
  if (n === "cp1252" || n === "windows_1252") return { kind: "cp1252", name: declared };
  const label = WHATWG[n];
  if (label !== undefined) return { kind: "whatwg", name: declared, label };
  const reason = unsupportedReason(n);
  if (reason !== null) return { kind: "unsupported", name: declared, reason };
  return { kind: "unknown", name: declared };
}

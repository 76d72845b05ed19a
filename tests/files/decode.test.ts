import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { lookupCodec, normaliseCodecName } from "../../src/files/codecs.js";
import { decodePythonSource, findCodingDeclaration, firstInvalidUtf8 } from "../../src/files/decode.js";

/** Bytes from a string whose characters are all < 0x100 (each becomes one byte). */
function bytes(s: string): Uint8Array {
  return Uint8Array.from(s, (c) => {
    const code = c.charCodeAt(0);
    assert.ok(code < 0x100, "test helper takes byte strings only");
    return code;
  });
}

const utf8 = (s: string) => new TextEncoder().encode(s);
const BOM = "\xef\xbb\xbf";

describe("decodePythonSource", () => {
  test("plain UTF-8, including non-ASCII", () => {
    assert.deepEqual(decodePythonSource(utf8("name = 'é☃😀'\n")), {
      ok: true,
      text: "name = 'é☃😀'\n",
    });
  });

  test("a UTF-8 BOM is stripped; only the first one", () => {
    assert.deepEqual(decodePythonSource(bytes(`${BOM}x = 1\n`)), {
      ok: true,
      text: "x = 1\n",
    });
    assert.deepEqual(decodePythonSource(bytes(`${BOM}${BOM}x`)), {
      ok: true,
      text: "\ufeffx",
    });
  });

  test("a BOM with a utf-8 coding line is fine; with another codec it is an error", () => {
    assert.deepEqual(decodePythonSource(bytes(`${BOM}# -*- coding: utf-8 -*-\nx = 1\n`)), {
      ok: true,
      text: "# -*- coding: utf-8 -*-\nx = 1\n",
    });
    assert.deepEqual(decodePythonSource(bytes(`${BOM}#!/usr/bin/env python\n# coding: latin-1\n`)), {
      ok: false,
      line: 2,
      message: "encoding problem: latin-1 with BOM",
    });
  });

  test("latin-1 coding line decodes every byte to the same code point", () => {
    const result = decodePythonSource(bytes("# -*- coding: latin-1 -*-\ns = '\xe9\x80\xff'\n"));
    assert.deepEqual(result, {
      ok: true,
      text: "# -*- coding: latin-1 -*-\ns = 'é\u0080ÿ'\n",
    });
  });

  test("coding line on line 2 after a shebang; cp1252 is not latin-1", () => {
    const result = decodePythonSource(bytes("#!/usr/bin/env python\n# vim: set fileencoding=cp1252 :\nx = '\x80'\n"));
    assert.ok(result.ok);
    assert.equal(result.text.split("\n")[2], "x = '€'");
  });

  test("cp1252 is decoded by Python's table, undefined bytes are errors", () => {
    assert.deepEqual(decodePythonSource(bytes("# coding: windows-1252\ns = '\x80\x9f\xe9'\n")), {
      ok: true,
      text: "# coding: windows-1252\ns = '€Ÿé'\n",
    });
    assert.deepEqual(decodePythonSource(bytes("# coding: cp1252\ns = '\xe9\x81'\n")), {
      ok: false,
      line: 2,
      message: "invalid cp1252 byte 0x81 at line 2, column 7 (file declares encoding 'cp1252')",
    });
  });

  test("line 2 is not consulted when line 1 is code", () => {
    const result = decodePythonSource(bytes("x = 1\n# coding: latin-1\ny = '\xe9'\n"));
    assert.deepEqual(result, {
      ok: false,
      line: 3,
      message: "invalid utf-8 byte 0xe9 at line 3, column 6 (file is not valid UTF-8 and declares no other encoding)",
    });
  });

  test("an unknown codec is an error at the line that names it", () => {
    assert.deepEqual(decodePythonSource(bytes("# coding: klingon\nx = 1\n")), {
      ok: false,
      line: 1,
      message: "unknown encoding 'klingon'",
    });
    assert.deepEqual(decodePythonSource(bytes("\n# coding=bogus-42\n")), {
      ok: false,
      line: 2,
      message: "unknown encoding 'bogus-42'",
    });
    assert.deepEqual(decodePythonSource(bytes("# coding: utf-16\n")), {
      ok: false,
      line: 1,
      message: "encoding 'utf-16' is not ASCII-compatible and cannot encode Python source",
    });
  });

  test("invalid UTF-8 reports the line, the code-point column and the byte", () => {
    assert.deepEqual(decodePythonSource(bytes("a = 1\nb = 2\nc = 'x\xff'\n")), {
      ok: false,
      line: 3,
      message: "invalid utf-8 byte 0xff at line 3, column 7 (file is not valid UTF-8 and declares no other encoding)",
    });
    // "é" is two bytes but one column; CRLF and lone CR each end one line.
    const r = decodePythonSource(bytes("a\r\nb\rc\n\xc3\xa9 = '\xc0'\n"));
    assert.deepEqual(r.ok ? null : [r.line, r.message], [
      4,
      "invalid utf-8 byte 0xc0 at line 4, column 6 (file is not valid UTF-8 and declares no other encoding)",
    ]);
  });

  test("a truncated sequence at the end of the file and an explicit utf-8 declaration", () => {
    assert.deepEqual(decodePythonSource(bytes("# coding: utf8\nx = '\xe2\x82")), {
      ok: false,
      line: 2,
      message: "invalid utf-8 byte 0xe2 at line 2, column 6 (file declares encoding 'utf8')",
    });
  });

  test("a NUL byte is refused at its line", () => {
    assert.deepEqual(decodePythonSource(bytes("a = 1\r\nb = '\x00'\n")), {
      ok: false,
      line: 2,
      message: "source contains a NUL byte",
    });
  });

  test("CRLF and lone CR are preserved", () => {
    assert.deepEqual(decodePythonSource(bytes("a = 1\r\nb = 2\rc = 3\r\n")), {
      ok: true,
      text: "a = 1\r\nb = 2\rc = 3\r\n",
    });
  });

  test("CJK codecs: shift_jis decodes, and a broken sequence is located", () => {
    const good = decodePythonSource(bytes("# -*- coding: Shift_JIS -*-\ns = '\x82\xa0'\n"));
    assert.deepEqual(good, {
      ok: true,
      text: "# -*- coding: Shift_JIS -*-\ns = 'あ'\n",
    });
    assert.deepEqual(decodePythonSource(bytes("# coding: sjis\n\x82\xa0b\x82\n")), {
      ok: false,
      line: 2,
      message: "invalid sjis byte 0x82 at line 2, column 3 (file declares encoding 'sjis')",
    });
    const euc = decodePythonSource(bytes("# coding: euc_jp\ns = '\xa4\xa2'\n"));
    assert.equal(euc.ok && euc.text.endsWith("'あ'\n"), true);
  });

  test("ascii declared: bytes above 0x7f are errors", () => {
    assert.deepEqual(decodePythonSource(bytes("# coding: us-ascii\nok = 1\nx = '\xe9'\n")), {
      ok: false,
      line: 3,
      message: "invalid ascii byte 0xe9 at line 3, column 6 (file declares encoding 'us-ascii')",
    });
  });

  test("decodes a 20 MB ASCII file quickly", (t) => {
    const line = "result = await session.execute(select(User).where(User.id == 1))\n";
    const big = utf8(line.repeat(Math.ceil((20 * 1024 * 1024) / line.length)));
    decodePythonSource(big.subarray(0, 1024)); // warm up
    const started = performance.now();
    const result = decodePythonSource(big);
    const ms = performance.now() - started;
    t.diagnostic(`20 MB ASCII decode: ${ms.toFixed(1)} ms`);
    assert.ok(result.ok);
    assert.equal(result.text.length, big.length);
    // The target is well under 100 ms; the bound leaves room for a loaded CI machine.
    assert.ok(ms < 500, `took ${ms} ms`);
  });
});

describe("coding declarations and codec names", () => {
  test("findCodingDeclaration follows PEP 263", () => {
    assert.deepEqual(findCodingDeclaration(bytes("# vim:fileencoding=utf-8\n"), 0), {
      name: "utf-8",
      line: 1,
    });
    assert.deepEqual(findCodingDeclaration(bytes("\t\f# coding: latin-1\n"), 0), {
      name: "latin-1",
      line: 1,
    });
    assert.equal(findCodingDeclaration(bytes("x = 1  # coding: latin-1\n"), 0), null);
    assert.equal(findCodingDeclaration(bytes("\n\n# coding: latin-1\n"), 0), null);
    assert.deepEqual(findCodingDeclaration(bytes("\r\n# coding: gbk\r\n"), 0), {
      name: "gbk",
      line: 2,
    });
  });

  test("codec names are normalised like CPython", () => {
    assert.equal(normaliseCodecName("  UTF-8 "), "utf_8");
    assert.equal(normaliseCodecName("ISO--8859__15"), "iso_8859_15");
    assert.deepEqual(lookupCodec("UTF8"), { kind: "utf-8", name: "UTF8" });
    assert.deepEqual(lookupCodec("utf-8-sig"), {
      kind: "utf-8",
      name: "utf-8-sig",
    });
    assert.deepEqual(lookupCodec("latin-1-unix"), {
      kind: "latin-1",
      name: "latin-1-unix",
    });
    assert.equal(lookupCodec("ISO-8859-1").kind, "latin-1");
    assert.deepEqual(lookupCodec("iso-8859-15"), {
      kind: "whatwg",
      name: "iso-8859-15",
      label: "iso-8859-15",
    });
    assert.deepEqual(lookupCodec("latin9"), {
      kind: "whatwg",
      name: "latin9",
      label: "iso-8859-15",
    });
    assert.deepEqual(lookupCodec("cp1252"), { kind: "cp1252", name: "cp1252" });
    assert.deepEqual(lookupCodec("cp1251"), {
      kind: "whatwg",
      name: "cp1251",
      label: "windows-1251",
    });
    assert.deepEqual(lookupCodec("EUC-JP"), {
      kind: "whatwg",
      name: "EUC-JP",
      label: "euc-jp",
    });
    assert.deepEqual(lookupCodec("GBK"), {
      kind: "whatwg",
      name: "GBK",
      label: "gbk",
    });
    assert.equal(lookupCodec("cp437").kind, "unsupported");
    assert.equal(lookupCodec("klingon").kind, "unknown");
  });

  test("WHATWG labels: decoded when Node knows them, a clear error otherwise", (t) => {
    const names = [
      "shift_jis",
      "euc_jp",
      "iso2022_jp",
      "gbk",
      "gb18030",
      "big5",
      "euc_kr",
      "koi8_r",
      "koi8_u",
      "cp866",
      "mac_roman",
      "mac_cyrillic",
      "windows_874",
    ];
    for (let n = 2; n <= 16; n++) if (n !== 12) names.push(`iso8859_${n}`);
    for (let n = 1250; n <= 1258; n++) if (n !== 1252) names.push(`cp${n}`);
    const missing: string[] = [];
    for (const name of names) {
      const codec = lookupCodec(name);
      assert.equal(codec.kind, "whatwg", name);
      const result = decodePythonSource(bytes(`# coding: ${name}\nx = 1\n`));
      try {
        new TextDecoder(codec.kind === "whatwg" ? codec.label : "", {
          fatal: true,
        });
        assert.deepEqual(result, { ok: true, text: `# coding: ${name}\nx = 1\n` }, name);
      } catch {
        missing.push(name);
        assert.deepEqual(result, {
          ok: false,
          line: 1,
          message: `encoding '${name}' is not supported by this Node.js build`,
        });
      }
    }
    t.diagnostic(`codecs this Node cannot decode: ${missing.join(", ") || "none"}`);
  });
});

describe("firstInvalidUtf8", () => {
  test("edge cases of the UTF-8 definition", () => {
    assert.equal(firstInvalidUtf8(utf8("aé☃😀")), -1);
    assert.equal(firstInvalidUtf8(bytes("ab\xc0\x80")), 2); // overlong
    assert.equal(firstInvalidUtf8(bytes("a\xed\xa0\x80")), 1); // surrogate
    assert.equal(firstInvalidUtf8(bytes("\xf4\x90\x80\x80")), 0); // above U+10FFFF
    assert.equal(firstInvalidUtf8(bytes("\xf0\x9f\x98")), 0); // truncated
    assert.equal(firstInvalidUtf8(bytes("ok\x80")), 2); // stray continuation
  });

  test("agrees with the fatal TextDecoder on random input", () => {
    const decoder = new TextDecoder("utf-8", { fatal: true });
    let seed = 12345;
    const next = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed;
    };
    // Bias towards bytes that form (or almost form) multi-byte sequences.
    const pool = [0x41, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc2, 0xdf, 0xe0, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff];
    for (let round = 0; round < 5000; round++) {
      const buf = Uint8Array.from({ length: 1 + (next() % 6) }, () => pool[next() % pool.length] as number);
      let valid = true;
      try {
        decoder.decode(buf);
      } catch {
        valid = false;
      }
      assert.equal(firstInvalidUtf8(buf) === -1, valid, `bytes ${Array.from(buf).join(",")}`);
    }
  });
});

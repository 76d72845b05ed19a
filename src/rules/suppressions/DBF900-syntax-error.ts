import { defineRule } from "../rule.js";

export default defineRule({
  code: "DBF900",
  name: "syntax-error",
  severity: "error",
  summary: "A file cannot be read, decoded or parsed",
  docs: {
    what: "Reports a file that cannot be parsed with the latest Python grammar (3.14: PEP 695 `type` statements, PEP 701 f-strings, PEP 758 `except A, B:` and t-strings are valid), cannot be decoded (invalid UTF-8, unknown PEP 263 coding), or cannot be read. It is reported at the line of the first error; the run goes on with the other files.",
    why: "A file dbfence cannot parse is a file it cannot check: every rule is silent on it. Merge-conflict markers and half-edited files are the usual cause.",
    example: {
      bad: "def broken(:\n    pass\n",
      good: "def fixed() -> None:\n    pass\n",
    },
  },
});

import { defineRule } from "../rule.js";

export default defineRule({
  code: "DBF903",
  name: "expired-exception",
  severity: "error",
  summary: "A configured exception has passed its expiry date",
  docs: {
    what: "Reports an entry of `exceptions` in the configuration whose `expires` date has passed, whether or not it still matches files. Its findings are reported again.",
    why: "Exceptions are approved for a time. When the date passes, the debt is due: either the code is fixed or the exception is renewed with a new approval.",
    example: {
      bad: "import asyncpg  # dbfence: ignore[DBF104] see the expired-exception docs: DBF903 is reported in the config file\n",
      good: "import asyncpg  # dbfence: ignore[DBF104] asyncpg exception classes drive the retry policy (ADR-7)\n",
    },
  },
});

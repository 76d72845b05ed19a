import { defineRule } from "../rule.js";

export default defineRule({
  code: "DBF902",
  name: "suppression-without-reason",
  severity: "error",
  summary: "A suppression comment gives no reason",
  docs: {
    what: "Reports a suppression comment with no reason text when `require-reason = true` (the default). The reason is the text after `]` up to the end of the line or the next `#`. `# noqa: DBF...` never carries a reason. A reason-less suppression still suppresses.",
    why: "Every exception to the database policy needs a why that the next reader can check: a ticket, an ADR, an owner.",
    example: {
      bad: "import asyncpg  # dbfence: ignore[DBF104]\n",
      good: "import asyncpg  # dbfence: ignore[DBF104] asyncpg exception classes drive the retry policy (ADR-7)\n",
    },
  },
});

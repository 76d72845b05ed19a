import { defineRule } from "../rule.js";

export default defineRule({
  code: "DBF901",
  name: "unused-suppression",
  severity: "error",
  summary: "A suppression comment suppresses nothing",
  docs: {
    what: "Reports a `# dbfence: ignore[...]` or `# noqa: DBF...` comment naming a code that suppressed nothing on its line (one finding per comment, listing the unused codes).",
    why: "Stale suppressions hide the next real violation on that line and make reviewers believe an exception exists where none is needed.",
    example: {
      bad: "from sqlalchemy.ext.asyncio import AsyncSession  # dbfence: ignore[DBF201] kept from the sync days\n",
      good: "from sqlalchemy.ext.asyncio import AsyncSession\n",
    },
  },
});

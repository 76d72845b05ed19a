import { defineRule } from "../rule.js";

export default defineRule({
  code: "DBF901",
  name: "unused-suppression",
  severity: "error",
  summary: "A suppression comment suppresses nothing",
  fix: { applicability: "safe", description: "Remove the unused codes, or the whole directive when none is used" },
  docs: {
    what: "Reports a `# dbfence: ignore[...]` or `# noqa: DBF...` comment naming a code that suppressed nothing on its line (one finding per comment, listing the unused codes).",
    why: "Stale suppressions hide the next real violation on that line and make reviewers believe an exception exists where none is needed.",
    example: {
      bad: "from sqlalchemy.ext.asyncio import AsyncSession  # dbfence: ignore[DBF201] kept from the sync days\n",
      good: "from sqlalchemy.ext.asyncio import AsyncSession\n",
      fixed: "from sqlalchemy.ext.asyncio import AsyncSession\n",
    },
    fixSafety:
      "Safe: the removed codes suppress nothing on that line. Only the unused codes go; a directive left without codes goes with its reason, and other text in the comment stays (`# type: ignore  # noqa: DBF104` becomes `# type: ignore`, `# noqa: E501, DBF104` becomes `# noqa: E501`).",
  },
});

/**
 * JSON Schema (draft-07) of `--format json`, schema version 1 (INTERFACE.md). Published in
 * docs/output-formats.md and checked against real output by tests/reporters/json.test.ts.
 */

const position = {
  line: { type: "integer", minimum: 1 },
  column: { type: "integer", minimum: 1 },
  endLine: { type: "integer", minimum: 1 },
  endColumn: { type: "integer", minimum: 1 },
};

const count = { type: "integer", minimum: 0 };

export const jsonOutputSchema = {
  $schema: "http://json-schema.org/draft-07/schema#",
  title: "dbfence check --format json (schema version 1)",
  description:
    "Findings of one `dbfence check` run. Lines and columns are 1-based; columns count Unicode code points; end positions are exclusive.",
  type: "object",
  additionalProperties: false,
  required: ["version", "tool", "root", "findings", "summary"],
  properties: {
    version: { const: 1, description: "Version of this schema." },
    tool: {
      type: "object",
      additionalProperties: false,
      required: ["name", "version"],
      properties: {
        name: { const: "dbfence" },
        version: { type: "string", minLength: 1 },
      },
    },
    root: { type: "string", description: "Absolute path of the project root." },
    findings: {
      type: "array",
      description: "Sorted by path, line, column, code.",
      items: { $ref: "#/definitions/finding" },
    },
    summary: {
      type: "object",
      additionalProperties: false,
      required: ["files", "findings", "errors", "warnings", "durationMs"],
      properties: {
        files: count,
        findings: count,
        errors: count,
        warnings: count,
        durationMs: count,
      },
    },
  },
  definitions: {
    finding: {
      type: "object",
      additionalProperties: false,
      required: ["code", "name", "severity", "path", "line", "column", "endLine", "endColumn", "message", "fix"],
      properties: {
        code: { type: "string", pattern: "^DBF[0-9]{3}$" },
        name: { type: "string", pattern: "^[a-z0-9]+(-[a-z0-9]+)*$" },
        severity: { enum: ["error", "warning"] },
        path: {
          type: "string",
          minLength: 1,
          description: "Relative to the project root, with `/` separators.",
        },
        ...position,
        message: { type: "string" },
        fix: { oneOf: [{ type: "null" }, { $ref: "#/definitions/fix" }] },
      },
    },
    fix: {
      type: "object",
      additionalProperties: false,
      required: ["description", "edits"],
      properties: {
        description: { type: "string" },
        edits: { type: "array", items: { $ref: "#/definitions/edit" } },
      },
    },
    edit: {
      type: "object",
      additionalProperties: false,
      required: ["line", "column", "endLine", "endColumn", "text"],
      properties: { ...position, text: { type: "string" } },
    },
  },
};

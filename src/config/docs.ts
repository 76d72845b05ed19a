/** Documentation generated from the options schema: the JSON Schema and the Markdown options table. */
import { z } from "zod";
import { optionsSchema } from "./schema.js";

type JsonSchema = {
  type?: string;
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  additionalProperties?: JsonSchema | boolean;
  description?: string;
  default?: unknown;
  enum?: unknown[];
};

/**
 * JSON Schema of `dbfence.toml` (and of `[tool.dbfence]`), for editors such as Taplo. Input mode:
 * keys with defaults are optional, which is what a user writing the file needs.
 */
export function configJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(optionsSchema, { io: "input" }),
    title: "dbfence configuration",
    description: "Options of dbfence.toml / .dbfence.toml, or of [tool.dbfence] in pyproject.toml.",
  };
}

/** `key | type | default | meaning`, one row per option, in schema order. */
export function optionsMarkdownTable(): string {
  const schema = z.toJSONSchema(optionsSchema, { io: "input" }) as JsonSchema;
  const rows = Object.entries(schema.properties ?? {}).map(([key, property]) => {
    const cells = [code(key), typeName(property), code(tomlValue(property.default)), meaning(property)];
    return `| ${cells.join(" | ")} |`;
  });
  return ["| key | type | default | meaning |", "|---|---|---|---|", ...rows].join("\n");
}

function typeName(property: JsonSchema): string {
  if (property.type === "array") {
    const item = property.items ?? {};
    return item.type === "object" ? "array of tables" : `array of ${item.type ?? "value"}s`;
  }
  if (property.type === "object") {
    const value = property.additionalProperties;
    return typeof value === "object" ? `table (key → ${typeName(value)})` : "table";
  }
  if (property.enum !== undefined) return property.enum.map((item) => JSON.stringify(item)).join(" or ");
  return property.type ?? "value";
}

function meaning(property: JsonSchema): string {
  return (property.description ?? "").replace(/\|/g, "\\|");
}

/** A default written the way it would be written in dbfence.toml. */
export function tomlValue(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(tomlValue).join(", ")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value).map(([key, item]) => `${key} = ${tomlValue(item)}`);
    return entries.length === 0 ? "{}" : `{ ${entries.join(", ")} }`;
  }
  return JSON.stringify(value);
}

/** Inline code that survives Markdown tables (pipes escaped). */
function code(text: string): string {
  return `\`${text.replace(/\|/g, "\\|")}\``;
}

/** Ajv set-ups for the schema tests (ajv and its plugins are CommonJS: take their `default`). */

import { createRequire } from "node:module";
import { Ajv, type ValidateFunction } from "ajv";
import ajvDraft04 from "ajv-draft-04";
import ajvFormats from "ajv-formats";

const Ajv04 = ajvDraft04.default;
const addFormats = ajvFormats.default;

/** Validator for a draft-07 schema, such as `jsonOutputSchema`. */
export function compileDraft07(schema: object): ValidateFunction {
  const ajv = new Ajv({ strict: true, allErrors: true });
  addFormats(ajv);
  return ajv.compile(schema);
}

/**
 * The SARIF 2.1.0 schema as published by Microsoft's sarif-js-sdk (`@microsoft/jest-sarif`,
 * `sarif-2.1.0-rtm.5.json`). It is draft-04, hence ajv-draft-04; one of its `pattern`s is not valid
 * under the `u` flag, hence `unicodeRegExp: false`.
 */
export const SARIF_SCHEMA_PATH = createRequire(import.meta.url).resolve(
  "@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json",
);

export function compileDraft04(schema: object): ValidateFunction {
  const ajv = new Ajv04({
    strict: false,
    allErrors: true,
    unicodeRegExp: false,
  });
  addFormats(ajv);
  return ajv.compile(schema);
}

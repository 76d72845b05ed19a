/** The rule registry: every rule, in code order. */
import type { RuleMeta } from "../types.js";
import DBF401 from "./await/DBF401-missing-await.js";
import DBF402 from "./await/DBF402-await-on-sync-method.js";
import DBF403 from "./await/DBF403-coroutine-in-sync-function.js";
import DBF404 from "./await/DBF404-concurrent-session-use.js";
import DBF101 from "./connector/DBF101-connector-internal-import.js";
import DBF102 from "./connector/DBF102-engine-outside-connector.js";
import DBF103 from "./connector/DBF103-session-factory-outside-connector.js";
import DBF104 from "./connector/DBF104-raw-driver-import.js";
import DBF105 from "./connector/DBF105-raw-connection-access.js";
import DBF301 from "./endpoints/DBF301-sync-db-endpoint.js";
import DBF302 from "./endpoints/DBF302-sync-endpoint.js";
import DBF303 from "./endpoints/DBF303-blocking-db-call.js";
import DBF304 from "./endpoints/DBF304-blocking-db-call-via-helper.js";
import DBF501 from "./raw-sql/DBF501-raw-sql-string.js";
import DBF502 from "./raw-sql/DBF502-sql-injection-risk.js";
import type { Rule } from "./rule.js";
import DBF900 from "./suppressions/DBF900-syntax-error.js";
import DBF901 from "./suppressions/DBF901-unused-suppression.js";
import DBF902 from "./suppressions/DBF902-suppression-without-reason.js";
import DBF903 from "./suppressions/DBF903-expired-exception.js";
import DBF201 from "./sync-session/DBF201-sync-session-import.js";
import DBF202 from "./sync-session/DBF202-sync-session-annotation.js";
import DBF203 from "./sync-session/DBF203-legacy-query-api.js";
import DBF601 from "./wiring/DBF601-missing-db-health-endpoint.js";
import DBF602 from "./wiring/DBF602-missing-db-lifecycle.js";
import DBF603 from "./wiring/DBF603-untyped-session-parameter.js";

export const RULES: readonly Rule[] = [
  DBF101,
  DBF102,
  DBF103,
  DBF104,
  DBF105,
  DBF201,
  DBF202,
  DBF203,
  DBF301,
  DBF302,
  DBF303,
  DBF304,
  DBF401,
  DBF402,
  DBF403,
  DBF404,
  DBF501,
  DBF502,
  DBF601,
  DBF602,
  DBF603,
  DBF900,
  DBF901,
  DBF902,
  DBF903,
];

export const RULES_BY_CODE: ReadonlyMap<string, Rule> = new Map(RULES.map((r) => [r.code, r]));

/** Rule metadata without the check functions, for reporters and docs. */
export function ruleMetas(): ReadonlyMap<string, RuleMeta> {
  return new Map(
    RULES.map((r) => [
      r.code,
      {
        code: r.code,
        name: r.name,
        severity: r.severity,
        summary: r.summary,
        docs: r.docs,
        ...(r.fix ? { fix: r.fix } : {}),
      },
    ]),
  );
}

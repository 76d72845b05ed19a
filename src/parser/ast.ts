/**
 * dbfence's own small view of a Python syntax tree: only what the analysis needs, as plain objects.
 * Offsets (`start`, `end`) are UTF-16 offsets into the decoded source; `LineMap` turns them into
 * 1-based lines and code-point columns.
 */

interface Span {
  start: number;
  end: number;
}

export interface Name extends Span {
  kind: "Name";
  id: string;
}
export interface Attribute extends Span {
  kind: "Attribute";
  value: Expr;
  attr: string;
  attrStart: number;
}
export interface Arg extends Span {
  name: string | null;
  /** 0: positional or keyword, 1: `*args`, 2: `**kwargs`. */
  star: 0 | 1 | 2;
  value: Expr;
}
export interface Call extends Span {
  kind: "Call";
  func: Expr;
  args: Arg[];
}
export interface Await extends Span {
  kind: "Await";
  value: Expr;
}
/** A string literal (implicit concatenation included). `fstring` covers f- and t-strings. */
export interface Str extends Span {
  kind: "Str";
  /** Constant text, or null when the string has placeholders. */
  value: string | null;
  fstring: boolean;
  placeholders: Expr[];
  bytes: boolean;
}
export interface Constant extends Span {
  kind: "Constant";
  /** Python's spelling: "None", "True", "False", "...", "__debug__" or a number's text. */
  value: string;
}
export interface BinOp extends Span {
  kind: "BinOp";
  /** Python operator text: "+", "%", "|", "and", "==" ... */
  op: string;
  left: Expr;
  right: Expr;
}
export interface UnaryOp extends Span {
  kind: "UnaryOp";
  op: string;
  operand: Expr;
}
export interface Subscript extends Span {
  kind: "Subscript";
  value: Expr;
  items: Expr[];
}
export interface Sequence extends Span {
  kind: "Sequence";
  type: "tuple" | "list" | "set";
  items: Expr[];
}
export interface Dict extends Span {
  kind: "Dict";
  entries: { key: Expr | null; value: Expr }[];
}
export interface Lambda extends Span {
  kind: "Lambda";
  params: Param[];
  body: Expr;
}
export interface Comprehension extends Span {
  kind: "Comprehension";
  generator: boolean;
  element: Expr;
  /** `for` clauses and `if` tests in source order. */
  clauses: ({ type: "for"; isAsync: boolean; target: Expr; iter: Expr } | { type: "if"; test: Expr })[];
}
export interface Ternary extends Span {
  kind: "Ternary";
  test: Expr;
  body: Expr;
  orelse: Expr;
}
export interface NamedExpr extends Span {
  kind: "NamedExpr";
  target: Name;
  value: Expr;
}
export interface Starred extends Span {
  kind: "Starred";
  value: Expr;
}
export interface Yield extends Span {
  kind: "Yield";
  from: boolean;
  value: Expr | null;
}
export interface Slice extends Span {
  kind: "Slice";
  parts: Expr[];
}
/** Anything else (an error node, a pattern); its sub-expressions are kept for walks. */
export interface OtherExpr extends Span {
  kind: "OtherExpr";
  children: Expr[];
}

export type Expr =
  | Name
  | Attribute
  | Call
  | Await
  | Str
  | Constant
  | BinOp
  | UnaryOp
  | Subscript
  | Sequence
  | Dict
  | Lambda
  | Comprehension
  | Ternary
  | NamedExpr
  | Starred
  | Yield
  | Slice
  | OtherExpr;

export interface Param extends Span {
  name: string;
  /** "plain" parameter, `*args`, `**kwargs`, or the bare `*` / `/` separators (name ""). */
  category: "plain" | "args" | "kwargs";
  annotation: Expr | null;
  default: Expr | null;
}

export interface FunctionDef extends Span {
  kind: "FunctionDef";
  name: string;
  isAsync: boolean;
  /** Offset of `def` (or `async`): where handler findings are reported. */
  defStart: number;
  nameStart: number;
  decorators: Expr[];
  params: Param[];
  returns: Expr | null;
  body: Stmt[];
}
export interface ClassDef extends Span {
  kind: "ClassDef";
  name: string;
  nameStart: number;
  decorators: Expr[];
  bases: Arg[];
  body: Stmt[];
}
export interface ImportAlias extends Span {
  /** Dotted module name for `import`, the imported name for `from ... import`. */
  name: string;
  asname: string | null;
}
export interface Import extends Span {
  kind: "Import";
  names: ImportAlias[];
}
export interface ImportFrom extends Span {
  kind: "ImportFrom";
  module: string;
  level: number;
  names: ImportAlias[];
  wildcard: boolean;
}
export interface Assign extends Span {
  kind: "Assign";
  /** `a = b = value` has two targets. */
  targets: Expr[];
  value: Expr;
}
export interface AnnAssign extends Span {
  kind: "AnnAssign";
  target: Expr;
  annotation: Expr;
  value: Expr | null;
}
export interface AugAssign extends Span {
  kind: "AugAssign";
  target: Expr;
  op: string;
  value: Expr;
}
export interface TypeAlias extends Span {
  kind: "TypeAlias";
  name: string;
  value: Expr;
}
export interface Return extends Span {
  kind: "Return";
  value: Expr | null;
}
export interface ExprStmt extends Span {
  kind: "ExprStmt";
  value: Expr;
}
export interface If extends Span {
  kind: "If";
  test: Expr;
  body: Stmt[];
  orelse: Stmt[];
}
export interface For extends Span {
  kind: "For";
  isAsync: boolean;
  target: Expr;
  iter: Expr;
  body: Stmt[];
  orelse: Stmt[];
}
export interface While extends Span {
  kind: "While";
  test: Expr;
  body: Stmt[];
  orelse: Stmt[];
}
export interface WithItem {
  expr: Expr;
  target: Expr | null;
}
export interface With extends Span {
  kind: "With";
  isAsync: boolean;
  items: WithItem[];
  body: Stmt[];
}
export interface ExceptHandler extends Span {
  type: Expr | null;
  name: string | null;
  body: Stmt[];
}
export interface Try extends Span {
  kind: "Try";
  body: Stmt[];
  handlers: ExceptHandler[];
  orelse: Stmt[];
  finalbody: Stmt[];
}
export interface Match extends Span {
  kind: "Match";
  subject: Expr;
  cases: { guard: Expr | null; body: Stmt[] }[];
}
/** pass/break/continue/del/raise/assert/global/nonlocal: only their expressions matter. */
export interface OtherStmt extends Span {
  kind: "OtherStmt";
  keyword: string;
  exprs: Expr[];
  /** For `global`/`nonlocal`. */
  names: string[];
}

export type Stmt =
  | FunctionDef
  | ClassDef
  | Import
  | ImportFrom
  | Assign
  | AnnAssign
  | AugAssign
  | TypeAlias
  | Return
  | ExprStmt
  | If
  | For
  | While
  | With
  | Try
  | Match
  | OtherStmt;

export interface Module {
  kind: "Module";
  body: Stmt[];
}

/** A `#` comment with its offset; `trailing` when code precedes it on its line. */
export interface Comment {
  start: number;
  text: string;
  line: number;
  trailing: boolean;
}

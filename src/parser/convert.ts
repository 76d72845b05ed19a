/**
 * Turns pyright's parse tree into dbfence's AST (./ast.ts). The only module, with ./index.ts, that
 * knows pyright's node shapes.
 */
import {
  type ArgumentNode,
  type ExpressionNode,
  type FormatStringNode,
  type FunctionNode,
  type IfNode,
  type ModuleNode,
  type ParameterNode,
  type ParseNode,
  ParseNodeType,
  type StringListNode,
  type StringNode,
  type SuiteNode,
} from "@zzzen/pyright-internal/dist/parser/parseNodes.js";
import { KeywordType, OperatorType, StringTokenFlags } from "@zzzen/pyright-internal/dist/parser/tokenizerTypes.js";
import type * as A from "./ast.js";

const OPERATORS: Record<number, string> = {
  [OperatorType.Add]: "+",
  [OperatorType.Subtract]: "-",
  [OperatorType.Multiply]: "*",
  [OperatorType.MatrixMultiply]: "@",
  [OperatorType.Divide]: "/",
  [OperatorType.FloorDivide]: "//",
  [OperatorType.Mod]: "%",
  [OperatorType.Power]: "**",
  [OperatorType.LeftShift]: "<<",
  [OperatorType.RightShift]: ">>",
  [OperatorType.BitwiseAnd]: "&",
  [OperatorType.BitwiseOr]: "|",
  [OperatorType.BitwiseXor]: "^",
  [OperatorType.BitwiseInvert]: "~",
  [OperatorType.And]: "and",
  [OperatorType.Or]: "or",
  [OperatorType.Not]: "not",
  [OperatorType.Equals]: "==",
  [OperatorType.NotEquals]: "!=",
  [OperatorType.LessThan]: "<",
  [OperatorType.LessThanOrEqual]: "<=",
  [OperatorType.GreaterThan]: ">",
  [OperatorType.GreaterThanOrEqual]: ">=",
  [OperatorType.Is]: "is",
  [OperatorType.IsNot]: "is not",
  [OperatorType.In]: "in",
  [OperatorType.NotIn]: "not in",
  [OperatorType.AddEqual]: "+",
  [OperatorType.SubtractEqual]: "-",
  [OperatorType.MultiplyEqual]: "*",
  [OperatorType.ModEqual]: "%",
  [OperatorType.DivideEqual]: "/",
  [OperatorType.FloorDivideEqual]: "//",
  [OperatorType.BitwiseOrEqual]: "|",
  [OperatorType.BitwiseAndEqual]: "&",
  [OperatorType.BitwiseXorEqual]: "^",
  [OperatorType.PowerEqual]: "**",
  [OperatorType.LeftShiftEqual]: "<<",
  [OperatorType.RightShiftEqual]: ">>",
  [OperatorType.MatrixMultiplyEqual]: "@",
};

const CONSTANTS: Record<number, string> = {
  [KeywordType.None]: "None",
  [KeywordType.True]: "True",
  [KeywordType.False]: "False",
  [KeywordType.Debug]: "__debug__",
};

function span(n: ParseNode): { start: number; end: number } {
  return { start: n.start, end: n.start + n.length };
}

export function convertModule(m: ModuleNode): A.Module {
  return { kind: "Module", body: suite(m.d.statements) };
}

function suite(statements: readonly ParseNode[] | undefined): A.Stmt[] {
  const out: A.Stmt[] = [];
  if (!statements) return out;
  for (const s of statements) {
    if (s.nodeType === ParseNodeType.StatementList) {
      for (const inner of s.d.statements) pushStmt(out, inner);
    } else {
      pushStmt(out, s);
    }
  }
  return out;
}

function body(s: SuiteNode | undefined): A.Stmt[] {
  return s ? suite(s.d.statements) : [];
}

function pushStmt(out: A.Stmt[], n: ParseNode): void {
  const st = stmt(n);
  if (st) out.push(st);
}

function stmt(n: ParseNode): A.Stmt | null {
  const sp = span(n);
  switch (n.nodeType) {
    case ParseNodeType.Function:
      return functionDef(n);
    case ParseNodeType.Class:
      return {
        kind: "ClassDef",
        start: sp.start,
        end: sp.end,
        name: n.d.name.d.value,
        nameStart: n.d.name.start,
        decorators: n.d.decorators.map((d) => expr(d.d.expr)),
        bases: n.d.arguments.map(arg),
        body: body(n.d.suite),
      };
    case ParseNodeType.Import:
      return {
        kind: "Import",
        start: sp.start,
        end: sp.end,
        names: n.d.list.map((ia) => ({
          start: ia.start,
          end: ia.start + ia.length,
          name: ia.d.module.d.nameParts.map((p) => p.d.value).join("."),
          asname: ia.d.alias ? ia.d.alias.d.value : null,
        })),
      };
    case ParseNodeType.ImportFrom:
      return {
        kind: "ImportFrom",
        start: sp.start,
        end: sp.end,
        module: n.d.module.d.nameParts.map((p) => p.d.value).join("."),
        level: n.d.module.d.leadingDots,
        wildcard: n.d.isWildcardImport,
        names: n.d.imports.map((ia) => ({
          start: ia.start,
          end: ia.start + ia.length,
          name: ia.d.name.d.value,
          asname: ia.d.alias ? ia.d.alias.d.value : null,
        })),
      };
    case ParseNodeType.Assignment: {
      // `a = b = c` nests: Assignment(a, Assignment(b, c)) in pyright.
      const targets: A.Expr[] = [];
      let cur: ParseNode = n;
      while (cur.nodeType === ParseNodeType.Assignment) {
        const left = cur.d.leftExpr;
        if (left.nodeType === ParseNodeType.TypeAnnotation) {
          return {
            kind: "AnnAssign",
            start: sp.start,
            end: sp.end,
            target: expr(left.d.valueExpr),
            annotation: expr(left.d.annotation),
            value: expr(cur.d.rightExpr),
          };
        }
        targets.push(expr(left));
        cur = cur.d.rightExpr;
      }
      return { kind: "Assign", start: sp.start, end: sp.end, targets, value: expr(cur as ExpressionNode) };
    }
    case ParseNodeType.TypeAnnotation:
      return {
        kind: "AnnAssign",
        start: sp.start,
        end: sp.end,
        target: expr(n.d.valueExpr),
        annotation: expr(n.d.annotation),
        value: null,
      };
    case ParseNodeType.AugmentedAssignment:
      return {
        kind: "AugAssign",
        start: sp.start,
        end: sp.end,
        target: expr(n.d.leftExpr),
        op: OPERATORS[n.d.operator] ?? "?",
        value: expr(n.d.rightExpr),
      };
    case ParseNodeType.TypeAlias:
      return { kind: "TypeAlias", start: sp.start, end: sp.end, name: n.d.name.d.value, value: expr(n.d.expr) };
    case ParseNodeType.Return:
      return { kind: "Return", start: sp.start, end: sp.end, value: n.d.expr ? expr(n.d.expr) : null };
    case ParseNodeType.If:
      return ifChain(n);
    case ParseNodeType.For:
      return {
        kind: "For",
        start: sp.start,
        end: sp.end,
        isAsync: !!n.d.isAsync,
        target: expr(n.d.targetExpr),
        iter: expr(n.d.iterableExpr),
        body: body(n.d.forSuite),
        orelse: body(n.d.elseSuite),
      };
    case ParseNodeType.While:
      return {
        kind: "While",
        start: sp.start,
        end: sp.end,
        test: expr(n.d.testExpr),
        body: body(n.d.whileSuite),
        orelse: body(n.d.elseSuite),
      };
    case ParseNodeType.With:
      return {
        kind: "With",
        start: sp.start,
        end: sp.end,
        isAsync: !!n.d.isAsync,
        items: n.d.withItems.map((wi) => ({ expr: expr(wi.d.expr), target: wi.d.target ? expr(wi.d.target) : null })),
        body: body(n.d.suite),
      };
    case ParseNodeType.Try:
      return {
        kind: "Try",
        start: sp.start,
        end: sp.end,
        body: body(n.d.trySuite),
        handlers: n.d.exceptClauses.map((h) => ({
          start: h.start,
          end: h.start + h.length,
          type: h.d.typeExpr ? expr(h.d.typeExpr) : null,
          name: h.d.name ? h.d.name.d.value : null,
          body: body(h.d.exceptSuite),
        })),
        orelse: body(n.d.elseSuite),
        finalbody: body(n.d.finallySuite),
      };
    case ParseNodeType.Match:
      return {
        kind: "Match",
        start: sp.start,
        end: sp.end,
        subject: expr(n.d.expr),
        cases: n.d.cases.map((c) => ({ guard: c.d.guardExpr ? expr(c.d.guardExpr) : null, body: body(c.d.suite) })),
      };
    case ParseNodeType.Pass:
      return other(sp, "pass", []);
    case ParseNodeType.Break:
      return other(sp, "break", []);
    case ParseNodeType.Continue:
      return other(sp, "continue", []);
    case ParseNodeType.Del:
      return other(sp, "del", n.d.targets.map(expr));
    case ParseNodeType.Raise:
      return other(sp, "raise", [n.d.expr, n.d.fromExpr].filter(isDefined).map(expr));
    case ParseNodeType.Assert:
      return other(sp, "assert", [n.d.testExpr, n.d.exceptionExpr].filter(isDefined).map(expr));
    case ParseNodeType.Global:
    case ParseNodeType.Nonlocal:
      return {
        kind: "OtherStmt",
        start: sp.start,
        end: sp.end,
        keyword: n.nodeType === ParseNodeType.Global ? "global" : "nonlocal",
        exprs: [],
        names: n.d.targets.map((t) => t.d.value),
      };
    default:
      return { kind: "ExprStmt", start: sp.start, end: sp.end, value: expr(n as ExpressionNode) };
  }
}

/** `if/elif/elif/...` nests each `elif` in the previous `orelse`; built in a loop, since CPython accepts thousands. */
function ifChain(first: IfNode): A.If {
  const root: A.If = {
    kind: "If",
    start: first.start,
    end: first.start + first.length,
    test: expr(first.d.testExpr),
    body: body(first.d.ifSuite),
    orelse: [],
  };
  let cur = root;
  let node: IfNode = first;
  for (;;) {
    const next = node.d.elseSuite;
    if (!next) break;
    if (next.nodeType !== ParseNodeType.If) {
      cur.orelse = body(next);
      break;
    }
    const branch: A.If = {
      kind: "If",
      start: next.start,
      end: next.start + next.length,
      test: expr(next.d.testExpr),
      body: body(next.d.ifSuite),
      orelse: [],
    };
    cur.orelse = [branch];
    cur = branch;
    node = next;
  }
  return root;
}

function isDefined<T>(x: T | undefined): x is T {
  return x !== undefined;
}

function other(sp: { start: number; end: number }, keyword: string, exprs: A.Expr[]): A.OtherStmt {
  return { kind: "OtherStmt", start: sp.start, end: sp.end, keyword, exprs, names: [] };
}

function functionDef(n: FunctionNode): A.FunctionDef {
  return {
    kind: "FunctionDef",
    start: n.start,
    end: n.start + n.length,
    name: n.d.name.d.value,
    isAsync: n.d.isAsync,
    defStart: n.d.firstToken ? n.d.firstToken.start : n.start,
    nameStart: n.d.name.start,
    decorators: n.d.decorators.map((d) => expr(d.d.expr)),
    params: params(n.d.params),
    returns: n.d.returnAnnotation ? expr(n.d.returnAnnotation) : null,
    body: body(n.d.suite),
  };
}

function params(ps: ParameterNode[]): A.Param[] {
  return ps.map((p) => ({
    start: p.start,
    end: p.start + p.length,
    name: p.d.name ? p.d.name.d.value : "",
    category: p.d.category === 1 ? "args" : p.d.category === 2 ? "kwargs" : "plain",
    annotation: p.d.annotation ? expr(p.d.annotation) : p.d.annotationComment ? expr(p.d.annotationComment) : null,
    default: p.d.defaultValue ? expr(p.d.defaultValue) : null,
  }));
}

function arg(a: ArgumentNode): A.Arg {
  return {
    start: a.start,
    end: a.start + a.length,
    name: a.d.name ? a.d.name.d.value : null,
    star: a.d.argCategory === 1 ? 1 : a.d.argCategory === 2 ? 2 : 0,
    value: expr(a.d.valueExpr),
  };
}

function stringList(n: StringListNode): A.Str {
  let fstring = false;
  let bytes = false;
  const placeholders: A.Expr[] = [];
  let value = "";
  for (const s of n.d.strings as (StringNode | FormatStringNode)[]) {
    if (s.nodeType === ParseNodeType.FormatString) {
      fstring = true;
      for (const f of s.d.fieldExprs) placeholders.push(expr(f));
      for (const f of s.d.formatExprs) placeholders.push(expr(f));
      value += s.d.middleTokens.map((t) => t.escapedValue).join("");
    } else {
      if (s.d.token.flags & StringTokenFlags.Bytes) bytes = true;
      value += s.d.value;
    }
  }
  return {
    kind: "Str",
    start: n.start,
    end: n.start + n.length,
    value: placeholders.length > 0 ? null : value,
    fstring,
    placeholders,
    bytes,
  };
}

function expr(n: ExpressionNode | ParseNode): A.Expr {
  const sp = span(n);
  switch (n.nodeType) {
    case ParseNodeType.Name:
      return { kind: "Name", start: sp.start, end: sp.end, id: n.d.value };
    case ParseNodeType.MemberAccess:
      return {
        kind: "Attribute",
        start: sp.start,
        end: sp.end,
        value: expr(n.d.leftExpr),
        attr: n.d.member.d.value,
        attrStart: n.d.member.start,
      };
    case ParseNodeType.Call:
      return { kind: "Call", start: sp.start, end: sp.end, func: expr(n.d.leftExpr), args: n.d.args.map(arg) };
    case ParseNodeType.Await:
      return { kind: "Await", start: sp.start, end: sp.end, value: expr(n.d.expr) };
    case ParseNodeType.StringList:
      return stringList(n);
    case ParseNodeType.String:
      return {
        kind: "Str",
        start: sp.start,
        end: sp.end,
        value: n.d.value,
        fstring: false,
        placeholders: [],
        bytes: false,
      };
    case ParseNodeType.Number:
      return { kind: "Constant", start: sp.start, end: sp.end, value: String(n.d.value) };
    case ParseNodeType.Constant:
      return { kind: "Constant", start: sp.start, end: sp.end, value: CONSTANTS[n.d.constType] ?? "?" };
    case ParseNodeType.Ellipsis:
      return { kind: "Constant", start: sp.start, end: sp.end, value: "..." };
    case ParseNodeType.BinaryOperation:
      return {
        kind: "BinOp",
        start: sp.start,
        end: sp.end,
        op: OPERATORS[n.d.operator] ?? "?",
        left: expr(n.d.leftExpr),
        right: expr(n.d.rightExpr),
      };
    case ParseNodeType.UnaryOperation:
      return {
        kind: "UnaryOp",
        start: sp.start,
        end: sp.end,
        op: OPERATORS[n.d.operator] ?? "?",
        operand: expr(n.d.expr),
      };
    case ParseNodeType.Index:
      return {
        kind: "Subscript",
        start: sp.start,
        end: sp.end,
        value: expr(n.d.leftExpr),
        items: n.d.items.map((a) => expr(a.d.valueExpr)),
      };
    case ParseNodeType.Tuple:
      return { kind: "Sequence", start: sp.start, end: sp.end, type: "tuple", items: n.d.items.map(expr) };
    case ParseNodeType.List:
      return { kind: "Sequence", start: sp.start, end: sp.end, type: "list", items: n.d.items.map(expr) };
    case ParseNodeType.Set:
      return { kind: "Sequence", start: sp.start, end: sp.end, type: "set", items: n.d.items.map(expr) };
    case ParseNodeType.Dictionary:
      return {
        kind: "Dict",
        start: sp.start,
        end: sp.end,
        entries: n.d.items.map((e) =>
          e.nodeType === ParseNodeType.DictionaryKeyEntry
            ? { key: expr(e.d.keyExpr), value: expr(e.d.valueExpr) }
            : e.nodeType === ParseNodeType.DictionaryExpandEntry
              ? { key: null, value: expr(e.d.expr) }
              : { key: null, value: expr(e) },
        ),
      };
    case ParseNodeType.Lambda:
      return { kind: "Lambda", start: sp.start, end: sp.end, params: params(n.d.params), body: expr(n.d.expr) };
    case ParseNodeType.Comprehension:
      return {
        kind: "Comprehension",
        start: sp.start,
        end: sp.end,
        generator: n.d.isGenerator,
        element: expr(n.d.expr),
        clauses: n.d.forIfNodes.map((c) =>
          c.nodeType === ParseNodeType.ComprehensionFor
            ? {
                type: "for" as const,
                isAsync: !!c.d.isAsync,
                target: expr(c.d.targetExpr),
                iter: expr(c.d.iterableExpr),
              }
            : { type: "if" as const, test: expr(c.d.testExpr) },
        ),
      };
    case ParseNodeType.Ternary:
      return {
        kind: "Ternary",
        start: sp.start,
        end: sp.end,
        test: expr(n.d.testExpr),
        body: expr(n.d.ifExpr),
        orelse: expr(n.d.elseExpr),
      };
    case ParseNodeType.AssignmentExpression:
      return {
        kind: "NamedExpr",
        start: sp.start,
        end: sp.end,
        target: { kind: "Name", start: n.d.name.start, end: n.d.name.start + n.d.name.length, id: n.d.name.d.value },
        value: expr(n.d.rightExpr),
      };
    case ParseNodeType.Unpack:
      return { kind: "Starred", start: sp.start, end: sp.end, value: expr(n.d.expr) };
    case ParseNodeType.Yield:
      return { kind: "Yield", start: sp.start, end: sp.end, from: false, value: n.d.expr ? expr(n.d.expr) : null };
    case ParseNodeType.YieldFrom:
      return { kind: "Yield", start: sp.start, end: sp.end, from: true, value: expr(n.d.expr) };
    case ParseNodeType.Slice:
      return {
        kind: "Slice",
        start: sp.start,
        end: sp.end,
        parts: [n.d.startValue, n.d.endValue, n.d.stepValue].filter(isDefined).map(expr),
      };
    case ParseNodeType.TypeAnnotation:
      return expr(n.d.valueExpr);
    case ParseNodeType.Error:
      return { kind: "OtherExpr", start: sp.start, end: sp.end, children: n.d.child ? [expr(n.d.child)] : [] };
    default:
      return { kind: "OtherExpr", start: sp.start, end: sp.end, children: [] };
  }
}

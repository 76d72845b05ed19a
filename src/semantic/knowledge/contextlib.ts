/**
 * Library knowledge of the Python standard library's context managers and callables: what entering,
 * calling and wrapping a value gives. Data only; src/semantic/infer.ts applies it ("what does entering /
 * calling this value give"), for sessions obtained through project helpers (catalog v2, session providers).
 */
import { table } from "./sqlalchemy.js";

/** `async` for `async with`, `sync` for `with`. */
export type EnterKind = "async" | "sync";

/**
 * Decorators (also called as functions, `helper = asynccontextmanager(fn)`) that turn a generator function
 * into a function returning a context manager whose entered value is what the generator yields.
 */
export const CONTEXT_MANAGER_DECORATORS: Readonly<Record<string, EnterKind>> = table({
  "contextlib.asynccontextmanager": "async",
  "contextlib.contextmanager": "sync",
});

/** Annotations `X[T]` meaning "a context manager whose entered value is T". */
/** `Callable[[...], R]` spelled through typing or collections.abc: calling such a value gives an R. */
export const CALLABLE_TYPES: ReadonlySet<string> = new Set([
  "typing.Callable",
  "typing_extensions.Callable",
  "collections.abc.Callable",
]);

export const CONTEXT_MANAGER_TYPES: Readonly<Record<string, EnterKind>> = table({
  "typing.AsyncContextManager": "async",
  "typing_extensions.AsyncContextManager": "async",
  "contextlib.AbstractAsyncContextManager": "async",
  "contextlib._AsyncGeneratorContextManager": "async",
  "typing.ContextManager": "sync",
  "typing_extensions.ContextManager": "sync",
  "contextlib.AbstractContextManager": "sync",
  "contextlib._GeneratorContextManager": "sync",
});

/** The method a `with` statement calls to enter a value, by kind. */
export const ENTER_METHODS: Readonly<Record<EnterKind, string>> = { async: "__aenter__", sync: "__enter__" };

/** Callables returning a callable that calls their first argument with the remaining arguments bound. */
export const PARTIAL_CALLABLES: ReadonlySet<string> = new Set(["functools.partial"]);

/** Decorators making a method read as an attribute (`obj.session` runs the method); builtins by their bare name. */
export const PROPERTY_DECORATORS: ReadonlySet<string> = new Set(["property", "functools.cached_property"]);

/**
 * Library classes whose instances dbfence follows, and their methods that enter a context manager given as
 * their first argument (`session = await stack.enter_async_context(session_scope())`).
 */
export const ENTERING_METHODS: Readonly<Record<string, Readonly<Record<string, EnterKind>>>> = table({
  "contextlib.AsyncExitStack": table({ enter_async_context: "async", enter_context: "sync" }),
  "contextlib.ExitStack": table({ enter_context: "sync" }),
});

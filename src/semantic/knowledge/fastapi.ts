/** FastAPI knowledge shared by type inference, the app model and the engine's wiring filter. Data only. */
import { table } from "./sqlalchemy.js";

/** Classes whose instances are FastAPI applications or routers, by qualified name. */
export const APP_CLASSES: Readonly<Record<string, "FastAPI" | "APIRouter">> = table({
  "fastapi.FastAPI": "FastAPI",
  "fastapi.applications.FastAPI": "FastAPI",
  "fastapi.APIRouter": "APIRouter",
  "fastapi.routing.APIRouter": "APIRouter",
});

/** Methods of an app or router whose decorator registers a route handler (`@router.get("/")`). */
export const ROUTE_METHODS: ReadonlySet<string> = new Set([
  "get",
  "post",
  "put",
  "patch",
  "delete",
  "head",
  "options",
  "trace",
  "api_route",
  "websocket",
]);

/** Methods that register an endpoint given as an argument (`add_api_route("/", endpoint)`), with its position. */
export const ENDPOINT_REGISTRATIONS: Readonly<Record<string, { position: number; keyword: string }>> = table({
  add_api_route: { position: 1, keyword: "endpoint" },
  add_api_websocket_route: { position: 1, keyword: "endpoint" },
});

/**
 * Methods of an app or router that take other objects without handing the app itself to code dbfence must
 * follow (wiring edges, middleware, handlers): a call of one of them is not "the app passed to a helper".
 */
export const APP_METHODS: ReadonlySet<string> = new Set([
  ...ROUTE_METHODS,
  ...Object.keys(ENDPOINT_REGISTRATIONS),
  "include_router",
  "mount",
  "add_event_handler",
  "on_event",
  "add_middleware",
  "middleware",
  "add_exception_handler",
  "exception_handler",
  "add_route",
  "add_websocket_route",
  "route",
]);

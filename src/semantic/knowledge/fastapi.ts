/** FastAPI knowledge shared by type inference, the app model and the engine's wiring filter. Data only. */
import { table } from "./sqlalchemy.js";

/** Classes whose instances are FastAPI applications or routers, by qualified name. */
export const APP_CLASSES: Readonly<Record<string, "FastAPI" | "APIRouter">> = table({
  "fastapi.FastAPI": "FastAPI",
  "fastapi.applications.FastAPI": "FastAPI",
  "fastapi.APIRouter": "APIRouter",
  "fastapi.routing.APIRouter": "APIRouter",
});

# Sub-apps returned by factory functions and mounted on the main app are not top-level apps (catalog v2 DBF601
# "also when it reaches mount as the return value of a factory function"; DBF602 "mounted sub-apps"): prefect's
# create_api_app()/create_ui_app() mounted by create_app(). Only the main app is reported.
from fastapi import FastAPI


def create_api_app() -> FastAPI:
    api_app = FastAPI(title="api")

    @api_app.get("/flows")
    async def flows() -> list[str]:
        return []

    return api_app


def create_ui_app() -> FastAPI:
    ui_app = FastAPI(title="ui")

    @ui_app.get("/ui-settings")
    async def ui_settings() -> dict[str, str]:
        return {}

    return ui_app


def create_app() -> FastAPI:
    app = FastAPI()  # expect: DBF601, DBF602
    api_app = create_api_app()
    ui_app = create_ui_app()
    app.mount("/api", app=api_app, name="api")
    app.mount("/", app=ui_app, name="ui")
    return app

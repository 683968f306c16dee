"""The coordination dashboard at `/dashboard`: weekly progress at a glance in a browser, for a
coordinator (their region), a bank admin (their bank) or an admin, from the same reports as the
API, in Chinese or English, with charts drawn on the server and nothing loaded from elsewhere."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import Response

from api.dashboard.auth import SignInNeeded, to_sign_in
from api.dashboard.pages import router
from api.dashboard.problem_pages import router as problem_router


def install(app: FastAPI) -> None:
    """Serve the dashboard's pages; a page asked for without a live session leads to the
    sign-in form, and back to the page after."""
    app.include_router(router)
    app.include_router(problem_router)

    @app.exception_handler(SignInNeeded)
    async def sign_in_needed(request: Request, err: SignInNeeded) -> Response:
        return to_sign_in(err.wanted, request.query_params.get("lang"))

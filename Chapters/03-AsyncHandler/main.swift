// Chapter 03 — asyncHandler, ApiError and ApiResponse.
//
// Chapter 02's app, plus the healthcheck answering in the API's shape, and a middleware that
// shows `next`. Thrown errors become the error JSON in one place (Sources/App/ErrorMiddleware.swift);
// the types are in Sources/Api.
import Api
import App

await runServer(name: "chapter03", serves: "GET /api/v1/healthcheck, POST /api/v1/echo, /api/v1/cookies, static files") { router, db, config in
    router.add(middleware: ServerTimingMiddleware())
    HealthController(storage: db.storage).addRoutes(to: router)
    EchoController(cookies: config.cookies).addRoutes(to: router)
}

// Chapter 02 — the Express-like app: the Swift `index.js` + `app.js`.
//
// Connect, build the middleware stack (request log, CORS with credentials, the error JSON,
// static files, 16 kB JSON and URL-encoded bodies, cookies), listen on PORT, stop gracefully.
// The concept lives in Sources/App; this file only names what the chapter serves.
import App

await runServer(name: "chapter02", serves: "static files from public/, POST /api/v1/echo, /api/v1/cookies") { router, _, config in
    EchoController(cookies: config.cookies).addRoutes(to: router)
}

// Chapter 02 — the Express-like app: the Swift `index.js` + `app.js`.
//
// Connect, build the middleware stack (request log, CORS with credentials, the error JSON,
// static files, 16 kB JSON and URL-encoded bodies, cookies), listen on PORT, stop gracefully.
// The concept lives in Sources/Course/02-App; Chapter02.swift names what the chapter serves.

import App

await runServer(name: "chapter02", build: buildChapter02)

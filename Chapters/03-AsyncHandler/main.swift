// Chapter 03 — asyncHandler, APIError and APIResponse.
//
// Thrown errors become the error JSON in one place (Sources/Course/03-Responses/ErrorMiddleware.swift);
// the types are in Sources/Course/03-Responses; Chapter03.swift composes the server.

import App

await runServer(name: "chapter03", build: buildChapter03)

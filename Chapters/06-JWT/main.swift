// Chapter 06 — JWT: access and refresh tokens, and verifyJWT. Chapter06.swift composes the server.

import App

await runServer(name: "chapter06", build: buildChapter06)

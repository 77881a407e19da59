// Chapter 04 — models.
//
// Chapter04.swift creates the indexes, seeds a demo channel, prints a page of it, and serves
// the browsing routes.

import App

await runServer(name: "chapter04", build: buildChapter04)

// Chapter 08 — media: uploads go on to Cloudinary, or to a local media folder. Chapter08.swift
// composes the server.

import App

await runServer(name: "chapter08", build: buildChapter08)

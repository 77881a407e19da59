// Chapter 07 — multer-style uploads. Chapter07.swift composes the server:
//
//   curl -F fullName="Asha" -F avatar=@me.png localhost:8000/api/v1/uploads

import App

await runServer(name: "chapter07", build: buildChapter07)

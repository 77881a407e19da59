// `make bench`: the healthcheck's JSON on Node + Express, with the course's app.js middleware
// (cors with credentials, express.json/urlencoded with the 16 kb limit, express.static,
// cookie-parser). Debian's nodejs, node-express, node-cors and node-cookie-parser; no npm.
const express = require("express")
const cors = require("cors")
const cookieParser = require("cookie-parser")

const app = express()
app.use(cors({ origin: "http://localhost:5173", credentials: true }))
app.use(express.json({ limit: "16kb" }))
app.use(express.urlencoded({ extended: true, limit: "16kb" }))
app.use(express.static(process.env.PUBLIC_DIR || "public"))
app.use(cookieParser())
app.get("/api/v1/healthcheck", (req, res) =>
    res.status(200).json({ statusCode: 200, data: { status: "ok", database: "up" }, message: "OK", success: true }))

const server = app.listen(Number(process.env.PORT || 8000), "127.0.0.1", () =>
    console.log(`Server is running at http://127.0.0.1:${server.address().port}`))

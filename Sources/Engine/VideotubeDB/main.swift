// `make db`: serve the embedded store's data folder over MongoDB's wire protocol, so mongosh,
// Compass, pymongo and the app's own MongoDB backend (MONGODB_URI) all reach the same data.
//
//     videotube-db [--bind-all]     DATA_DIR (default ./data), DB_PORT (default 27017)
//
// Loopback only unless --bind-all is given. With DB_USERNAME and DB_PASSWORD it asks for them
// (SCRAM-SHA-256, what every MongoDB driver speaks); without, anyone on the machine can connect.

import Database
import EmbeddedStore
import Foundation
import Logging
import UnixSignals
import WireServer

let logger = Logger(label: "videotube-db")
// The same settings as the servers, read the same way (chapter 01's `Settings`), so DATA_DIR agrees.
let settings = try await Settings.load()
let directory = settings["DATA_DIR"] ?? "./data"
let portText = settings["DB_PORT"] ?? "27017"
guard let port = Int(portText), (0...65535).contains(port) else {
    logger.error("DB_PORT must be a port number, not \"\(portText)\"")
    exit(1)
}
// QUERY_TIMEOUT_MS (3000; 0: none): the time a command that sends no maxTimeMS may take.
let limitText = settings["QUERY_TIMEOUT_MS"] ?? "3000"
guard let limitMs = Int(limitText), (0...600_000).contains(limitMs) else {
    logger.error("QUERY_TIMEOUT_MS must be a number of milliseconds from 0 to 600000, not \"\(limitText)\"")
    exit(1)
}
// DB_USERNAME and DB_PASSWORD: a connection must authenticate (SCRAM-SHA-256) as that user.
let credentials: WireCredentials?
switch (settings["DB_USERNAME"], settings["DB_PASSWORD"]) {
case (nil, nil): credentials = nil
case (let user?, let password?): credentials = WireCredentials(username: user, password: password)
default:
    logger.error("set both DB_USERNAME and DB_PASSWORD, or neither")
    exit(1)
}
let bindAll = CommandLine.arguments.contains("--bind-all")
let host = bindAll ? "0.0.0.0" : "127.0.0.1"
if bindAll {
    logger.warning(
        "--bind-all: every network this machine is on can reach \(directory) without a password: all collections, password hashes included. Use it only on a network you trust, or put real MongoDB (with authentication) in front of users."
    )
}

let store: EmbeddedStore
let server: WireServer
do {
    store = try EmbeddedStore.open(directory: directory)
    server = try await WireServer.start(
        storage: store, host: host, port: port, defaultTimeLimit: limitMs > 0 ? .milliseconds(limitMs) : nil, credentials: credentials,
        logger: logger)
} catch {
    let text = "\(error)"
    logger.error(
        text.contains("Address already in use")
            ? "port \(port) is already in use (is another MongoDB running?): stop it or set DB_PORT"
            : "cannot start: \(text)")
    exit(1)
}
logger.info(
    "videotube-db serving \(store.location) at mongodb://\(host):\(server.port) — connect mongosh, Compass or pymongo, or set MONGODB_URI for the app"
)
logger.info(
    credentials.map { "it asks for a password: user \($0.username), SCRAM-SHA-256 (mongodb://\($0.username):…@\(host):\(server.port))" }
        ?? "it asks for no credentials (set DB_USERNAME and DB_PASSWORD to require them): anyone on this machine can read and change the data")

let signals = await UnixSignalsSequence(trapping: .sigint, .sigterm)
for await signal in signals {
    logger.info("\(signal): stopping")
    break
}
await server.stop()
await store.close()
logger.info("stopped; data is in \(store.location)")

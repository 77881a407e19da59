// `make db`: serve the embedded store's data folder over MongoDB's wire protocol, so mongosh,
// Compass, pymongo and the app's own MongoDB backend (MONGODB_URI) all reach the same data.
//
//     videotube-db [--bind-all]     DATA_DIR (default ./data), DB_PORT (default 27017)
//
// Loopback only unless --bind-all is given: the server has no authentication.
import EmbeddedStore
import Foundation
import Hummingbird
import Logging
import UnixSignals
import WireServer

let logger = Logger(label: "videotube-db")
let env = try await Environment.dotEnv().merging(with: Environment())
let directory = env.get("DATA_DIR").flatMap { $0.isEmpty ? nil : $0 } ?? "./data"
let portText = env.get("DB_PORT").flatMap { $0.isEmpty ? nil : $0 } ?? "27017"
guard let port = Int(portText), (0...65535).contains(port) else {
    logger.error("DB_PORT must be a port number, not \"\(portText)\"")
    exit(1)
}
let host = CommandLine.arguments.contains("--bind-all") ? "0.0.0.0" : "127.0.0.1"

let store: EmbeddedStore
let server: WireServer
do {
    store = try EmbeddedStore.open(directory: directory)
    server = try await WireServer.start(storage: store, host: host, port: port, logger: logger)
} catch {
    let text = "\(error)"
    logger.error(text.contains("Address already in use")
        ? "port \(port) is already in use (is another MongoDB running?): stop it or set DB_PORT"
        : "cannot start: \(text)")
    exit(1)
}
logger.info("videotube-db serving \(store.location) at mongodb://\(host):\(server.port) — connect mongosh, Compass or pymongo, or set MONGODB_URI for the app")

let signals = await UnixSignalsSequence(trapping: .sigint, .sigterm)
for await signal in signals {
    logger.info("\(signal): stopping")
    break
}
await server.stop()
await store.close()
logger.info("stopped; data is in \(store.location)")

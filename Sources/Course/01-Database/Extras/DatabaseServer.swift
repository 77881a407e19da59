// `DB_PORT`: the embedded store served over MongoDB's wire protocol, from the same process, so
// mongosh, Compass and pymongo see the running app's data (the data folder itself is locked to
// the process that owns it). Not part of chapter 01's lesson: `connectDB` calls it in one line.

import EmbeddedStore
import Logging
import WireServer

/// Starts the wire server on `DB_PORT`, loopback only, when the configuration asks for one; nil
/// when it does not. A bad port, or one in use, closes the store and fails with the reason.
func serveOverWire(_ store: EmbeddedStore, _ config: DatabaseConfig, logger: Logger) async throws(ConnectDBError)
    -> WireServer?
{
    guard let text = config.wirePort else { return nil }
    guard let port = Int(text), (1...65535).contains(port) else {
        await store.close()
        throw .wireFailed("DB_PORT must be a port number from 1 to 65535, not \"\(text)\"")
    }
    do {
        return try await WireServer.start(
            storage: store, host: "127.0.0.1", port: port,
            defaultTimeLimit: .milliseconds(max(1, config.wireTimeLimit)),
            credentials: config.wireUser.map { WireCredentials(username: $0.username, password: $0.password) },
            logger: logger)
    } catch {
        await store.close()
        let text = "\(error)"
        throw .wireFailed(
            text.contains("Address already in use")
                ? "port \(port) is already in use (is a MongoDB or `make db` running?)" : text)
    }
}

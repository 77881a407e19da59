// Chapter 01 — connect to the database: the Swift `index.js` of the course's first chapter.
//
// Load `.env`, await the connection inside do/catch, say where we connected, and exit 1 with
// the reason when we cannot. The concept lives in Sources/Database/ConnectDB.swift.
import Database
import Foundation
import Hummingbird
import Logging

let logger = Logger(label: "chapter01")
// Real environment variables win over `.env`, as the `dotenv` package does.
let env = try await Environment.dotEnv().merging(with: Environment())
let config = DatabaseConfig { env.get($0) }

do {
    let db = try await connectDB(config, logger: logger)
    logger.info("\(db.summary) (database \"\(db.database.name)\")")
    let collections = try await db.database.listCollectionNames()
    logger.info("collections: \(collections.isEmpty ? "none yet" : collections.sorted().joined(separator: ", "))")
    await db.storage.close()
} catch {
    logger.error("\(error)")
    exit(1)
}

// Chapter 01 — connect to the database: the Swift `index.js` of the course's first chapter.
//
// Load `.env`, await the connection inside do/catch, say where we connected, and exit 1 with
// the reason when we cannot. The concept lives in Sources/Course/01-Database/ConnectDB.swift.

import Database
import Foundation
import Logging

let logger = Logger(label: "chapter01")
// `.env` under the real environment variables, which win, as the `dotenv` package does.
let config = DatabaseConfig(try await Settings.load())

do {
    let db = try await connectDB(config, logger: logger)
    logger.info("\(db.summary) (database \"\(db.database.name)\")")
    let collections = try await db.database.listCollectionNames()
    logger.info("collections: \(collections.isEmpty ? "none yet" : collections.sorted().joined(separator: ", "))")
    await db.close()
} catch {
    logger.error("\(error)")
    exit(1)
}

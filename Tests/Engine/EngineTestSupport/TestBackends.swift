// Every storage backend a test can run on, each handing out fresh, empty databases:
//
// - `embedded`: the embedded store in a temporary folder;
// - `mongoDriver`: our libmongoc backend talking MongoDB's wire protocol to an in-process
//   wire server (which fronts another embedded store): the real C driver, every test run;
// - `liveMongoDB`: a real MongoDB server, when `MONGODB_TEST_URI` names one.
//
// Tests take `TestBackend.available` as arguments, so the same test proves the same
// behaviour on each backend.

import EmbeddedStore
import Foundation
import Logging
import MongoStore
import Storage
import Testing
import WireServer

public enum TestBackend: String, Sendable, CaseIterable, CustomTestStringConvertible {
    case embedded, mongoDriver, liveMongoDB

    public static var available: [TestBackend] {
        ProcessInfo.processInfo.environment["MONGODB_TEST_URI"] == nil ? [.embedded, .mongoDriver] : allCases
    }

    public var testDescription: String { rawValue }

    /// A new, empty database of this backend (a unique name in a shared store).
    public func freshDatabase() async throws -> any StorageDatabase {
        let name = "t_" + UUID().uuidString.prefix(8).lowercased()
        return try await Backends.shared.storage(for: self).database(name)
    }
}

/// The shared stores, each opened once per test process.
public actor Backends {
    public static let shared = Backends()
    // Started once: concurrent callers all await the same task (an actor is reentrant across
    // `await`, so a plain "if not opened, open" would open one per caller).
    private var opening: [TestBackend: Task<any Storage, any Error>] = [:]
    private var wire: (server: WireServer, mongo: MongoStore)?

    public func storage(for backend: TestBackend) async throws -> any Storage {
        if opening[backend] == nil {
            opening[backend] = Task { try await self.open(backend) }
        }
        return try await opening[backend]!.value
    }

    /// The wire server in front of an embedded store, with our C-driver backend connected to it.
    public func wireServer() async throws -> (server: WireServer, mongo: MongoStore) {
        _ = try await storage(for: .mongoDriver)
        return wire!
    }

    private func open(_ backend: TestBackend) async throws -> any Storage {
        switch backend {
        case .embedded:
            return try EmbeddedStore.open(directory: Self.scratchFolder("embedded"))
        case .mongoDriver:
            let behind = try EmbeddedStore.open(directory: Self.scratchFolder("wire"))
            let server = try await WireServer.start(storage: behind, port: 0, logger: Logger(label: "wire-test"))
            let mongo = try await MongoStore.connect(uri: "mongodb://127.0.0.1:\(server.port)/?serverSelectionTimeoutMS=3000")
            wire = (server, mongo)
            return mongo
        case .liveMongoDB:
            return try await MongoStore.connect(uri: ProcessInfo.processInfo.environment["MONGODB_TEST_URI"]!)
        }
    }

    private static func scratchFolder(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-\(UUID().uuidString)").path
    }
}

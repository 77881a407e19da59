// Read-only views (`create` with `viewOn` and `pipeline`, as `db.createView` sends it): a view
// is a name for a pipeline over another collection or view. Reading one (find, count, distinct,
// aggregate) runs the view's pipeline first; writing to one is refused (166,
// CommandNotSupportedOnView). Definitions live in the database itself, in a collection the
// server keeps for them (MongoDB's `system.views`), so they outlast a restart.

import BSON
import Storage

extension CommandProcessor {
    /// Where a database's view definitions are kept: `{_id: <view name>, viewOn, pipeline}`.
    static let viewsCollection = "__views"

    /// The collection a name reads from at last, and the stages to run first: nil for a
    /// collection (or nothing), else the view's source with its pipeline (a view on a view
    /// runs both pipelines, the inner one first).
    func resolveView(_ db: String, _ name: String) async throws -> (source: String, pipeline: [Document])? {
        var source = name, stages: [Document] = [], hops = 0
        while let view = try await storage.database(db).collection(Self.viewsCollection).findOne(["_id": .string(source)]) {
            guard case .string(let on)? = view["viewOn"] else { break }
            stages = (view["pipeline"]?.arrayValue ?? []).compactMap(\.documentValue) + stages
            source = on
            hops += 1
            if hops > 20 { throw CommandError(15, "Overflow", "view graph depth limit exceeded") }
        }
        return hops == 0 ? nil : (source, stages)
    }

    /// Refuses a write to a view.
    func refuseIfView(_ db: String, _ name: String) async throws {
        if try await resolveView(db, name) != nil {
            throw CommandError(166, "CommandNotSupportedOnView", "Namespace \(db).\(name) is a view, not a collection")
        }
    }

    /// `create` with `viewOn`: records the view (after checking its pipeline parses as one).
    func createView(_ cmd: Document, _ db: String, _ name: String) async throws -> Document {
        guard case .string(let on)? = cmd["viewOn"], !on.isEmpty else { throw CommandError(14, "TypeMismatch", "'viewOn' must be a collection name") }
        let pipeline = try (cmd["pipeline"]?.arrayValue ?? []).map { stage -> BSONValue in
            guard case .document = stage else { throw CommandError(14, "TypeMismatch", "each stage of a view's pipeline must be an object") }
            return stage
        }
        let names = try await storage.database(db).listCollectionNames()
        let existingView = try await resolveView(db, name)
        if names.contains(name) || existingView != nil {
            throw CommandError(48, "NamespaceExists", "Collection \(db).\(name) already exists.")
        }
        try await storage.database(db).collection(Self.viewsCollection).insertOne(
            ["_id": .string(name), "viewOn": .string(on), "pipeline": .array(pipeline)])
        return ["ok": 1.0]
    }

    /// The views of a database, for listCollections: `[(name, viewOn, pipeline)]`.
    func views(_ db: String) async throws -> [Document] {
        try await storage.database(db).collection(Self.viewsCollection).find([:], options: FindOptions(sort: ["_id": 1]))
    }

    /// `drop` of a view: forgets its definition; false when `name` is no view.
    func dropView(_ db: String, _ name: String) async throws -> Bool {
        try await storage.database(db).collection(Self.viewsCollection).deleteOne(["_id": .string(name)]) > 0
    }
}

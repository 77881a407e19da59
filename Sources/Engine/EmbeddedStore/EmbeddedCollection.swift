// CRUD on one collection of the embedded store. Every operation parses its filter, update or
// pipeline before touching anything, so a malformed query fails without side effects.

import BSON
import Storage

struct EmbeddedCollection: StorageCollection {
    let store: EmbeddedStore
    let database: String
    let name: String

    private func engine() throws(StorageError) -> DatabaseEngine {
        try Self.validate(name)
        return try store.engine(database)
    }

    /// MongoDB's rules for collection names.
    static func validate(_ name: String) throws(StorageError) {
        guard !name.isEmpty, !name.contains("$"), !name.hasPrefix("system."), !name.contains("\0") else {
            throw .invalidQuery(code: 73, message: "Invalid collection name: '\(name)'")
        }
    }

    // MARK: Writes

    func insertOne(_ document: Document) async throws(StorageError) -> BSONValue {
        try await insertMany([document])[0]
    }

    func insertMany(_ documents: [Document]) async throws(StorageError) -> [BSONValue] {
        guard !documents.isEmpty else { return [] }
        var prepared: [Document] = []
        for document in documents { prepared.append(try Self.prepareForInsert(document)) }
        let ready = prepared
        let name = self.name
        try await engine().write { tx throws(StorageError) in
            for document in ready { try tx.insert(name, document) }
        }
        return ready.map { $0["_id"]! }
    }

    /// Adds an `_id` (first, as MongoDB does) and checks what MongoDB checks on insert. Field
    /// names may start with `$` (MongoDB 5.0 and later), except inside the `_id`.
    static func prepareForInsert(_ document: Document) throws(StorageError) -> Document {
        if case .document(let id)? = document["_id"], let key = id.keys.first(where: { $0.hasPrefix("$") }) {
            throw .invalidQuery(code: 52, message: "_id fields may not contain '$'-prefixed fields: \(key) is not valid for storage.")
        }
        guard let id = document["_id"] else {
            return Document([(key: "_id", value: .objectId(ObjectId()))] + document.elements)
        }
        switch id {
        case .array, .regex, .undefined:
            throw .invalidQuery(code: 2, message: "can't use a\(id.typeName == "array" ? "n" : "") \(id.typeName) for _id")
        default:
            // MongoDB stores _id as the first field, wherever it was given.
            if document.first?.key == "_id" { return document }
            return Document([(key: "_id", value: id)] + document.elements.filter { $0.key != "_id" })
        }
    }

    func updateOne(_ filter: Document, _ update: Document, options: UpdateOptions) async throws(StorageError) -> UpdateResult {
        try await applyChange(
            filter, try Self.change(update, arrayFilters: options.arrayFilters), multi: false, upsert: options.upsert, sort: options.sort)
    }

    func updateMany(_ filter: Document, _ update: Document, options: UpdateOptions) async throws(StorageError) -> UpdateResult {
        try await applyChange(filter, try Self.change(update, arrayFilters: options.arrayFilters), multi: true, upsert: options.upsert)
    }

    /// An update's change: a pipeline (keys "0", "1", …: `Document(pipeline:)`), or operators.
    /// With `replacing`, a document without operators replaces the one found (findAndModify's rule).
    static func change(_ update: Document, arrayFilters: [Document]?, replacing: Bool = false) throws(StorageError) -> Change {
        if let stages = update.pipelineStages {
            return .pipeline(try run { () throws(QueryError) in try Pipeline.parseUpdate(stages) })
        }
        if replacing, !(update.first?.key.hasPrefix("$") ?? false) { return .replacement(update) }
        return .operators(try run { () throws(QueryError) in try Update.parse(update, arrayFilters: arrayFilters ?? []) })
    }

    func replaceOne(_ filter: Document, _ replacement: Document, options: UpdateOptions) async throws(StorageError) -> UpdateResult {
        if let key = replacement.keys.first(where: { $0.hasPrefix("$") }) {
            throw .invalidQuery(code: 2, message: "replacement document must not contain update operators (found \(key))")
        }
        return try await applyChange(filter, .replacement(replacement), multi: false, upsert: options.upsert, sort: options.sort)
    }

    enum Change: Sendable {
        case operators(Update)
        case replacement(Document)
        /// A pipeline-style update: the stages run over the document, whose `_id` may not change.
        case pipeline(Pipeline)

        func apply(_ document: Document, isInsert: Bool, query: Filter? = nil) throws(QueryError) -> Document {
            switch self {
            case .operators(let update): return try update.apply(to: document, isInsert: isInsert, query: query)
            case .replacement(let replacement): return try Update.replace(document, with: replacement)
            case .pipeline(let pipeline): return try pipeline.applyUpdate(to: document)
            }
        }

        /// An upsert's new document starts from the query's equality fields (operators and
        /// pipelines), or from the replacement alone.
        var seedsFromQuery: Bool {
            if case .replacement = self { return false }
            return true
        }
    }

    private func applyChange(
        _ filterDocument: Document, _ change: Change, multi: Bool, upsert: Bool, sort sortDocument: Document? = nil
    ) async throws(StorageError) -> UpdateResult {
        let filter = try parse { () throws(QueryError) in try Filter.parse(filterDocument) }
        let sort = try sortDocument.map { spec throws(StorageError) in try parse { () throws(QueryError) in try SortSpec.parse(spec) } }
        let name = self.name
        return try await engine().write { tx throws(StorageError) in
            var matches = try Self.run { () throws(QueryError) in
                try tx.snapshot(name).matching(filter, limit: multi || sort != nil ? .max : 1)
            }
            if !multi, let sort, matches.count > 1 {  // the first in the sort's order (MongoDB 8.0's updateOne sort)
                let first = sort.sorted(matches.map(\.1))[0]
                matches = [matches.first { $0.1 == first }!]
            }
            let targets = matches
            var modified = 0
            for (id, document) in targets {
                let updated = try Self.run { () throws(QueryError) in try change.apply(document, isInsert: false, query: filter) }
                if updated != document {
                    try tx.replace(name, id, with: updated)
                    modified += 1
                }
            }
            if targets.isEmpty && upsert {
                let inserted = try Self.upsertDocument(filter, change)
                try tx.insert(name, inserted)
                return UpdateResult(matchedCount: 0, modifiedCount: 0, upsertedId: inserted["_id"])
            }
            return UpdateResult(matchedCount: targets.count, modifiedCount: modified)
        }
    }

    /// The document an upsert inserts: the filter's equality fields, then the update applied
    /// as an insert (so `$setOnInsert` acts), with an `_id` if neither gave one.
    static func upsertDocument(_ filter: Filter, _ change: Change) throws(StorageError) -> Document {
        var seed = Document()
        if change.seedsFromQuery {
            for (parts, value) in filter.upsertSeed() where !parts.contains(where: { $0.hasPrefix("$") }) {
                try run { () throws(QueryError) in try Paths.set(&seed, parts[...], value) }
            }
        } else if let id = filter.upsertSeed().first(where: { $0.0 == ["_id"] })?.1 {
            seed["_id"] = id
        }
        var document = try run { () throws(QueryError) in try change.apply(seed, isInsert: true) }
        if document["_id"] == nil { document = Document([(key: "_id", value: .objectId(ObjectId()))] + document.elements) }
        return try prepareForInsert(document)
    }

    func findOneAndUpdate(_ filterDocument: Document, _ update: Document, options: FindOneAndUpdateOptions) async throws(StorageError) -> Document? {
        let filter = try parse { () throws(QueryError) in try Filter.parse(filterDocument) }
        let change = try Self.change(update, arrayFilters: options.arrayFilters, replacing: true)
        let sort = try options.sort.map { spec throws(StorageError) in try parse { () throws(QueryError) in try SortSpec.parse(spec) } }
        let projection = try options.projection.map { spec throws(StorageError) in try parse { () throws(QueryError) in try Projection.parse(spec) } }
        let name = self.name
        let result = try await engine().write { tx throws(StorageError) -> Document? in
            var matches = try Self.run { () throws(QueryError) in try tx.snapshot(name).matching(filter) }
            if let sort, matches.count > 1 {
                let order = sort.sorted(matches.map(\.1))
                matches = [matches.first { $0.1 == order[0] }!]
            }
            guard let (id, document) = matches.first else {
                guard options.upsert else { return nil }
                let inserted = try Self.upsertDocument(filter, change)
                try tx.insert(name, inserted)
                return options.returnDocument == .after ? inserted : nil
            }
            let updated = try Self.run { () throws(QueryError) in try change.apply(document, isInsert: false, query: filter) }
            if updated != document { try tx.replace(name, id, with: updated) }
            return options.returnDocument == .after ? updated : document
        }
        guard let result, let projection else { return result }
        return try parse { () throws(QueryError) in try projection.apply(result) }
    }

    func deleteOne(_ filter: Document) async throws(StorageError) -> Int { try await delete(filter, multi: false) }
    func deleteMany(_ filter: Document) async throws(StorageError) -> Int { try await delete(filter, multi: true) }

    private func delete(_ filterDocument: Document, multi: Bool) async throws(StorageError) -> Int {
        let filter = try parse { () throws(QueryError) in try Filter.parse(filterDocument) }
        let name = self.name
        return try await engine().write { tx throws(StorageError) in
            let targets = try Self.run { () throws(QueryError) in try tx.snapshot(name).matching(filter, limit: multi ? .max : 1) }
            for (id, _) in targets { tx.delete(name, id) }
            return targets.count
        }
    }

    // MARK: Reads

    func find(_ filterDocument: Document, options: FindOptions) async throws(StorageError) -> [Document] {
        let engine = try engine()
        let name = self.name
        return try await Self.read(store, Self.mayRunLong(.document(filterDocument))) { () throws(StorageError) -> [Document] in
            try Self.find(filterDocument, options, in: engine.snapshot(of: name))
        }
    }

    private static func find(_ filterDocument: Document, _ options: FindOptions, in state: CollectionState) throws(StorageError) -> [Document] {
        let filter = try run { () throws(QueryError) in try Filter.parse(filterDocument) }
        let sort = try options.sort.map { spec throws(StorageError) in try run { () throws(QueryError) in try SortSpec.parse(spec) } }
        let projection = try options.projection.map { spec throws(StorageError) in
            try run { () throws(QueryError) in try Projection.parse(spec) }
        }
        if let skip = options.skip, skip < 0 {
            throw .invalidQuery(code: 51024, message: "BSON field 'skip' value must be >= 0, actual value '\(skip)'")
        }
        // A negative limit asks for that many in one batch; its size is what counts (clamped, so
        // that even Int.min is a number, not a trap).
        let limit = options.limit.flatMap { $0 == 0 ? nil : Int(clamping: $0.magnitude) }
        // Without a sort, the scan can stop as soon as skip + limit documents matched.
        var enough = Int.max
        if sort == nil, let limit {
            let (sum, overflow) = (options.skip ?? 0).addingReportingOverflow(limit)
            if !overflow { enough = sum }
        }
        let wanted = enough
        var docs: [Document]
        if let sort, let inOrder = try run({ () throws(QueryError) in try state.matchingInOrder(filter, sort: sort, limit: Self.firstN(options)) }) {
            docs = inOrder.rows.map(\.1)  // read along an index in the sort's order: nothing to sort
        } else {
            // A $text search scores every match (for {$meta: "textScore"}) before any sort.
            let search = state.textSearch(filter)
            docs = try run { () throws(QueryError) in try state.matching(filter, limit: search == nil ? wanted : .max).map(\.1) }.scored(by: search)
            if let sort { docs = sort.sorted(docs) }
        }
        if let skip = options.skip { docs = Array(docs.dropFirst(skip)) }
        if let limit { docs = Array(docs.prefix(limit)) }
        if let projection {
            var out: [Document] = []
            out.reserveCapacity(docs.count)
            for d in docs { out.append(try run { () throws(QueryError) in try projection.apply(d) }) }
            return out.unscored()
        }
        return docs.unscored()
    }

    func countDocuments(_ filterDocument: Document) async throws(StorageError) -> Int {
        let filter = try parse { () throws(QueryError) in try Filter.parse(filterDocument) }
        let engine = try engine()
        let name = self.name
        return try await Self.read(store, Self.mayRunLong(.document(filterDocument))) { () throws(StorageError) -> Int in
            let state = engine.snapshot(of: name)
            return try Self.run { () throws(QueryError) in try state.count(filter) }
        }
    }

    func aggregate(_ stages: [Document]) async throws(StorageError) -> [Document] {
        let parsed = try parse { () throws(QueryError) in try Pipeline.parse(stages) }
        // A final $out or $merge: run the rest, then write its results in one transaction.
        if case .write(let output)? = parsed.stages.last {
            let results = try await aggregate(Array(stages.dropLast()))
            try await write(results, output)
            return []
        }
        let pipeline = parsed
        let engine = try engine()
        let name = self.name
        return try await Self.read(store, Self.mayRunLong(.array(stages.map(BSONValue.document)))) { () throws(StorageError) -> [Document] in
            try Self.run { () throws(QueryError) in try Self.aggregate(pipeline, in: engine.snapshot(of: name), engine: engine) }
        }
    }

    private static func aggregate(_ pipeline: Pipeline, in state: CollectionState, engine: DatabaseEngine) throws(QueryError) -> [Document] {
        var stages = pipeline.stages[...]
        var filter = try Filter.parse([:])
        if case .match(let first)? = stages.first {
            filter = first
            stages = stages.dropFirst()
        }
        // [$match], then a $group that only counts (`{_id: <constant>, n: {$sum: 1}}`, how
        // libmongoc's countDocuments asks): the count, from the indexes where they can give it.
        if stages.count == 1, case .group(.literal(let id), let accumulators)? = stages.first, accumulators.count == 1,
            accumulators[0].1.name == "$sum", case .literal(let one) = accumulators[0].2, one.isNumber, Values.number(one) == 1
        {
            let n = try state.count(filter)
            return n == 0 ? [] : [["_id": id, accumulators[0].0: n <= Int(Int32.max) ? .int32(Int32(n)) : .int64(Int64(n))]]
        }
        // [$match], $sort: read along an index in the sort's order where one gives it (only
        // as far as a $limit right after needs), and drop the sort.
        if case .sort(let sort)? = stages.first,
            let inOrder = try state.matchingInOrder(filter, sort: sort, limit: Pipeline.limitAfter(stages.dropFirst()) ?? .max)
        {
            return try Pipeline(stages: Array(stages.dropFirst())).run(inOrder.rows.map(\.1), source: engine)
        }
        // A leading $match is answered from an index where it can be; a $text search in it
        // scores its matches for {$meta: "textScore"} later in the pipeline.
        if stages.count < pipeline.stages.count {
            let input = try state.matching(filter).map(\.1).scored(by: state.textSearch(filter))
            return try Pipeline(stages: Array(stages)).run(input, source: engine).unscored()
        }
        return try pipeline.run(Array(state.rows.values), source: engine)
    }

    /// skip + limit of a find, when it has a limit (and the sum fits): how many sorted documents
    /// it needs at most.
    static func firstN(_ options: FindOptions) -> Int {
        guard let limit = options.limit, limit != 0 else { return .max }
        let (sum, overflow) = max(0, options.skip ?? 0).addingReportingOverflow(Int(clamping: limit.magnitude))
        return overflow ? .max : sum
    }

    /// `$out` replaces the target's documents (keeping its indexes); `$merge` matches each result
    /// to a target document `on` its fields and merges, replaces, keeps or fails, and inserts,
    /// discards or fails the unmatched.
    private func write(_ results: [Document], _ output: Pipeline.Output) async throws(StorageError) {
        switch output {
        case .out(let target):
            try Self.validate(target)
            let prepared = try results.map { d throws(StorageError) in try Self.prepareForInsert(d) }
            try await store.engine(database).write { tx throws(StorageError) in
                tx.createCollection(target)
                for (id, _) in tx.snapshot(target).rows { tx.delete(target, id) }
                for d in prepared { _ = try tx.insert(target, d) }
            }
        case .merge(let target, let on, let whenMatched, let whenNotMatched):
            try Self.validate(target)
            try await store.engine(database).write { tx throws(StorageError) in
                tx.createCollection(target)
                for result in results {
                    var key = Document()
                    for field in on {
                        guard let value = Paths.get(result, Paths.split(field)[...]) else {
                            throw .invalidQuery(code: 51_132, message: "$merge write error: 'on' field '\(field)' cannot be missing")
                        }
                        key.append(field, value)
                    }
                    let filter = try Self.run { () throws(QueryError) in try Filter.parse(key) }
                    let existing = try Self.run { () throws(QueryError) in try tx.snapshot(target).matching(filter, limit: 1) }.first
                    if let (id, current) = existing {
                        switch whenMatched {
                        case "fail":
                            throw .duplicateKey(
                                DuplicateKeyInfo(
                                    keyPattern: Document(on.map { ($0, .int32(1)) }), keyValue: key, message: "$merge found a matching document"))
                        case "keepExisting": continue
                        case "replace":
                            var replacement = result
                            replacement["_id"] = current["_id"]
                            try tx.replace(target, id, with: try Self.prepareForInsert(replacement))
                        default:
                            var merged = current
                            for (k, v) in result where k != "_id" { merged[k] = v }
                            try tx.replace(target, id, with: merged)
                        }
                    } else {
                        switch whenNotMatched {
                        case "discard": continue
                        case "fail": throw .invalidQuery(code: 13_113, message: "$merge could not find a matching document in the target collection")
                        default: _ = try tx.insert(target, try Self.prepareForInsert(result))
                        }
                    }
                }
            }
        }
    }

    /// The plan `find` follows, from the same decisions it makes: a walk along an index that
    /// gives the sort, an equality index's candidates, or a scan of the collection.
    func explain(_ filterDocument: Document, options: FindOptions) async throws(StorageError) -> Document {
        let filter = try parse { () throws(QueryError) in try Filter.parse(filterDocument) }
        let sort = try options.sort.map { spec throws(StorageError) in try parse { () throws(QueryError) in try SortSpec.parse(spec) } }
        let state = try engine().snapshot(of: name)
        var plan: Document
        var examined = 0, keys = 0
        if let sort, let walk = try parse({ () throws(QueryError) in try state.matchingInOrder(filter, sort: sort, limit: Self.firstN(options)) }) {
            examined = walk.examined
            keys = walk.examined
            plan = [
                "stage": "FETCH",
                "inputStage": [
                    "stage": "IXSCAN", "indexName": .string(walk.index.spec.name), "keyPattern": .document(walk.index.spec.keys),
                    "direction": walk.index.serves(sort) == true ? "forward" : "backward",
                ],
            ]
        } else if let search = state.chosenSearch(try parse { () throws(QueryError) in try filter.bindingText(state.textFields) }) {
            examined = try parse { () throws(QueryError) in try state.searchedRows(search).count }
            keys = search.estimate
            plan = state.explainStage(search)
            if sort != nil { plan = ["stage": "SORT", "inputStage": .document(plan)] }
        } else if let (index, candidates) = state.equalityCandidates(filter) {
            examined = candidates.count
            keys = candidates.count
            plan = [
                "stage": "FETCH",
                "inputStage": ["stage": "IXSCAN", "indexName": .string(index.spec.name), "keyPattern": .document(index.spec.keys)],
            ]
            if sort != nil { plan = ["stage": "SORT", "inputStage": .document(plan)] }
        } else {
            examined = state.rows.count
            plan = ["stage": "COLLSCAN", "direction": "forward"]
            if sort != nil { plan = ["stage": "SORT", "inputStage": .document(plan)] }
        }
        if let limit = options.limit, limit != 0 {
            plan = ["stage": "LIMIT", "limitAmount": .int64(Int64(limit.magnitude)), "inputStage": .document(plan)]
        }
        let returned = try await find(filterDocument, options: options).count
        return [
            "queryPlanner": ["namespace": .string("\(database).\(name)"), "winningPlan": .document(plan)],
            "executionStats": [
                "executionSuccess": true, "nReturned": .int64(Int64(returned)), "totalKeysExamined": .int64(Int64(keys)),
                "totalDocsExamined": .int64(Int64(examined)),
            ],
            "ok": 1.0,
        ]
    }

    // MARK: Indexes

    func createIndex(_ keys: Document, options: IndexOptions) async throws(StorageError) -> String {
        guard !keys.isEmpty else { throw .invalidQuery(code: 67, message: "Index keys cannot be empty.") }
        if keys.values.contains("text") {
            guard keys.values.allSatisfy({ $0 == "text" }) else {
                throw .invalidQuery(code: 67, message: "the embedded store's text indexes hold text fields only")
            }
            if try engine().snapshot(of: name).indexes.contains(where: { $0.spec.isText && $0.spec.keys != keys }) {
                throw .commandFailed(code: 85, message: "only one text index per collection allowed")
            }
        }
        for (key, value) in keys where value != "text" {
            guard !key.isEmpty, let n = value.int64Value, n == 1 || n == -1 else {
                throw .invalidQuery(
                    code: 67, message: "Values in the index key pattern can only be 1 or -1 here, found \(key): \(value.json(.relaxedExtended))")
            }
        }
        if options.sparse && options.partialFilterExpression != nil {
            throw .invalidQuery(code: 67, message: "cannot mix partialFilterExpression and sparse options")
        }
        if let partial = options.partialFilterExpression {
            _ = try parse { () throws(QueryError) in try Filter.parse(partial) }
        }
        if let ttl = options.expireAfterSeconds {
            guard (0...2_147_483_647).contains(ttl) else {
                throw .invalidQuery(code: 67, message: "TTL index 'expireAfterSeconds' option must be within an acceptable range")
            }
            guard keys.count == 1 else {
                throw .invalidQuery(code: 67, message: "TTL indexes are single-field indexes, compound indexes do not support TTL.")
            }
        }
        if let collation = options.collation {
            do {
                _ = try Collation.parse(collation)
            } catch {
                throw .invalidQuery(code: error.code, message: error.message)
            }
        }
        let spec = IndexSpec(name: options.name ?? IndexOptions.defaultName(for: keys), keys: keys, unique: options.unique, options: options.extra)
        let name = self.name
        return try await engine().write { tx throws(StorageError) in
            let existing = tx.snapshot(name).indexes
            if let same = existing.first(where: { $0.spec.name == spec.name }) {
                guard same.spec.keys == spec.keys else {
                    throw .commandFailed(
                        code: 86, message: "An existing index has the same name as the requested index but a different key pattern: \(spec.name)")
                }
                guard (same.spec.unique == spec.unique && same.spec.options == spec.options) || spec.name == "_id_" else {
                    throw .commandFailed(
                        code: 85, message: "An existing index has the same name as the requested index but different options: \(spec.name)")
                }
                return spec.name
            }
            if let other = existing.first(where: { $0.spec.keys == spec.keys }) {
                throw .commandFailed(code: 85, message: "Index already exists with a different name: \(other.spec.name)")
            }
            try tx.addIndex(name, spec)
            return spec.name
        }
    }

    func listIndexes() async throws(StorageError) -> [Document] {
        let engine = try engine()
        guard engine.hasCollection(name) else { return [] }
        return engine.snapshot(of: name).indexes.map(\.spec.description)
    }

    func dropIndex(_ indexName: String) async throws(StorageError) {
        guard indexName != "_id_" else { throw .commandFailed(code: 72, message: "cannot drop _id index") }
        let name = self.name
        try await engine().write { tx throws(StorageError) in
            guard tx.snapshot(name).indexes.contains(where: { $0.spec.name == indexName }) else {
                throw .commandFailed(code: 27, message: "index not found with name [\(indexName)]")
            }
            tx.dropIndex(name, indexName)
        }
    }

    func drop() async throws(StorageError) {
        let name = self.name
        try await engine().write { tx throws(StorageError) in tx.dropCollection(name) }
    }

    func rename(to target: String, dropTarget: Bool) async throws(StorageError) {
        try Self.validate(target)
        let name = self.name
        guard target != name else { throw .commandFailed(code: 20, message: "Can't rename a collection to itself") }
        try await engine().write { tx throws(StorageError) in
            guard tx.hasCollection(name) else { throw .commandFailed(code: 26, message: "Source collection \(name) does not exist") }
            if tx.hasCollection(target) {
                guard dropTarget else { throw .commandFailed(code: 48, message: "target namespace exists") }
                tx.dropCollection(target)
            }
            _ = tx.renameCollection(name, to: target)
        }
    }

    // MARK: Errors

    /// Runs query-engine code, turning its errors into the storage interface's (a query past
    /// its deadline is `timeout`, code 50, as MongoDB's MaxTimeMSExpired).
    static func run<T>(_ body: () throws(QueryError) -> T) throws(StorageError) -> T {
        do { return try body() } catch {
            if error.code == 50 { throw QueryTimeLimit.expired() }
            throw .invalidQuery(code: error.code, message: error.message)
        }
    }

    // MARK: Where reads run

    /// Runs a read under the task's time limit (`QueryTimeLimit`). A read that may run long (it
    /// holds a regex, a `$text` search, an `$expr`) runs on the store's query threads, so
    /// that it never holds one of the few threads that every request's task shares: while ten
    /// such searches run, the healthcheck still answers. Any other read runs where it is called,
    /// which costs no thread hop.
    static func read<T: Sendable>(
        _ store: EmbeddedStore, _ mayRunLong: Bool, _ body: @escaping @Sendable () throws(StorageError) -> T
    ) async throws(StorageError) -> T {
        let deadline = QueryTimeLimit.deadline
        let collation = try Collation.ofTask()
        guard mayRunLong else { return try Collation.run(collation) { () throws(StorageError) in try QueryBudget.run(until: deadline, body) } }
        return try await store.queryThreads.run { () throws(StorageError) -> T in
            if let deadline, ContinuousClock.now >= deadline { throw QueryTimeLimit.expired() }  // its time went by in the queue
            return try Collation.run(collation) { () throws(StorageError) in try QueryBudget.run(until: deadline, body) }
        }
    }

    /// Whether a filter or pipeline holds something whose cost the data decides rather than
    /// the indexes: a regex, a text search, an `$expr`.
    static func mayRunLong(_ value: BSONValue) -> Bool {
        switch value {
        case .regex: return true
        case .array(let items): return items.contains(where: mayRunLong)
        case .document(let d):
            for (key, item) in d {
                if key.hasPrefix("$"), Self.longRunning.contains(key) { return true }
                if mayRunLong(item) { return true }
            }
            return false
        default: return false
        }
    }

    private static let longRunning: Set<String> = [
        "$regex", "$text", "$expr", "$where", "$function", "$regexMatch", "$regexFind", "$regexFindAll", "$graphLookup",
    ]

    private func parse<T>(_ body: () throws(QueryError) -> T) throws(StorageError) -> T { try Self.run(body) }
}

// The rows under one index key. Most keys hold one row (every key of a unique index, the `_id`
// index's among them), kept inline with no allocation; a key shared by more rows (`isPublished:
// true`) holds a set, which a row leaves in constant time however many share it.
enum RowBucket: Sendable, Sequence {
    case empty
    case one(Int64)
    case many(Set<Int64>)

    var count: Int {
        switch self {
        case .empty: 0
        case .one: 1
        case .many(let rows): rows.count
        }
    }

    var isEmpty: Bool { count == 0 }

    func contains(_ row: Int64) -> Bool {
        switch self {
        case .empty: false
        case .one(let only): only == row
        case .many(let rows): rows.contains(row)
        }
    }

    mutating func insert(_ row: Int64) {
        switch self {
        case .empty: self = .one(row)
        case .one(let only) where only != row: self = .many([only, row])
        case .one: break
        case .many(var rows):
            self = .empty  // the set's only owner while it grows: no copy
            rows.insert(row)
            self = .many(rows)
        }
    }

    mutating func remove(_ row: Int64) {
        switch self {
        case .empty: break
        case .one(let only): if only == row { self = .empty }
        case .many(var rows):
            self = .empty
            rows.remove(row)
            self = rows.count == 1 ? .one(rows.first!) : .many(rows)
        }
    }

    struct Iterator: IteratorProtocol {
        var single: Int64?
        var rest: Set<Int64>.Iterator?
        mutating func next() -> Int64? {
            if let row = single {
                single = nil
                return row
            }
            return rest?.next()
        }
    }

    func makeIterator() -> Iterator {
        switch self {
        case .empty: Iterator()
        case .one(let only): Iterator(single: only)
        case .many(let rows): Iterator(rest: rows.makeIterator())
        }
    }
}

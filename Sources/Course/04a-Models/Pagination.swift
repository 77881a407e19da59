// Aggregate pagination: any pipeline, one page of its results, and the totals, in one round
// trip. This is what the course's `mongoose-aggregate-paginate-v2` plugin does for
// `Video.aggregatePaginate(pipeline, {page, limit})`, and its result has the plugin's shape:
//
//     {"docs": [...], "totalDocs": 42, "limit": 10, "page": 2, "totalPages": 5,
//      "pagingCounter": 11, "hasPrevPage": true, "hasNextPage": true, "prevPage": 1, "nextPage": 3}
//
// The pipeline gets one more stage, a `$facet` that runs two sub-pipelines over the same
// input: `$skip`+`$limit` for the page, `$count` for the total. Both come back in a single
// document, so the total and the page are consistent with each other and cost one query. But
// a `$facet` counts by passing every match through it, so a pipeline that is only a filter and
// a sort (the video lists) is run as two queries instead: the page, read in order along an
// index and stopped after it, and `countDocuments` for the total, which indexes can answer.
//
// What only the page needs (an owner's summary, a likes count) goes in `perPage`: those stages
// run after `$skip`+`$limit`, on the ten documents shown, not on every match.

import BSON
import Exercises
import Storage

/// A validated page request: `page` ≥ 1, `limit` 1…100.
public struct PageRequest: Sendable, Equatable {
    public static let maxLimit = 100
    /// The largest page whose skip still fits in 64 bits; beyond it there is nothing to show anyway.
    public static let maxPage = Int.max / maxLimit - 1
    public let page: Int
    public let limit: Int

    public init(page: Int = 1, limit: Int = 10) throws(ValidationError) {
        try self.init(checking: page, limit)
    }

    /// From query-string text such as `?page=2&limit=20`; absent means the default, anything that is
    /// not a whole number in range is an error naming the parameter.
    public init(page: String?, limit: String?) throws(ValidationError) {
        try self.init(checking: Self.number(page, default: 1), Self.number(limit, default: 10))
    }

    private init(checking page: Int?, _ limit: Int?) throws(ValidationError) {
        var v = Validator()
        v.require(
            page.map { (1...Self.maxPage).contains($0) } ?? false, "page", "page must be a whole number, 1 or more")
        v.require(
            limit.map { (1...Self.maxLimit).contains($0) } ?? false, "limit",
            "limit must be a whole number from 1 to \(Self.maxLimit)")
        try v.finish()
        self.page = page!
        self.limit = limit!
    }

    /// The number in `text`, `value` when there is no text, nil when it is not a whole number.
    static func number(_ text: String?, default value: Int) -> Int? {
        guard let text else { return value }
        guard text.allSatisfy(\.isASCII), let n = Int(text) else { return nil }
        return n
    }

    var skip: Int { (page - 1) * limit }
}

/// One page of results in the aggregate-paginate format.
public struct Page<Item: Encodable & Sendable>: Encodable, Sendable {
    public var docs: [Item]
    public var totalDocs: Int
    public var limit: Int
    public var page: Int
    public var totalPages: Int
    /// The 1-based position of the page's first item overall.
    public var pagingCounter: Int
    public var hasPrevPage: Bool
    public var hasNextPage: Bool
    public var prevPage: Int?
    public var nextPage: Int?

    public init(docs: [Item], totalDocs: Int, request: PageRequest) {
        self.docs = docs
        self.totalDocs = totalDocs
        limit = request.limit
        page = request.page
        totalPages = max(1, (totalDocs + request.limit - 1) / request.limit)  // the plugin says 1 for none
        pagingCounter = request.skip + 1
        hasPrevPage = page > 1
        hasNextPage = page < totalPages
        prevPage = hasPrevPage ? page - 1 : nil
        nextPage = hasNextPage ? page + 1 : nil
    }

    enum CodingKeys: String, CodingKey {
        case docs, totalDocs, limit, page, totalPages, pagingCounter, hasPrevPage, hasNextPage, prevPage, nextPage
    }

    // `prevPage`/`nextPage` are written as null, not left out, as the plugin does.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(docs, forKey: .docs)
        try c.encode(totalDocs, forKey: .totalDocs)
        try c.encode(limit, forKey: .limit)
        try c.encode(page, forKey: .page)
        try c.encode(totalPages, forKey: .totalPages)
        try c.encode(pagingCounter, forKey: .pagingCounter)
        try c.encode(hasPrevPage, forKey: .hasPrevPage)
        try c.encode(hasNextPage, forKey: .hasNextPage)
        if let prevPage { try c.encode(prevPage, forKey: .prevPage) } else { try c.encodeNil(forKey: .prevPage) }
        if let nextPage { try c.encode(nextPage, forKey: .nextPage) } else { try c.encodeNil(forKey: .nextPage) }
    }
}

extension StorageCollection {
    /// Runs `pipeline` and returns the requested page of its output with the totals, in one
    /// aggregation (`$facet`); `perPage` runs on the page's documents only. The pipeline should
    /// sort, or pages may overlap.
    public func aggregatePaginate(_ pipeline: [Document], _ request: PageRequest, perPage: [Document] = []) async throws
        -> Page<Document>
    {
        if let page = try await indexedPage(pipeline, request, perPage: perPage) { return page }  // a speed-up, below
        // EXERCISE 4.2: aggregatePaginate: one page and the total, counted in the database
        let cut: [Document] = [["$skip": .int64(Int64(request.skip))], ["$limit": .int64(Int64(request.limit))]]
        let page: [BSONValue] = cut.map { .document($0) } + perPage.map { .document($0) }
        let facet: Document = [
            "$facet": [
                "docs": .array(page),
                "total": [["$count": "count"]],
            ]
        ]
        let result = try await aggregate(pipeline + [facet]).first ?? [:]
        let docs = (result["docs"]?.arrayValue ?? []).compactMap(\.documentValue)
        let total = result["total"]?.arrayValue?.first?.documentValue?["count"]?.int64Value ?? 0
        return Page(docs: docs, totalDocs: Int(total), request: request)
        // END EXERCISE 4.2
    }

    /// A filter and a sort, nothing else (the video lists): the page is read along an index that
    /// gives the order, stopping after it, and the total is counted apart, from indexes where
    /// they can (what mongoose-aggregate-paginate-v2 does with `useFacet: false`). A `$facet`
    /// would pass every match through the pipeline to count it. Nil for any other pipeline.
    func indexedPage(_ pipeline: [Document], _ request: PageRequest, perPage: [Document]) async throws -> Page<
        Document
    >? {
        guard pipeline.count == 2, pipeline[0].keys == ["$match"], pipeline[1].keys == ["$sort"],
            let match = pipeline[0]["$match"]?.documentValue
        else { return nil }
        let cut: [Document] = [["$skip": .int64(Int64(request.skip))], ["$limit": .int64(Int64(request.limit))]]
        async let docs = aggregate(pipeline + cut + perPage)
        async let total = countDocuments(match)
        return Page(docs: try await docs, totalDocs: try await total, request: request)
    }
}

extension ModelCollection {
    /// `Model.aggregatePaginate(pipeline, {page, limit})`, with `perPage` stages for the page only.
    public func aggregatePaginate(_ pipeline: [Document], _ request: PageRequest, perPage: [Document] = []) async throws
        -> Page<Document>
    {
        try await storage.aggregatePaginate(pipeline, request, perPage: perPage)
    }
}

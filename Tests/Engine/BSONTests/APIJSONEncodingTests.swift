// BSONValue.apiJSON, the encoder every response goes through: the same text as encoding a
// document first and writing it (`BSONEncoder().encodeValue(_:).json(.api)`), for every shape a
// value can take, including the ones that must go through the document.

import BSON
import Foundation
import Testing

struct APIJSONEncodingTests {
    struct Owner: Codable { var _id: ObjectId, username: String, avatar: URL? }
    /// The module's `Video` (CodableTests.swift) as the list shows it, with every other kind of field.
    struct Listing: Codable {
        var video: Video
        var owner: Owner
        var createdAt: BSONDate
        var extra: Document
        var any: BSONValue
        var ratings: [Int32]
        var nested: [[Owner]]
        var nothing: String?
    }
    struct Empty: Encodable {}
    struct Envelope<T: Encodable>: Encodable {
        let statusCode: Int
        let data: T
        let message: String
        var success: Bool { statusCode < 400 }
        enum CodingKeys: String, CodingKey { case statusCode, data, message, success }
        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(statusCode, forKey: .statusCode)
            try c.encode(data, forKey: .data)
            try c.encode(message, forKey: .message)
            try c.encode(success, forKey: .success)
        }
    }
    /// Writes `null` explicitly, nests containers in order, and wraps a value in a single-value container.
    struct Custom: Encodable {
        struct Wrapped: Encodable {
            let inner: Owner
            func encode(to encoder: any Encoder) throws {
                var c = encoder.singleValueContainer()
                try c.encode(inner)
            }
        }
        enum Keys: String, CodingKey { case a, b, list, wrapped, empty, ints }
        let owner: Owner
        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: Keys.self)
            try c.encodeNil(forKey: .a)
            var b = c.nestedContainer(keyedBy: Keys.self, forKey: .b)
            try b.encode("x", forKey: .a)
            var list = b.nestedUnkeyedContainer(forKey: .list)
            try list.encode(1.5)
            try list.encodeNil()
            var deeper = list.nestedContainer(keyedBy: Keys.self)
            try deeper.encode(true, forKey: .a)
            try c.encode(Wrapped(inner: owner), forKey: .wrapped)
            try c.encode(Empty(), forKey: .empty)
            try c.encode([Int64.max, Int64.min], forKey: .ints)
        }
    }
    /// Fills a nested container after writing a later field: only a document can take that.
    struct OutOfOrder: Encodable {
        enum Keys: String, CodingKey { case first, second, late }
        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: Keys.self)
            var first = c.nestedContainer(keyedBy: Keys.self, forKey: .first)
            try c.encode(2, forKey: .second)
            try first.encode(1, forKey: .late)
        }
    }

    func owner(_ n: Int) -> Owner {
        Owner(_id: ObjectId(), username: "user\(n) \"quoted\"\n", avatar: n % 2 == 0 ? URL(string: "https://x.test/\(n).png") : nil)
    }

    func listing(_ n: Int) -> Listing {
        let video = Video(
            _id: ObjectId(), title: "Video \(n) ✓", duration: n % 3 == 0 ? .nan : Double(n) / 3, views: n * 1000, isPublished: n % 2 == 0,
            owner: ObjectId(), tags: (0..<n % 4).map { "t\($0)" }, thumbnail: nil, createdAt: Date(timeIntervalSince1970: Double(n) * 1000.5),
            meta: n % 2 == 0 ? nil : .init(width: 1920, height: 1080))
        return Listing(
            video: video, owner: owner(n), createdAt: BSONDate(millisecondsSince1970: Int64(n) * 86_400_123),
            extra: ["a": .int32(1), "b": ["c": .datetime(BSONDate(millisecondsSince1970: 5))], "bin": .binary(BSONBinary(data: [1, 2]))],
            any: n % 2 == 0 ? .array([.null, .bool(true)]) : .objectId(ObjectId()), ratings: [1, -2, .max], nested: [[owner(1)], []],
            nothing: n % 2 == 0 ? nil : "something")
    }

    func expectSame<T: Encodable>(_ value: T, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let expected = try BSONEncoder().encodeValue(value).json(.api)
        #expect(try BSONValue.apiJSON(value) == expected, sourceLocation: sourceLocation)
    }

    @Test func theSameTextAsThroughADocument() throws {
        for n in 0..<12 { try expectSame(listing(n)) }
        try expectSame(Envelope(statusCode: 200, data: (0..<5).map(listing), message: "Videos fetched"))
        try expectSame(Envelope(statusCode: 404, data: Empty(), message: "Not found"))
        try expectSame(Envelope(statusCode: 200, data: ["b": 2, "a": 1] as [String: Int], message: "a dictionary"))
        try expectSame(Envelope(statusCode: 200, data: Custom(owner: owner(2)), message: "custom"))
        try expectSame(Envelope<Document?>(statusCode: 200, data: nil, message: "nothing"))
        try expectSame(Envelope<[Document]>(statusCode: 200, data: [["x": 1], [:]], message: "documents"))
        // Top-level values of every kind.
        try expectSame(ObjectId())
        try expectSame("text")
        try expectSame(42)
        try expectSame([1.5, -0.0, .infinity])
        try expectSame(Empty())
        try expectSame([Empty(), Empty()])
        try expectSame(Optional<Int>.none)
    }

    @Test func whatTextCannotTakeGoesThroughTheDocument() throws {
        try expectSame(OutOfOrder())
        #expect(try BSONValue.apiJSON(OutOfOrder()) == #"{"first":{"late":1},"second":2}"#)
        try expectSame(Envelope(statusCode: 200, data: [OutOfOrder()], message: "inside"))
    }

    @Test func integersBeyondSixtyFourBitsAreAnErrorAndSmallOnesAreNumbers() throws {
        struct Widths: Encodable { var i8: Int8 = -8, i16: Int16 = 16, u: UInt = 7, u8: UInt8 = 255, u32: UInt32 = .max, list: [UInt16] = [1] }
        try expectSame(Widths())
        #expect(throws: EncodingError.self) { try BSONValue.apiJSON(["n": UInt64.max]) }
        #expect(try BSONValue.apiJSON(["a": UInt8(7)]) == #"{"a":7}"#)
        #expect(try BSONValue.apiJSON([Int8(-3), Int8(4)]) == "[-3,4]")
        #expect(try BSONValue.apiJSON(UInt32.max) == "4294967295")
    }
}

import BSON
import Foundation
import Testing

struct Video: Codable, Equatable {
    var _id: ObjectId
    var title: String
    var duration: Double
    var views: Int
    var isPublished: Bool
    var owner: ObjectId
    var tags: [String]
    var thumbnail: URL?
    var createdAt: Date
    var meta: Meta?

    struct Meta: Codable, Equatable {
        var width: Int32
        var height: Int32
    }
}

struct CodableTests {
    let video = Video(
        _id: ObjectId(), title: "Intro", duration: 12.5, views: 3, isPublished: true, owner: ObjectId(),
        tags: ["swift", "mongo"], thumbnail: URL(string: "https://res.cloudinary.com/x/t.png"),
        createdAt: Date(timeIntervalSince1970: 1_709_283_907.042), meta: .init(width: 1920, height: 1080))

    /// Every integer width encodes (the narrow ones once recursed forever) and decodes back.
    @Test func everyIntegerWidthRoundTrips() throws {
        struct Widths: Codable, Equatable {
            var i8: Int8, i16: Int16, u: UInt, u8: UInt8, u16: UInt16, u32: UInt32, u64: UInt64
            var list: [UInt16]
            var single: Wrapped
        }
        struct Wrapped: Codable, Equatable {
            var value: Int8
            init(_ value: Int8) { self.value = value }
            init(from decoder: any Decoder) throws { value = try decoder.singleValueContainer().decode(Int8.self) }
            func encode(to encoder: any Encoder) throws {
                var c = encoder.singleValueContainer()
                try c.encode(value)
            }
        }
        let widths = Widths(i8: -8, i16: 16, u: 7, u8: 255, u16: 65_535, u32: .max, u64: UInt64(Int64.max), list: [1, 2], single: Wrapped(-1))
        let document = try BSONEncoder().encode(widths)
        #expect(document["i8"] == .int32(-8) && document["u8"] == .int32(255) && document["u32"] == .int64(4_294_967_295))
        #expect(try BSONDecoder().decode(Widths.self, from: document) == widths)
        #expect(throws: EncodingError.self) { try BSONEncoder().encode(["big": UInt64.max]) }
    }

    @Test func modelsBecomeDocumentsWithBSONTypes() throws {
        let document = try BSONEncoder().encode(video)
        #expect(document.keys == ["_id", "title", "duration", "views", "isPublished", "owner", "tags", "thumbnail", "createdAt", "meta"])
        #expect(document["_id"] == .objectId(video._id))
        #expect(document["views"] == .int64(3))
        #expect(document["createdAt"] == .datetime(BSONDate(millisecondsSince1970: 1_709_283_907_042)))
        #expect(document["thumbnail"] == "https://res.cloudinary.com/x/t.png")
        #expect(document["meta"] == ["width": .int32(1920), "height": .int32(1080)])
    }

    @Test func documentsDecodeBackToModels() throws {
        let document = try BSONEncoder().encode(video)
        let back = try BSONDecoder().decode(Video.self, from: Document(bsonBytes: document.bsonBytes))
        #expect(back._id == video._id)
        #expect(back.tags == video.tags)
        #expect(back.meta == video.meta)
        #expect(abs(back.createdAt.timeIntervalSince(video.createdAt)) < 0.001)
    }

    @Test func nilOptionalsAreLeftOutAndMissingKeysDecodeAsNil() throws {
        var bare = video
        bare.thumbnail = nil
        bare.meta = nil
        let document = try BSONEncoder().encode(bare)
        #expect(!document.contains(key: "thumbnail") && !document.contains(key: "meta"))
        let back = try BSONDecoder().decode(Video.self, from: document)
        #expect(back.thumbnail == nil && back.meta == nil)
    }

    @Test func numbersWrittenByNodeAsDoublesDecodeIntoIntegers() throws {
        var document = try BSONEncoder().encode(video)
        document["views"] = .double(42)  // Node stores every number as a double
        document["duration"] = .int32(7)
        let back = try BSONDecoder().decode(Video.self, from: document)
        #expect(back.views == 42 && back.duration == 7)
    }

    @Test func wrongTypesAndMissingFieldsNameTheField() throws {
        var document = try BSONEncoder().encode(video)
        document["views"] = .double(1.5)
        #expect(throws: DecodingError.self) { try BSONDecoder().decode(Video.self, from: document) }
        document["views"] = "many"
        do {
            _ = try BSONDecoder().decode(Video.self, from: document)
            Issue.record("decoded a string as Int")
        } catch DecodingError.typeMismatch(_, let context) {
            #expect(context.codingPath.map(\.stringValue) == ["views"])
        }
        document["views"] = nil
        do {
            _ = try BSONDecoder().decode(Video.self, from: document)
            Issue.record("decoded without a required field")
        } catch DecodingError.keyNotFound(let key, _) {
            #expect(key.stringValue == "views")
        }
    }

    @Test func enumsDictionariesAndNestedArraysRoundTrip() throws {
        enum Role: String, Codable { case admin, viewer }
        struct Box: Codable, Equatable {
            var role: Role
            var counts: [String: Int]
            var grid: [[Int]]
            var raw: Document
            var any: BSONValue
        }
        let box = Box(role: .admin, counts: ["a": 1], grid: [[1, 2], []], raw: ["$x": 1], any: .array([.null, 1]))
        let document = try BSONEncoder().encode(box)
        #expect(document["role"] == "admin")
        #expect(try BSONDecoder().decode(Box.self, from: document) == box)
    }
}

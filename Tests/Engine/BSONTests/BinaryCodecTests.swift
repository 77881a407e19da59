import BSON
import Foundation
import Testing

struct BinaryCodecTests {
    let sample: Document = [
        "_id": .objectId(ObjectId("65f0a1b2c3d4e5f601234567")!),
        "title": "Intro",
        "n": 1,
        "tags": ["a", "b"],
    ]

    @Test func everyValueTypeRoundTrips() throws {
        let document = everyTypeDocument()
        #expect(try Document(bsonBytes: document.bsonBytes) == document)
    }

    @Test func nanSurvivesBitForBit() throws {
        // NaN != NaN under Swift's ==, so this one is checked by bit pattern.
        let nan = Double(bitPattern: 0x7FF8_0000_0000_0001)
        let back = try Document(bsonBytes: (["x": .double(nan)] as Document).bsonBytes)
        guard case .double(let d)? = back["x"] else { Issue.record("not a double"); return }
        #expect(d.bitPattern == nan.bitPattern)
    }

    @Test func bytesMatchTheSpecExample() throws {
        // bsonspec.org: {"hello": "world"}
        let expected: [UInt8] = [
            0x16, 0, 0, 0, 0x02, 0x68, 0x65, 0x6C, 0x6C, 0x6F, 0, 0x06, 0, 0, 0, 0x77, 0x6F, 0x72, 0x6C, 0x64, 0, 0,
        ]
        #expect((["hello": "world"] as Document).bsonBytes == expected)
        #expect(try Document(bsonBytes: expected) == ["hello": "world"])
    }

    @Test func keyOrderIsKept() throws {
        let command: Document = ["find": "users", "filter": ["a": 1], "limit": 1]
        #expect(try Document(bsonBytes: command.bsonBytes).keys == ["find", "filter", "limit"])
    }

    @Test func deepNestingRoundTripsUpToTheLimit() throws {
        var value: BSONValue = "leaf"
        for i in 0..<150 { value = i.isMultiple(of: 2) ? ["d": value] : [value] }
        let document: Document = ["root": value]
        #expect(try Document(bsonBytes: document.bsonBytes) == document)
    }

    @Test func nestingBeyondTheLimitIsAnErrorNotACrash() {
        var value: BSONValue = "leaf"
        for _ in 0..<(BSONReader.maxDepth + 5) { value = ["d": value] }
        let bytes = (["root": value] as Document).bsonBytes
        #expect(throws: BSONError.self) { try Document(bsonBytes: bytes) }
    }

    @Test func everyTruncationIsAnError() {
        let bytes = sample.bsonBytes
        for length in 0..<bytes.count {
            #expect(throws: BSONError.self, "prefix of \(length) bytes") { try Document(bsonBytes: Array(bytes.prefix(length))) }
        }
    }

    @Test func corruptedLengthsAndBytesAreErrors() {
        var tooLong = sample.bsonBytes
        tooLong[0] = 0xFF  // says it is longer than it is
        #expect(throws: BSONError.self) { try Document(bsonBytes: tooLong) }

        var trailing = sample.bsonBytes
        trailing.append(0)
        #expect(throws: BSONError.self) { try Document(bsonBytes: trailing) }

        // {"s": <string whose length field claims 1000 bytes>}
        let lyingString: [UInt8] = [0x12, 0, 0, 0, 0x02, 0x73, 0, 0xE8, 0x03, 0, 0, 0x61, 0x62, 0x63, 0x64, 0, 0, 0]
        #expect(throws: BSONError.self) { try Document(bsonBytes: lyingString) }

        // {"b": <bool byte 2>}
        let badBool: [UInt8] = [0x09, 0, 0, 0, 0x08, 0x62, 0, 0x02, 0]
        #expect(throws: BSONError.self) { try Document(bsonBytes: badBool) }

        // {"x": <unknown type 0x42>}
        let unknownType: [UInt8] = [0x0A, 0, 0, 0, 0x42, 0x78, 0, 0, 0, 0]
        #expect(throws: BSONError.self) { try Document(bsonBytes: unknownType) }

        // Invalid UTF-8 in a string value.
        let badUTF8: [UInt8] = [0x0F, 0, 0, 0, 0x02, 0x73, 0, 0x02, 0, 0, 0, 0xC3, 0, 0, 0].prefix(14) + [0]
        #expect(throws: BSONError.self) { try Document(bsonBytes: Array(badUTF8)) }
    }

    @Test func randomGarbageNeverCrashes() {
        var generator = SystemRandomNumberGenerator()
        let base = everyTypeDocument().bsonBytes
        for _ in 0..<2_000 {
            var bytes = base
            for _ in 0..<Int.random(in: 1...8, using: &generator) {
                bytes[Int.random(in: 0..<bytes.count, using: &generator)] = UInt8.random(in: 0...255, using: &generator)
            }
            // Either it decodes to something, or it throws: both are fine; a crash is not.
            _ = try? Document(bsonBytes: bytes)
        }
    }
}

/// Mirrors TestSupport's sample without depending on it (this target tests BSON alone).
func everyTypeDocument() -> Document {
    [
        "_id": .objectId(ObjectId("65f0a1b2c3d4e5f601234567")!),
        "double": .double(3.25), "inf": .double(-.infinity),
        "string": "héllo \"wörld\"\n\u{1F600}",
        "document": ["a": 1, "b": ["c": .null]],
        "array": [1, "two", 3.5, ["four": 4], [5, 6]],
        "binary": .binary(BSONBinary(subtype: 0x80, data: [0, 1, 2, 255])),
        "bool": false,
        "date": .datetime(BSONDate(millisecondsSince1970: 1_709_283_907_042)),
        "null": .null, "undefined": .undefined,
        "regex": .regex(BSONRegex(pattern: "^chai.*$", options: "mi")),
        "code": .javascript("return 1"), "symbol": .symbol("sym"),
        "int32": .int32(-2_147_483_648), "int64": .int64(.max),
        "timestamp": .timestamp(BSONTimestamp(seconds: 1_700_000_000, increment: 7)),
        "decimal": .decimal128(BSONDecimal128("-1234.5678E-10")!),
        "min": .minKey, "max": .maxKey,
    ]
}

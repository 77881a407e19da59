import BSON
import Foundation
import Testing

struct JSONTests {
    @Test func relaxedExtendedJSONRoundTripsEveryType() throws {
        let document = everyTypeDocument()
        let json = document.json(.relaxedExtended)
        #expect(try Document(extendedJSON: json) == document)
    }

    @Test func relaxedFormsFollowTheSpec() {
        let document: Document = [
            "_id": .objectId(ObjectId("65f0a1b2c3d4e5f601234567")!),
            "d": .datetime(BSONDate(millisecondsSince1970: 1_709_283_907_042)),
            "before1970": .datetime(BSONDate(millisecondsSince1970: -1)),
            "i": 5, "l": .int64(5), "f": 5.0, "half": 0.5,
            "inf": .double(.infinity),
        ]
        #expect(
            document.json(.relaxedExtended)
                == #"{"_id":{"$oid":"65f0a1b2c3d4e5f601234567"},"d":{"$date":"2024-03-01T09:05:07.042Z"},"before1970":{"$date":{"$numberLong":"-1"}},"i":5,"l":5,"f":5.0,"half":0.5,"inf":{"$numberDouble":"Infinity"}}"#
        )
    }

    @Test func apiJSONIsWhatExpressSent() {
        let document: Document = [
            "_id": .objectId(ObjectId("65f0a1b2c3d4e5f601234567")!),
            "createdAt": .datetime(BSONDate(millisecondsSince1970: 1_709_283_907_042)),
            "views": .int64(12), "duration": 4.5, "tags": ["a"], "owner": .null,
        ]
        #expect(
            document.json(.api)
                == #"{"_id":"65f0a1b2c3d4e5f601234567","createdAt":"2024-03-01T09:05:07.042Z","views":12,"duration":4.5,"tags":["a"],"owner":null}"#)
    }

    @Test func stringsAreEscapedAndReadBack() throws {
        let tricky = "quote\" backslash\\ newline\n tab\t nul\u{0} bell\u{7} emoji😀 ls\u{2028}"
        let json = BSONValue.string(tricky).json(.api)
        #expect(!json.contains("\n"))
        #expect(try BSONValue(json: json) == .string(tricky))
        // And Foundation agrees it is valid JSON meaning the same string.
        let parsed = try JSONSerialization.jsonObject(with: Data(json.utf8), options: .fragmentsAllowed) as? String
        #expect(parsed == tricky)
    }

    @Test func numbersKeepTheirKind() throws {
        #expect(try BSONValue(json: "1") == .int32(1))
        #expect(try BSONValue(json: "-2147483649") == .int64(-2_147_483_649))
        #expect(try BSONValue(json: "1.0") == .double(1))
        #expect(try BSONValue(json: "1e3") == .double(1000))
        #expect(try BSONValue(json: "123456789012345678901234") == .double(1.2345678901234568e23))
    }

    @Test func keyOrderIsKept() throws {
        let doc = try Document(extendedJSON: #"{"z": 1, "a": 2, "m": {"y": 1, "b": 2}}"#)
        #expect(doc.keys == ["z", "a", "m"])
        #expect(doc["m"]?.documentValue?.keys == ["y", "b"])
    }

    @Test func surrogatePairsDecode() throws {
        #expect(try BSONValue(json: #""\ud83d\ude00""#) == .string("😀"))
        #expect(throws: BSONError.self) { try BSONValue(json: #""\ud83d""#) }
    }

    @Test(arguments: [
        "", "{", "[1,]", "{\"a\" 1}", "{\"a\":1,}", "01", "1.", "-", "tru", "\"unterminated", "{\"a\":1}x",
        "\"\u{1}\"", "{1:2}", "[\"\\x\"]", String(repeating: "[", count: 500) + String(repeating: "]", count: 500),
    ])
    func malformedJSONIsAnError(text: String) {
        #expect(throws: BSONError.self) { try BSONValue(json: text) }
    }

    @Test(arguments: [
        #"{"$oid": "nothex"}"#, #"{"$date": "yesterday"}"#, #"{"$numberLong": "1.5"}"#, #"{"$binary": {"base64": "!!", "subType": "00"}}"#,
    ])
    func malformedExtendedWrappersAreErrors(text: String) {
        #expect(throws: BSONError.self) { try BSONValue(extendedJSON: text) }
    }

    @Test func queryOperatorsPassThroughExtendedJSON() throws {
        let filter = try Document(extendedJSON: #"{"age": {"$gte": 18}, "$or": [{"a": 1}]}"#)
        #expect(filter == ["age": ["$gte": 18], "$or": [["a": 1]]])
    }

    @Test(arguments: [
        ("1970-01-01T00:00:00.000Z", Int64(0)),
        ("2024-02-29T23:59:59.999Z", Int64(1_709_251_199_999)),
        ("1969-12-31T23:59:59.999Z", Int64(-1)),
        ("2024-03-01T14:35:07.042+05:30", Int64(1_709_283_907_042)),
        ("2024-03-01T09:05:07Z", Int64(1_709_283_907_000)),
    ])
    func isoDatesParseExactly(text: String, ms: Int64) throws {
        let value = try BSONValue(extendedJSON: #"{"$date": "\#(text)"}"#)
        #expect(value == .datetime(BSONDate(millisecondsSince1970: ms)))
    }

    @Test func isoFormattingCoversTheWholeRange() {
        #expect(BSONDate(millisecondsSince1970: 0).iso8601 == "1970-01-01T00:00:00.000Z")
        #expect(BSONDate(millisecondsSince1970: 951_782_400_000).iso8601 == "2000-02-29T00:00:00.000Z")
        #expect(BSONDate(millisecondsSince1970: -62_135_596_800_000).iso8601 == "0001-01-01T00:00:00.000Z")
        #expect(BSONDate(millisecondsSince1970: 253_402_300_799_999).iso8601 == "9999-12-31T23:59:59.999Z")
    }

    @Test(arguments: [
        "0", "-0", "1.5", "1234.5678", "0.001", "1E+3", "1.23E-12", "-1.0E+10", "NaN", "Infinity", "-Infinity",
        "9999999999999999999999999999999999",
    ])
    func decimal128TextRoundTrips(text: String) throws {
        let value = try #require(BSONDecimal128(text))
        #expect(value.description == text)
    }

    @Test func decimal128MatchesTheSpecBytes() throws {
        // From the BSON corpus (decimal128-1.json): "1" is 0x3040000000000000_0000000000000001.
        let one = try #require(BSONDecimal128("1"))
        #expect(one.high == 0x3040_0000_0000_0000 && one.low == 1)
        #expect(BSONDecimal128("1.0")?.high == 0x303E_0000_0000_0000)
        #expect(BSONDecimal128("abc") == nil)
        #expect(BSONDecimal128("1" + String(repeating: "0", count: 40)) == nil)
    }
}

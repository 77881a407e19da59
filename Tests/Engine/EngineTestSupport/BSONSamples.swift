// Documents used by several test targets.

import BSON

public enum BSONSamples {
    /// One of every BSON type the project supports, nested inside documents and arrays.
    public static var everyType: Document {
        let oid = ObjectId("65f0a1b2c3d4e5f601234567")!
        return [
            "_id": .objectId(oid),
            "double": .double(3.25),
            "negativeZero": .double(-0.0),
            "string": "héllo \"wörld\"\n\u{1F600}",
            "document": ["a": 1, "b": ["c": .null]],
            "array": [1, "two", 3.5, ["four": 4], [5, 6]],
            "binary": .binary(BSONBinary(subtype: 0, data: [0, 1, 2, 255])),
            "uuid": .binary(BSONBinary(subtype: 4, data: Array(repeating: 0xAB, count: 16))),
            "bool": true,
            "date": .datetime(BSONDate(millisecondsSince1970: 1_709_283_907_042)),
            "oldDate": .datetime(BSONDate(millisecondsSince1970: -86_400_001)),
            "null": .null,
            "regex": .regex(BSONRegex(pattern: "^chai.*$", options: "mi")),
            "int32": .int32(-2_147_483_648),
            "int64": .int64(9_007_199_254_740_993),
            "timestamp": .timestamp(BSONTimestamp(seconds: 1_700_000_000, increment: 7)),
            "decimal": .decimal128(BSONDecimal128("1234.5678")!),
            "min": .minKey,
            "max": .maxKey,
            "code": .javascript("function () { return 1 }"),
        ]
    }
}

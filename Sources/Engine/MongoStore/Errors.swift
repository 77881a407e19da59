// libmongoc's `bson_error_t` (domain, code, message) → `StorageError`.

import BSON
import CMongoC
import Storage

/// Server error codes that mean "your query, update or pipeline is malformed".
private let invalidQueryCodes: Set<Int> = [
    2,  // BadValue
    9,  // FailedToParse
    14,  // TypeMismatch
    15,  // Overflow
    17,  // ProtocolError
    28,  // PathNotViable
    40,  // ConflictingUpdateOperators
    52,  // DollarPrefixedFieldName
    56,  // EmptyFieldName
    57,  // DottedFieldName
    66,  // ImmutableField
    72,  // InvalidOptions
    168,  // InvalidPipelineOperator
    241,  // ConversionFailure
    // Aggregation and projection parse/evaluation errors (MongoDB's "location" codes).
    15952, 15955, 15958, 15975, 15976, 15983, 15998, 16020, 16410, 16436, 16554, 16555, 16556, 16609, 16610,
    16612, 16702, 16869, 16872, 16882, 17080, 17124, 17276, 28646, 28648, 28651, 28664, 28667, 28689, 28690,
    28818, 31002, 31119, 31120, 31249, 31250, 31253, 31254, 40081, 40156, 40169, 40170, 40171, 40228, 40231,
    40234, 40321, 40323, 40324, 40352, 51024, 51075, 51091, 51108, 51272, 1_257_300, 4_570_300, 4_570_301,
    // The everyday expression operators and stages: strings, arrays, math, conversions, dates,
    // $let/$switch/$reduce, $bucket, $sample, $sortByCount, $unionWith.
    16006, 16867, 16876, 17044, 18533, 18535, 18536, 28714, 28724, 28725, 28729, 28747, 28749, 28761, 28762, 28764,
    28765, 28766, 34435, 34443, 34449, 34450, 34455, 34461, 34466, 34468, 34471, 34473, 40061, 40064, 40066, 40075,
    40085, 40086, 40087, 40090, 40093, 40094, 40097, 40148, 40192, 40193, 40194, 40198, 40199, 40386, 40390, 40395,
    40398, 40400, 40414, 40485, 40517, 50699, 50700, 50773, 51081, 51083, 51104, 51105, 51111, 51746, 3_041_702,
    3_041_704, 5_159_200, 5_166_307, 5_166_403, 5_166_405, 5_173_600, 5_173_601, 5_439_012, 5_439_014, 5_439_017,
    6_050_201, 6_050_203, 6_050_204, 6_050_205, 5_733_402, 5_733_403, 5_733_404, 5_733_405, 5_897_900, 40_243, 40_246, 40_257, 27, 17262, 17308,
    17313, 31138, 5_371_601, 5_371_602, 5_371_603, 5_371_604, 5_371_605, 5_339_902, 5_429_414, 16_990, 40_601, 51_132, 51_178,
    51_191, 13_113, 5_787_906, 5_787_907,
    5_787_908, 5_788_001, 5_788_004, 5_788_005, 5_788_200, 5_976_500, 17053,
    40101, 40105, 40185, 31264, 4_161_102, 4_161_103,
    4_161_105, 4_161_106,
]

func storageError(_ error: bson_error_t, reply: Document? = nil) -> StorageError {
    let domain = Int(error.domain), code = Int(error.code)
    let message = error.text
    if code == 11000 || code == 11001 || code == 12582 {
        return .duplicateKey(duplicateKeyInfo(message: message, reply: reply))
    }
    if code == 121 {  // DocumentValidationFailure, with the server's errInfo (in writeErrors for a write)
        let source = reply?["writeErrors"]?.arrayValue?.first?.documentValue ?? reply
        return .documentValidation(errInfo: source?["errInfo"]?.documentValue ?? [:])
    }
    switch domain {
    case Int(MONGOC_ERROR_SERVER_SELECTION.rawValue), Int(MONGOC_ERROR_STREAM.rawValue), Int(MONGOC_ERROR_SASL.rawValue),
        Int(MONGOC_ERROR_SCRAM.rawValue):
        return message.contains("timed out") && domain == Int(MONGOC_ERROR_STREAM.rawValue)
            ? .timeout(message) : .unavailable(message)
    case Int(MONGOC_ERROR_CLIENT.rawValue):
        return code == Int(MONGOC_ERROR_CLIENT_AUTHENTICATE.rawValue) ? .unavailable(message) : .commandFailed(code: code, message: message)
    case Int(MONGOC_ERROR_COMMAND.rawValue), Int(MONGOC_ERROR_BSON.rawValue):
        return .invalidQuery(code: 2, message: message)
    default:
        // MaxTimeMSExpired, NetworkTimeout, ExceededTimeLimit
        if code == 50 || code == 89 || code == 262 { return .timeout(message) }
        // HostUnreachable, HostNotFound, ShutdownInProgress, PrimarySteppedDown
        if code == 6 || code == 7 || code == 91 || code == 189 { return .unavailable(message) }
        if invalidQueryCodes.contains(code) { return .invalidQuery(code: code, message: message) }
        return .commandFailed(code: code, message: message)
    }
}

/// Finds `keyPattern` / `keyValue` in a write error reply (insert/update replies nest them in
/// `writeErrors`, findAndModify puts them at the top level).
private func duplicateKeyInfo(message: String, reply: Document?) -> DuplicateKeyInfo {
    var source = reply
    if let first = reply?["writeErrors"]?.arrayValue?.first?.documentValue { source = first }
    let errmsg = source?["errmsg"]?.stringValue ?? message
    return DuplicateKeyInfo(
        keyPattern: source?["keyPattern"]?.documentValue,
        keyValue: source?["keyValue"]?.documentValue,
        message: errmsg
    )
}

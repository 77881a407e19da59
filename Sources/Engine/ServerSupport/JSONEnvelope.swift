// The API's success envelope written as text: `{"statusCode":…,"data":…,"message":…,"success":…}`
// around a payload's JSON that is already written. Chapter 03's `APIResponse` declares the four
// fields with `encode(to:)` (the concept, and what a test compares against); every response goes
// through this instead, because through an encoder's keyed container the envelope cost as much as
// a small payload (`make bench`, the healthcheck). An engine module: a speed-up, not a lesson.

import BSON

public enum JSONEnvelope {
    /// The envelope around `data`, which must already be JSON text (`APIJSONEncoder.json`).
    public static func success(statusCode: Int, data: String, message: String, success: Bool) -> String {
        var out = #"{"statusCode":"#
        out += String(statusCode)
        out += #","data":"#
        out += data
        out += #","message":"#
        out += BSONValue.string(message).json(.api)
        out += success ? #","success":true}"# : #","success":false}"#
        return out
    }
}

// Responses as JSON the way the Node version wrote them: fields in the order the Swift type
// declares them (`statusCode, data, message, success`), ObjectIds as 24-hex strings, dates as
// ISO-8601 with milliseconds. One encoder for every response, the BSON module's: the same text
// as its ordered documents give (Foundation's JSONEncoder on Linux does not keep key order),
// written straight from the value.

import BSON
import Hummingbird
import NIOCore

public struct APIJSONEncoder: ResponseEncoder {
    public init() {}

    public func encode(_ value: some Encodable, from request: Request, context: some RequestContext) throws -> Response
    {
        Self.response(status: .ok, json: try Self.json(value))
    }

    /// The API JSON text of any Encodable value, written as it is encoded by BSON's `apiJSON`.
    public static func json(_ value: some Encodable) throws -> String {
        try BSONValue.apiJSON(value)
    }

    public static func response(status: HTTPResponse.Status, json: String) -> Response {
        let buffer = ByteBuffer(string: json)
        return Response(
            status: status,
            headers: [.contentType: "application/json; charset=utf-8", .contentLength: String(buffer.readableBytes)],
            body: .init(byteBuffer: buffer))
    }
}

// The per-request context every route receives: Hummingbird's request id and logger, plus the
// body rules of `app.js`, and a slot for whoever an authentication middleware let through.
// Chapter 06's `verifyJWT` puts the user there; `context.user` reads it back.

import BSON
import Foundation
import Hummingbird
import NIOCore

public struct AppRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Set by an authentication middleware for the routes behind it: `req.user` in Express.
    /// App knows nothing of users; chapter 06 adds a typed `context.user` over this slot.
    public var identity: (any Sendable)?
    /// The client's address as the socket sees it: Express's `req.ip`.
    public let remoteAddress: SocketAddress?

    public init(source: Source) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }

    /// Bodies above 16 kB are refused with 413, as `express.json({limit: "16kb"})` does.
    public var maxUploadSize: Int { AppConfig.bodyLimit }

    /// JSON or URL-encoded, chosen by Content-Type, as `express.json()` + `express.urlencoded()`.
    public var requestDecoder: BodyDecoder { BodyDecoder() }

    /// Responses keep their fields' order and show ids and dates as the Node version did.
    public var responseEncoder: APIJSONEncoder { APIJSONEncoder() }
}

/// Decodes a request body by its Content-Type: JSON, or URL-encoded forms with nested keys
/// (`user[name]=a&tags[]=x`, what `express.urlencoded({extended: true})` parses). A body of
/// another type is 415. The body is read up to the context's limit, never further.
public struct BodyDecoder: RequestDecoder {
    public init() {}

    public func decode<T: Decodable>(_ type: T.Type, from request: Request, context: some RequestContext) async throws
        -> T
    {
        do {
            return try await decodeBody(type, from: request, context: context)
        } catch is NIOTooManyBytesError {
            throw BodyError.tooLarge
        } catch let error as DecodingError {
            // The client's body did not fit the type: 400, naming the field.
            throw BodyError(error)
        }
    }

    private func decodeBody<T: Decodable>(_ type: T.Type, from request: Request, context: some RequestContext)
        async throws -> T
    {
        // A body announced as too large is refused before a byte of it is read.
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > context.maxUploadSize {
            throw BodyError.tooLarge
        }
        let mediaType = request.headers[.contentType].flatMap(MediaType.init(from:))
        switch mediaType {
        case .some(let m) where m.isType(.applicationJson):
            if type == BSONValue.self || type == Document.self {
                // Free-form documents keep the client's key order; Foundation's decoder drops it.
                let buffer = try await request.body.collect(upTo: context.maxUploadSize)
                guard let value = try? BSONValue(json: String(buffer: buffer)) else {
                    throw BodyError(.badRequest, "Malformed request body")
                }
                if let value = value as? T { return value }
                if let document = value.documentValue as? T { return document }
                throw BodyError(.badRequest, "body must be an object")
            }
            // An empty JSON body reads as `{}`, as express.json() does.
            let buffer = try await request.body.collect(upTo: context.maxUploadSize)
            return try JSONDecoder().decode(type, from: buffer.readableBytes == 0 ? ByteBuffer(string: "{}") : buffer)
        case .some(let m) where m.isType(.applicationUrlEncoded):
            do {
                let form = String(buffer: try await request.body.collect(upTo: context.maxUploadSize))
                if type == BSONValue.self,
                    let value = Self.inFormOrder(try URLEncodedFormDecoder().decode(BSONValue.self, from: form), form)
                        as? T
                {
                    return value
                }
                return try URLEncodedFormDecoder().decode(type, from: form)
            } catch let error as URLEncodedFormError {
                // `a=1&a=2`, `a[=1`, `%zz`: the client's malformed form, not a server failure.
                throw BodyError(.badRequest, "Malformed form body: \(error.description)")
            }
        case nil:
            // No Content-Type: accept an empty body as an empty JSON object.
            let buffer = try await request.body.collect(upTo: context.maxUploadSize)
            guard buffer.readableBytes == 0 else { throw BodyError.unsupportedMediaType }
            return try JSONDecoder().decode(type, from: Data("{}".utf8))
        default:
            throw BodyError.unsupportedMediaType
        }
    }
}

extension BodyDecoder {
    /// A free-form body decoded from a form, with each object's keys in the order they first
    /// appear in the form, as `express.urlencoded` keeps them (Hummingbird's decoder gathers
    /// them in a hash table, whose order changes from run to run).
    static func inFormOrder(_ value: BSONValue, _ form: String) -> BSONValue {
        var rank: [[String]: Int] = [:]  // a key path (`user[tags][]` is user, tags, "") and where it first appears
        for (position, pair) in form.split(separator: "&").enumerated() {
            let raw = String(pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).first ?? "")
            let key = raw.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? raw
            var path: [String] = []
            for part in key.split(separator: "[", omittingEmptySubsequences: false) {
                path.append(part.hasSuffix("]") ? String(part.dropLast()) : String(part))
                if rank[path] == nil { rank[path] = position }
            }
        }
        func ordered(_ value: BSONValue, _ path: [String]) -> BSONValue {
            switch value {
            case .document(let document):
                let fields = document.enumerated().sorted { a, b in
                    let (x, y) = (rank[path + [a.element.key]] ?? .max, rank[path + [b.element.key]] ?? .max)
                    return x != y ? x < y : a.offset < b.offset
                }
                var out = Document()
                for (_, field) in fields { out[field.key] = ordered(field.value, path + [field.key]) }
                return .document(out)
            case .array(let items):
                return .array(items.map { ordered($0, path + [""]) })
            default:
                return value
            }
        }
        return ordered(value, [])
    }
}

extension BodyError {
    static let unsupportedMediaType = BodyError(
        .unsupportedMediaType, "Send the body as application/json or application/x-www-form-urlencoded")
}

extension Request {
    /// The body decoded as `T`, from JSON or URL-encoded. Every problem is a `BodyError` that
    /// answers by itself, or through chapter 03's error middleware: too large is 413; malformed
    /// is 400; a field of the wrong type is 400 naming the field; another media type is 415.
    public func decodeBody<T: Decodable>(as type: T.Type, context: AppRequestContext) async throws -> T {
        try await context.requestDecoder.decode(type, from: self, context: context)
    }
}

// The OpenAPI document assembled from `OpenAPI.operations`, and the schemas of the contract's
// shapes: every answer is `{statusCode, data, message, success}`, errors add `errors`.

import BSON

extension OpenAPI {
    /// The whole document, in the order a reader expects: info, servers, paths, components.
    static let document: Document = {
        var paths = Document()
        for op in operations {
            var item = paths[op.path]?.documentValue ?? [:]
            item[op.method] = .document(operation(op))
            paths[op.path] = .document(item)
        }
        return [
            "openapi": "3.1.0",
            "info": [
                "title": "VideoTube API",
                "version": "1.0.0",
                "description": """
                The Final server of the Swift VideoTube workshop: users, videos, comments, likes, tweets, \
                subscriptions, playlists, dashboard. Log in with POST /api/v1/users/login: the browser keeps \
                the httpOnly cookies, or paste the accessToken under Authorize.
                """,
            ],
            "servers": [["url": "/"]],
            "paths": .document(paths),
            "components": [
                "securitySchemes": [
                    "bearerAuth": ["type": "http", "scheme": "bearer", "bearerFormat": "JWT"],
                    "cookieAuth": ["type": "apiKey", "in": "cookie", "name": "accessToken"],
                ],
                "schemas": .document(schemas),
            ],
        ]
    }()

    /// The document as JSON text, made once.
    static let json: String = BSONValue.document(document).json(.api)

    static func operation(_ op: Operation) -> Document {
        var out: Document = [
            "tags": [.string(op.tag)], "summary": .string(op.summary),
            "operationId": .string(
                op.method
                    + op.path.split(separator: "/").map {
                        $0.replacingOccurrences(of: "{", with: "").replacingOccurrences(of: "}", with: "")
                    }
                    .map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined().replacingOccurrences(of: "-", with: "")
                    .replacingOccurrences(
                        of: ".", with: "")),
        ]
        var parameters: [BSONValue] = op.path.split(separator: "/").filter { $0.hasPrefix("{") }.map { segment in
            let name = String(segment.dropFirst().dropLast())
            let schema: BSONValue = name == "username" ? ["type": "string"] : ref("ObjectId")
            return ["name": .string(name), "in": "path", "required": true, "schema": schema]
        }
        parameters += op.query.map { .document($0) }
        if !parameters.isEmpty { out["parameters"] = .array(parameters) }
        if let body = op.body { out["requestBody"] = .document(requestBody(body)) }
        var success: Document = [
            "description": "Success",
            "content": op.raw.map { [$0: ["schema": ["type": $0 == "text/html" ? "string" : "object"]]] }
                ?? ["application/json": ["schema": envelope(op.success.1)]],
        ]
        if op.listed {
            success["headers"] = [
                "X-Total-Count": ["description": "How many items the whole list has", "schema": ["type": "integer"]]
            ]
        }
        var responses: Document = [String(op.success.0): .document(success)]
        for status in op.errors.sorted() {
            responses[String(status)] = [
                "description": .string(errorDescriptions[status] ?? "Error"),
                "content": ["application/json": ["schema": ref("Error")]],
            ]
        }
        out["responses"] = .document(responses)
        // Public reading: no credentials, or either kind (`{}` first: none is needed).
        out["security"] =
            op.reading
            ? [[:], ["bearerAuth": []], ["cookieAuth": []]] : op.auth ? [["bearerAuth": []], ["cookieAuth": []]] : []
        return out
    }

    static let errorDescriptions = [
        400: "Invalid input (the fields at fault are in errors)",
        401: "Not logged in, or the token is invalid or expired",
        403: "Someone else's, or a cookie-signed request from another site",
        404: "Not found (or not visible to the caller)",
        409: "Already taken", 413: "Too large", 415: "Wrong type of file or body",
        429: "Too many attempts (Retry-After says when)",
        503: "Database unavailable, or a query ran out of time",
    ]

    static func envelope(_ data: BSONValue) -> BSONValue {
        [
            "type": "object", "required": ["statusCode", "data", "message", "success"],
            "properties": [
                "statusCode": ["type": "integer"], "data": data, "message": ["type": "string"],
                "success": ["const": true],
            ],
        ]
    }

    static func requestBody(_ body: Body) -> Document {
        /// Text the server requires is never empty (it is trimmed, then checked); text it does
        /// not require may be JSON's `null`, which reads as absent.
        func object(_ required: [String], _ properties: Document, json: Bool = true) -> BSONValue {
            var properties = properties
            for (name, value) in properties where value == text {
                if required.contains(name) {
                    properties[name] = ["type": "string", "minLength": 1]
                } else if json {
                    properties[name] = ["type": ["string", "null"]]
                }
            }
            var schema: Document = ["type": "object", "properties": .document(properties)]
            if !required.isEmpty { schema["required"] = .array(required.map { .string($0) }) }
            return .document(schema)
        }
        func form(_ required: [String], _ fields: [String], _ files: [String: String]) -> BSONValue {
            var properties = strings(fields)
            for (name, kind) in files.sorted(by: { $0.key < $1.key }) {
                properties[name] = ["type": "string", "format": "binary", "description": .string("an \(kind) file")]
            }
            return object(required, properties, json: false)
        }
        switch body {
        case .json(let required, let properties):
            return ["required": true, "content": ["application/json": ["schema": object(required, properties)]]]
        case .form(let required, let fields, let files):
            return ["required": true, "content": ["multipart/form-data": ["schema": form(required, fields, files)]]]
        case .jsonOrForm(let properties, let files):
            return [
                "required": true,
                "content": [
                    "application/json": ["schema": object([], properties)],
                    "multipart/form-data": ["schema": form([], properties.keys, files)],
                ],
            ]
        }
    }

    // MARK: Schemas

    static func object(_ properties: Document, required: [String]? = nil) -> BSONValue {
        [
            "type": "object", "required": .array((required ?? properties.keys).map { .string($0) }),
            "properties": .document(properties),
        ]
    }

    static let id = ref("ObjectId")
    static let date = ref("DateTime")
    static let integer: BSONValue = ["type": "integer"]
    static let number: BSONValue = ["type": "number"]
    static let boolean: BSONValue = ["type": "boolean"]

    static let videoFields: Document = [
        "_id": id, "videoFile": text, "thumbnail": text, "title": text, "description": text, "duration": number,
        "views": integer,
        "isPublished": boolean, "owner": id, "createdAt": date, "updatedAt": date,
    ]

    static func with(_ base: Document, _ extra: Document) -> Document {
        var out = base
        for (key, value) in extra { out[key] = value }
        return out
    }

    static var schemas: Document {
        let summary = ref("OwnerSummary")
        let likes: Document = ["likesCount": integer, "isLiked": boolean]
        let comment: Document = [
            "_id": id, "content": text, "video": id, "owner": id, "createdAt": date, "updatedAt": date,
        ]
        let tweet: Document = ["_id": id, "content": text, "owner": id, "createdAt": date, "updatedAt": date]
        let playlist: Document = [
            "_id": id, "name": text, "description": text, "videos": ["type": "array", "items": id], "owner": id,
            "createdAt": date, "updatedAt": date,
        ]
        var out: Document = [
            "ObjectId": ["type": "string", "pattern": "^[0-9a-f]{24}$"],
            "DateTime": ["type": "string", "format": "date-time"],
            "Empty": ["type": "object"],
            "Error": [
                "type": "object", "required": ["statusCode", "data", "message", "success", "errors"],
                "properties": [
                    "statusCode": integer, "data": ["type": "null"], "message": text, "success": ["const": false],
                    "errors": ["type": "array", "items": object(["field": text, "message": text])],
                ],
            ],
            "Health": object(["status": text, "database": text]),
            "OwnerSummary": object(["_id": id, "username": text, "fullName": text, "avatar": text]),
            "User": object([
                "_id": id, "username": text, "email": text, "fullName": text, "avatar": text, "coverImage": text,
                "watchHistory": ["type": "array", "items": id], "createdAt": date, "updatedAt": date,
            ]),
            "LoggedIn": object(["user": ref("User"), "accessToken": text, "refreshToken": text]),
            "Tokens": object(["accessToken": text, "refreshToken": text]),
            "Session": object(["_id": id, "createdAt": date, "lastUsedAt": date, "userAgent": text, "current": boolean]
            ),
            "ChannelProfile": object(
                [
                    "_id": id, "fullName": text, "username": text, "email": text, "avatar": text, "coverImage": text,
                    "subscribersCount": integer, "channelsSubscribedToCount": integer, "isSubscribed": boolean,
                ],
                required: [
                    "_id", "fullName", "username", "avatar", "coverImage", "subscribersCount",
                    "channelsSubscribedToCount", "isSubscribed",
                ]),
            "Video": object(videoFields, required: Array(videoFields.keys)),
            "VideoWithOwner": object(with(videoFields, ["owner": summary])),
            "VideoDetail": object(with(with(videoFields, ["owner": summary]), likes)),
            "DashboardVideo": object(with(videoFields, ["likesCount": integer, "commentsCount": integer])),
            "Published": object(["isPublished": boolean]),
            "Comment": object(comment),
            "CommentListed": object(with(with(comment, ["owner": summary]), likes)),
            "Tweet": object(tweet),
            "TweetListed": object(with(with(tweet, ["owner": summary]), likes)),
            "Liked": object(["isLiked": boolean]),
            "Subscribed": object(["subscribed": boolean]),
            "Subscriber": object(["_id": id, "username": text, "fullName": text, "avatar": text, "subscribedAt": date]),
            "Playlist": object(playlist),
            "PlaylistDetail": object(with(playlist, ["videos": list("VideoWithOwner"), "totalVideos": integer])),
            "PlaylistListed": object(with(playlist, ["totalVideos": integer])),
            "Route": object(["method": text, "path": text]),
            "ChannelStats": object([
                "totalVideos": integer, "totalViews": integer, "totalSubscribers": integer, "totalLikes": integer,
            ]),
        ]
        for item in ["VideoWithOwner", "CommentListed"] {  // the two lists the course paginates
            let nullablePage: BSONValue = ["type": ["integer", "null"]]
            out["PageOf\(item)"] = object([
                "docs": list(item), "totalDocs": integer, "limit": integer, "page": integer, "totalPages": integer,
                "pagingCounter": integer,
                "hasPrevPage": boolean, "hasNextPage": boolean, "prevPage": nullablePage, "nextPage": nullablePage,
            ])
        }
        return out
    }
}

// The API described for machines: an OpenAPI 3.1 document of every route, served at
// `GET /api/v1/openapi.json`, and the interactive page at `/api-docs` (Swagger UI, the Express
// world's swagger-ui-express convention) that reads it. A test keeps this table and the routes
// the server registers equal, both ways.

import App
import BSON
import Hummingbird
import Models

enum OpenAPI {
    /// One operation: method, path (`{name}` for a path parameter), and what it takes and gives.
    struct Operation {
        let method: String
        let path: String
        let tag: String
        let summary: String
        var auth = true
        var body: Body? = nil
        var query: [Document] = []
        /// Public reading: a token is optional. It adds `isLiked`, `isSubscribed`, the history.
        var reading = false
        /// The success status and the schema of its `data`.
        var success: (Int, BSONValue) = (200, ref("Empty"))
        var errors: [Int] = []
        /// The content type of an answer that is not the API's envelope: a page, this document.
        var raw: String? = nil
        /// An array answered one page at a time, its total in `X-Total-Count` (`APIList`).
        var listed: Bool { query.first?["name"] == "page" && success.1.documentValue?["type"] == "array" }
    }

    enum Body {
        case json(required: [String], properties: Document)
        case form(required: [String], fields: [String], files: [String: String])
        /// JSON, or a form when a file comes with it.
        case jsonOrForm(properties: Document, files: [String: String])
    }

    static func ref(_ name: String) -> BSONValue { ["$ref": .string("#/components/schemas/\(name)")] }
    static func page(_ item: String) -> BSONValue { ref("PageOf\(item)") }
    static func list(_ item: String) -> BSONValue { ["type": "array", "items": ref(item)] }
    static let text: BSONValue = ["type": "string"]
    static let pageQuery: [Document] = [
        query("page", "integer", "Page number, from 1 (default 1)", maximum: PageRequest.maxPage),
        query("limit", "integer", "1 to 100 (default 10)", maximum: PageRequest.maxLimit),
    ]
    /// A list answered as an array: the same page and limit, the whole list up to 100 by default.
    static let listQuery: [Document] = [
        query("page", "integer", "Page number, from 1 (default 1)", maximum: PageRequest.maxPage),
        query(
            "limit", "integer", "1 to 100 (default \(APIList.defaultLimit)); the total is in X-Total-Count",
            maximum: PageRequest.maxLimit),
    ]

    static func query(
        _ name: String, _ type: String, _ description: String, values: [String]? = nil, maximum: Int? = nil
    ) -> Document {
        var schema: Document = ["type": .string(type)]
        if let values { schema["enum"] = .array(values.map { .string($0) }) }
        if type == "integer" { schema["minimum"] = 1 }
        if let maximum { schema["maximum"] = .int64(Int64(maximum)) }
        return [
            "name": .string(name), "in": "query", "required": false, "description": .string(description),
            "schema": .document(schema),
        ]
    }

    static func strings(_ names: [String]) -> Document { Document(names.map { (key: $0, value: text) }) }
    /// `{content}`: the body of a new or changed comment or tweet.
    static let contentBody = Body.json(required: ["content"], properties: strings(["content"]))

    // MARK: The routes

    static let operations: [Operation] = [
        Operation(
            method: "get", path: "/api/v1/healthcheck", tag: "health", summary: "Is the server up, and its database?",
            auth: false,
            success: (200, ref("Health")), errors: [503]),
        Operation(
            method: "get", path: "/api/v1/routes", tag: "health",
            summary: "The routes this server serves, read from its router",
            auth: false, success: (200, list("Route"))),
        Operation(
            method: "get", path: "/api/v1/openapi.json", tag: "docs", summary: "This document", auth: false,
            raw: "application/json"),
        Operation(
            method: "get", path: "/api-docs", tag: "docs",
            summary: "The interactive page (Swagger UI) that reads this document", auth: false,
            raw: "text/html"),

        // Users (chapters 06 and 08)
        Operation(
            method: "post", path: "/api/v1/users/register", tag: "users",
            summary: "Register, with an avatar and an optional cover image",
            auth: false,
            body: .form(
                required: ["fullName", "email", "username", "password", "avatar"],
                fields: ["fullName", "email", "username", "password"],
                files: ["avatar": "image", "coverImage": "image"]),
            success: (201, ref("User")), errors: [400, 409, 413, 415, 429]),
        Operation(
            method: "post", path: "/api/v1/users/login", tag: "users",
            summary: "Log in with an email or a username: starts a session, sets both cookies", auth: false,
            body: .json(required: ["password"], properties: strings(["email", "username", "password"])),
            success: (200, ref("LoggedIn")), errors: [400, 401, 404, 429]),
        Operation(
            method: "post", path: "/api/v1/users/refresh-token", tag: "users",
            summary: "New tokens for the refresh token (cookie, or body); the old one stops working", auth: false,
            body: .json(required: [], properties: strings(["refreshToken"])), success: (200, ref("Tokens")),
            errors: [400, 401, 429]),
        Operation(
            method: "post", path: "/api/v1/users/logout", tag: "users", summary: "End this session (the others go on)",
            errors: [401]),
        Operation(
            method: "get", path: "/api/v1/users/sessions", tag: "users",
            summary: "Where the user is logged in, newest first",
            success: (200, list("Session")), errors: [401]),
        Operation(
            method: "delete", path: "/api/v1/users/sessions", tag: "users", summary: "End every session but this one",
            errors: [401]),
        Operation(
            method: "delete", path: "/api/v1/users/sessions/{sessionId}", tag: "users",
            summary: "End one of the user's sessions",
            errors: [400, 401, 404]),
        Operation(
            method: "post", path: "/api/v1/users/change-password", tag: "users",
            summary: "Change the password: every session ends",
            body: .json(
                required: ["oldPassword", "newPassword"], properties: strings(["oldPassword", "newPassword"])),
            errors: [400, 401, 429]),
        Operation(
            method: "get", path: "/api/v1/users/current-user", tag: "users", summary: "The logged-in user",
            success: (200, ref("User")), errors: [401]
        ),
        Operation(
            method: "patch", path: "/api/v1/users/update-account", tag: "users",
            summary: "Change the full name and email",
            body: .json(required: ["fullName", "email"], properties: strings(["fullName", "email"])),
            success: (200, ref("User")),
            errors: [400, 401, 409]),
        Operation(
            method: "patch", path: "/api/v1/users/avatar", tag: "users",
            summary: "A new avatar (the old one leaves media storage)",
            body: .form(required: ["avatar"], fields: [], files: ["avatar": "image"]), success: (200, ref("User")),
            errors: [400, 401, 413, 415]),
        Operation(
            method: "patch", path: "/api/v1/users/cover-image", tag: "users",
            summary: "A new cover image (the old one leaves media storage)",
            body: .form(required: ["coverImage"], fields: [], files: ["coverImage": "image"]),
            success: (200, ref("User")),
            errors: [400, 401, 413, 415]),
        Operation(
            method: "get", path: "/api/v1/users/c/{username}", tag: "users",
            summary: "A channel's profile (the email only to its owner)",
            reading: true, success: (200, ref("ChannelProfile")), errors: [401, 404]),
        Operation(
            method: "get", path: "/api/v1/users/history", tag: "users", summary: "Watch history, most recent first",
            query: listQuery,
            success: (200, list("VideoWithOwner")), errors: [400, 401]),

        // Videos
        Operation(
            method: "get", path: "/api/v1/videos", tag: "videos",
            summary: "Published videos (and the caller's own), searched and sorted",
            query: pageQuery + [
                query("query", "string", "Words in the title or description (literal, any case)"),
                query("sortBy", "string", "Sort field", values: ["createdAt", "views", "duration", "title"]),
                query("sortType", "string", "Direction", values: ["asc", "desc"]),
                query("userId", "string", "Only this channel's videos"),
            ], reading: true, success: (200, page("VideoWithOwner")), errors: [400, 401]),
        Operation(
            method: "post", path: "/api/v1/videos", tag: "videos",
            summary: "Publish a video (its duration is read from the file)",
            body: .form(
                required: ["title", "videoFile", "thumbnail"], fields: ["title", "description"],
                files: ["videoFile": "video", "thumbnail": "image"]),
            success: (201, ref("Video")), errors: [400, 401, 413, 415]),
        Operation(
            method: "get", path: "/api/v1/videos/{videoId}", tag: "videos",
            summary: "Watch a video: signed in, counts a view and records it in the history",
            reading: true, success: (200, ref("VideoDetail")), errors: [400, 401, 404]),
        Operation(
            method: "patch", path: "/api/v1/videos/{videoId}", tag: "videos",
            summary: "Change title, description or thumbnail (absent fields stay)",
            body: .jsonOrForm(properties: strings(["title", "description"]), files: ["thumbnail": "image"]),
            success: (200, ref("Video")), errors: [400, 401, 403, 404, 413, 415]),
        Operation(
            method: "delete", path: "/api/v1/videos/{videoId}", tag: "videos",
            summary: "Delete a video, its comments, likes, and media",
            errors: [400, 401, 403, 404]),
        Operation(
            method: "patch", path: "/api/v1/videos/toggle/publish/{videoId}", tag: "videos",
            summary: "Publish or unpublish",
            success: (200, ref("Published")), errors: [400, 401, 403, 404]),

        // Comments
        Operation(
            method: "get", path: "/api/v1/comments/{videoId}", tag: "comments",
            summary: "A video's comments, newest first", query: pageQuery,
            reading: true, success: (200, page("CommentListed")), errors: [400, 401, 404]),
        Operation(
            method: "post", path: "/api/v1/comments/{videoId}", tag: "comments", summary: "Comment on a video",
            body: contentBody, success: (201, ref("Comment")), errors: [400, 401, 404]),
        Operation(
            method: "patch", path: "/api/v1/comments/c/{commentId}", tag: "comments", summary: "Change one's comment",
            body: contentBody, success: (200, ref("Comment")), errors: [400, 401, 403, 404]),
        Operation(
            method: "delete", path: "/api/v1/comments/c/{commentId}", tag: "comments",
            summary: "Delete one's comment and its likes",
            errors: [400, 401, 403, 404]),

        // Likes
        Operation(
            method: "post", path: "/api/v1/likes/toggle/v/{videoId}", tag: "likes", summary: "Like or unlike a video",
            success: (200, ref("Liked")), errors: [400, 401, 404]),
        Operation(
            method: "post", path: "/api/v1/likes/toggle/c/{commentId}", tag: "likes",
            summary: "Like or unlike a comment",
            success: (200, ref("Liked")), errors: [400, 401, 404]),
        Operation(
            method: "post", path: "/api/v1/likes/toggle/t/{tweetId}", tag: "likes", summary: "Like or unlike a tweet",
            success: (200, ref("Liked")), errors: [400, 401, 404]),
        Operation(
            method: "get", path: "/api/v1/likes/videos", tag: "likes",
            summary: "The videos the caller likes, newest like first", query: listQuery,
            success: (200, list("VideoWithOwner")), errors: [400, 401]),

        // Tweets
        Operation(
            method: "post", path: "/api/v1/tweets", tag: "tweets", summary: "Post a tweet",
            body: contentBody, success: (201, ref("Tweet")), errors: [400, 401]),
        Operation(
            method: "get", path: "/api/v1/tweets/user/{userId}", tag: "tweets",
            summary: "A user's tweets, newest first", query: listQuery,
            reading: true, success: (200, list("TweetListed")), errors: [400, 401, 404]),
        Operation(
            method: "patch", path: "/api/v1/tweets/{tweetId}", tag: "tweets", summary: "Change one's tweet",
            body: contentBody, success: (200, ref("Tweet")), errors: [400, 401, 403, 404]),
        Operation(
            method: "delete", path: "/api/v1/tweets/{tweetId}", tag: "tweets",
            summary: "Delete one's tweet and its likes",
            errors: [400, 401, 403, 404]),

        // Subscriptions
        Operation(
            method: "post", path: "/api/v1/subscriptions/c/{channelId}", tag: "subscriptions",
            summary: "Subscribe or unsubscribe",
            success: (200, ref("Subscribed")), errors: [400, 401, 404]),
        Operation(
            method: "get", path: "/api/v1/subscriptions/c/{channelId}", tag: "subscriptions",
            summary: "A channel's subscribers", query: listQuery,
            success: (200, list("Subscriber")), errors: [400, 401, 404]),
        Operation(
            method: "get", path: "/api/v1/subscriptions/u/{subscriberId}", tag: "subscriptions",
            summary: "The channels a user subscribes to",
            query: listQuery, success: (200, list("Subscriber")), errors: [400, 401, 404]),

        // Playlists
        Operation(
            method: "post", path: "/api/v1/playlist", tag: "playlists", summary: "Create a playlist",
            body: .json(required: ["name"], properties: strings(["name", "description"])),
            success: (201, ref("Playlist")), errors: [400, 401]),
        Operation(
            method: "get", path: "/api/v1/playlist/{playlistId}", tag: "playlists",
            summary: "A playlist with the videos the caller may see",
            reading: true, success: (200, ref("PlaylistDetail")), errors: [400, 401, 404]),
        Operation(
            method: "patch", path: "/api/v1/playlist/{playlistId}", tag: "playlists",
            summary: "Rename or describe one's playlist",
            body: .json(required: [], properties: strings(["name", "description"])), success: (200, ref("Playlist")),
            errors: [400, 401, 403, 404]),
        Operation(
            method: "delete", path: "/api/v1/playlist/{playlistId}", tag: "playlists", summary: "Delete one's playlist",
            errors: [400, 401, 403, 404]),
        Operation(
            method: "patch", path: "/api/v1/playlist/add/{videoId}/{playlistId}", tag: "playlists",
            summary: "Add a video (once; at most 500)",
            success: (200, ref("Playlist")), errors: [400, 401, 403, 404]),
        Operation(
            method: "patch", path: "/api/v1/playlist/remove/{videoId}/{playlistId}", tag: "playlists",
            summary: "Remove a video",
            success: (200, ref("Playlist")), errors: [400, 401, 403, 404]),
        Operation(
            method: "get", path: "/api/v1/playlist/user/{userId}", tag: "playlists",
            summary: "A user's playlists, newest first", query: listQuery,
            reading: true, success: (200, list("PlaylistListed")), errors: [400, 401, 404]),

        // Dashboard
        Operation(
            method: "get", path: "/api/v1/dashboard/stats", tag: "dashboard",
            summary: "The caller's channel in figures",
            success: (200, ref("ChannelStats")), errors: [401]),
        Operation(
            method: "get", path: "/api/v1/dashboard/videos", tag: "dashboard",
            summary: "The caller's videos, unpublished included", query: listQuery,
            success: (200, list("DashboardVideo")), errors: [400, 401]),
    ]
}

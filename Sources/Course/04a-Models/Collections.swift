// All seven collections of the app, and the indexes they need, created at start-up.
//
// Mongoose creates a schema's indexes when the app starts (`autoIndex`). We do the same
// explicitly: `createIndexes()` runs once before the server listens. Creating an index that
// exists already is a no-op, so a database written by the Node version keeps its indexes.

import BSON
import Storage

public struct Collections: Sendable {
    public let users: ModelCollection<User>
    public let videos: ModelCollection<Video>
    public let subscriptions: ModelCollection<Subscription>
    public let comments: ModelCollection<Comment>
    public let likes: ModelCollection<Like>
    public let playlists: ModelCollection<Playlist>
    public let tweets: ModelCollection<Tweet>

    /// `userBeforeSave` is the users' save hook (chapter 05 hashes passwords with it).
    public init(_ database: any StorageDatabase, userBeforeSave: BeforeSave? = nil) {
        users = ModelCollection(database, beforeSave: userBeforeSave)
        videos = ModelCollection(database)
        subscriptions = ModelCollection(database)
        comments = ModelCollection(database)
        likes = ModelCollection(database)
        playlists = ModelCollection(database)
        tweets = ModelCollection(database)
    }

    /// Every model's indexes. Fails (rather than serving without a unique index) when
    /// existing data already breaks one, e.g. two users with the same email.
    public func createIndexes() async throws {
        try await Self.createIndexes(of: users)
        try await Self.createIndexes(of: videos)
        try await Self.createIndexes(of: subscriptions)
        try await Self.createIndexes(of: comments)
        try await Self.createIndexes(of: likes)
        try await Self.createIndexes(of: playlists)
        try await Self.createIndexes(of: tweets)
    }

    static func createIndexes<M: Model>(of collection: ModelCollection<M>) async throws {
        for index in M.indexes {
            try await collection.storage.createIndex(index.keys, options: index.options)
        }
    }
}

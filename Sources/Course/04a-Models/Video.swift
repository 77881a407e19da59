// `videos`: what a channel publishes. Node: `models/video.model.js`, with the
// aggregate-paginate plugin; here pagination is `Pagination.swift`, usable on any pipeline.

import BSON

public struct Video: Model {
    public static let collectionName = "videos"
    /// `owner` (with `isPublished`): a channel's videos. `createdAt`: the list's default order,
    /// newest first, read along the index instead of sorting every published video (on MongoDB
    /// and the embedded store). `isPublished`, and `{owner, isPublished}`, let the list's total
    /// ("published, or mine") be counted from the indexes: published + mine − mine and published.
    /// `title` and `description` serve the search box: on the embedded store their trigrams
    /// find the videos that hold the text; on MongoDB the search reads the index's keys.
    public static let indexes: [IndexModel] = [
        .lookup(["owner": 1, "isPublished": 1]), .lookup(["createdAt": -1]), .lookup(["isPublished": 1]),
        .lookup(["title": 1]),
        .lookup(["description": 1]),
    ]

    /// Who may see a video: everyone if it is published, its owner always. An unpublished video
    /// does not exist for anyone else: 404 on every route that names it.
    public static func visible(to viewer: ObjectId?) -> Document {
        var visible: [BSONValue] = [["isPublished": true]]
        if let viewer { visible.append(["owner": .objectId(viewer)]) }
        return ["$or": .array(visible)]
    }

    public var _id: ObjectId
    public var videoFile: String
    public var thumbnail: String
    public var title: String
    public var description: String
    /// Seconds, as the media service measured it.
    public var duration: Double
    public var views: Int
    public var isPublished: Bool
    public var owner: ObjectId
    /// The media storage's ids of the two files, Cloudinary's `public_id`, so that replacing the
    /// thumbnail or deleting the video removes them. Documents written by the Node version have none.
    public var videoFileId: String?
    public var thumbnailId: String?
    public var createdAt: BSONDate
    public var updatedAt: BSONDate

    public init(
        _id: ObjectId = ObjectId(), videoFile: String, thumbnail: String, title: String, description: String,
        duration: Double,
        views: Int = 0, isPublished: Bool = true, owner: ObjectId
    ) {
        self._id = _id
        self.videoFile = videoFile
        self.thumbnail = thumbnail
        self.title = title
        self.description = description
        self.duration = duration
        self.views = views
        self.isPublished = isPublished
        self.owner = owner
        self.createdAt = .now()
        self.updatedAt = createdAt
    }

    public enum Rules {
        public static let videoFile = TextRule(
            "videoFile", length: 1...2048, check: Formats.isMediaURL, message: "videoFile must be a URL")
        public static let thumbnail = TextRule(
            "thumbnail", length: 1...2048, check: Formats.isMediaURL, message: "thumbnail must be a URL")
        public static let title = TextRule("title", length: 1...200)
        public static let description = TextRule("description", length: 0...5000, multiline: true)
    }

    public mutating func validate() throws(ValidationError) {
        var v = Validator()
        v.apply(Rules.videoFile, to: &videoFile)
        v.apply(Rules.thumbnail, to: &thumbnail)
        v.apply(Rules.title, to: &title)
        v.apply(Rules.description, to: &description)
        v.require(duration.isFinite && duration >= 0, "duration", "duration must be a number of seconds, 0 or more")
        v.require(views >= 0, "views", "views must be 0 or more")
        try v.finish()
    }
}

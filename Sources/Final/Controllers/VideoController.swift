// `/api/v1/videos`: publish a video, a multipart form with the file and a thumbnail; watch one,
// for anyone, where a signed-in viewer's view counts and enters their history; change it, delete
// it with everything that depends on it, and publish or unpublish it, behind verifyJWT. The list,
// `GET /videos`, is chapter 04's `BrowseController`.

import App
import Auth
import BSON
import Exercises
import Hummingbird
import Media
import ModelRoutes
import Models
import Responses
import Uploads

struct VideoController: Sendable {
    let collections: Collections
    let uploads: Uploads
    let media: any MediaStorage
    /// A view from a page of another site, an `<img>` or a link elsewhere, is not counted.
    let crossSite: CrossSiteGuard
    /// How much one user may upload in a day (`UPLOAD_QUOTA_MB`).
    let quota: UploadQuota

    func addRoutes(to group: RouterGroup<AppRequestContext>, reading: RouterGroup<AppRequestContext>) {
        group.post("", use: publish)
        reading.get(":videoId", use: watch)
        group.patch(":videoId", use: update)
        group.delete(":videoId", use: delete)
        group.patch("toggle/publish/:videoId", use: togglePublish)
    }

    struct Published: Encodable, Sendable { let isPublished: Bool }
    struct Change: Decodable { var title: String?; var description: String? }

    /// `POST /videos`: title, description, `videoFile` and `thumbnail`. The fields are checked
    /// before anything is uploaded; the duration comes from the media; if the video cannot be
    /// stored, its uploads are deleted again.
    @Sendable func publish(_ request: Request, context: AppRequestContext) async throws -> APIResponse<Video> {
        let me = try context.requireUser()
        return try await uploads.receive(
            request, files: [.video("videoFile", required: true), .image("thumbnail", required: true)]
        ) { form in
            var video = Video(
                videoFile: "/pending", thumbnail: "/pending", title: form.fields["title"] ?? "",
                description: form.fields["description"] ?? "",
                duration: 0, owner: me._id)
            try video.validate()  // cheap checks first: nothing is uploaded for a form that cannot succeed
            try await quota.spend(form.files.values.reduce(0) { $0 + $1.size }, by: me._id)  // 429 past the day's quota
            // EXERCISE 9.1: publishVideo: upload the video and thumbnail, then store the video
            var stored: [StoredMedia] = []
            do {
                let file = try await media.upload(form.files["videoFile"]!, folder: "videos")
                stored.append(file)
                let thumbnail = try await media.upload(form.files["thumbnail"]!, folder: "thumbnails")
                stored.append(thumbnail)
                video.videoFile = file.url
                video.videoFileId = file.publicId
                video.duration = file.duration ?? 0
                video.thumbnail = thumbnail.url
                video.thumbnailId = thumbnail.publicId
                return APIResponse(201, try await collections.videos.insert(video), "Video published successfully")
            } catch {
                await media.deleteQuietly(stored, logger: context.logger)
                throw error
            }
            // END EXERCISE 9.1
        }
    }

    /// `GET /videos/:videoId`: for a signed-in viewer, counts a view and moves the video to the
    /// front of their history; answers with its owner's summary, `likesCount` and `isLiked`.
    @Sendable func watch(_ request: Request, context: AppRequestContext) async throws -> APIResponse<Document> {
        let counted = crossSite.isCrossSite(request) ? nil : context.user?._id  // whose view counts, if anyone's
        // EXERCISE 9.25: getVideoById: a video the reader may see; a signed-in view counts
        let video = try await collections.requireVideo(context)
        if let counted { try await collections.recordView(of: video._id, by: counted) }
        guard let detail = try await collections.videoDetail(video._id, viewer: context.user?._id) else {
            throw APIError.notFound("Video not found")
        }
        return APIResponse(200, detail, "Video fetched successfully")
        // END EXERCISE 9.25
    }

    /// `PATCH /videos/:videoId`: title and description as JSON, or as a multipart form that may
    /// carry a new `thumbnail`; absent fields stay. The replaced thumbnail leaves media storage.
    @Sendable func update(_ request: Request, context: AppRequestContext) async throws -> APIResponse<Video> {
        // EXERCISE 9.26: updateVideo: only its owner, with JSON or a form that may carry a thumbnail
        let video = try await collections.requireVideo(context)
        try requireOwner(video.owner, context, "videos")
        let isForm = request.headers[.contentType]?.lowercased().hasPrefix("multipart/form-data") == true
        if !isForm {
            let change = try await request.decodeBody(as: Change.self, context: context)
            return APIResponse(
                200, try await apply(change, thumbnail: nil, to: video, context), "Video updated successfully")
        }
        return try await uploads.receive(request, files: [.image("thumbnail")]) { form in
            let change = Change(title: form.fields["title"], description: form.fields["description"])
            return APIResponse(
                200, try await apply(change, thumbnail: form.files["thumbnail"], to: video, context),
                "Video updated successfully")
        }
        // END EXERCISE 9.26
    }

    /// updateVideo's change, from JSON or from a form: the fields sent, checked; a new thumbnail
    /// stored and recorded, the old one deleted once the change is stored, the new one if it is not.
    func apply(_ change: Change, thumbnail: UploadedFile?, to video: Video, _ context: AppRequestContext) async throws
        -> Video
    {
        // EXERCISE 9.27: updateVideo's change: checked fields, a new thumbnail stored, the old one deleted
        var set: Document = [:]
        var v = Validator()
        changed(change.title, Video.Rules.title, &set, &v)
        changed(change.description, Video.Rules.description, &set, &v)
        v.require(!set.isEmpty || thumbnail != nil, "body", "Send a title, a description or a thumbnail")
        try v.finish()
        var uploaded: StoredMedia?
        if let thumbnail {
            let stored = try await media.upload(thumbnail, folder: "thumbnails")
            uploaded = stored
            set["thumbnail"] = .string(stored.url)
            set["thumbnailId"] = .string(stored.publicId)
        }
        do {
            guard let after = try await collections.videos.updateById(video._id, ["$set": .document(set)]) else {
                throw APIError.notFound("Video not found")  // deleted meanwhile
            }
            let old = media.asset(url: video.thumbnail, id: video.thumbnailId, resourceType: "image")
            if uploaded != nil, let old { await media.deleteQuietly([old], logger: context.logger) }
            return after
        } catch {
            if let uploaded { await media.deleteQuietly([uploaded], logger: context.logger) }  // not stored: nor is it
            throw error
        }
        // END EXERCISE 9.27
    }

    /// `DELETE /videos/:videoId`: its comments and their likes, its likes, its place in
    /// playlists and histories, the video, and last its media, where a failure is only logged.
    @Sendable func delete(_ request: Request, context: AppRequestContext) async throws -> APIResponse<Empty> {
        // EXERCISE 9.28: deleteVideo: only its owner; its media goes last
        let video = try await collections.requireVideo(context)
        try requireOwner(video.owner, context, "videos")
        try await collections.deleteVideo(video._id)
        let assets = [
            media.asset(url: video.videoFile, id: video.videoFileId, resourceType: "video"),
            media.asset(url: video.thumbnail, id: video.thumbnailId, resourceType: "image"),
        ]
        await media.deleteQuietly(assets.compactMap { $0 }, logger: context.logger)
        return APIResponse(200, Empty(), "Video deleted successfully")
        // END EXERCISE 9.28
    }

    /// `PATCH /videos/toggle/publish/:videoId`: flips `isPublished` (`Collections.togglePublished`:
    /// two toggles at once flip it twice, never lose one).
    @Sendable func togglePublish(_ request: Request, context: AppRequestContext) async throws -> APIResponse<Published>
    {
        // EXERCISE 9.29: togglePublishStatus: only its owner flips it
        let video = try await collections.requireVideo(context)
        try requireOwner(video.owner, context, "videos")
        guard let isPublished = try await collections.togglePublished(video) else {
            throw APIError.notFound("Video not found")  // deleted meanwhile
        }
        return APIResponse(200, Published(isPublished: isPublished), "Publish status toggled")
        // END EXERCISE 9.29
    }
}

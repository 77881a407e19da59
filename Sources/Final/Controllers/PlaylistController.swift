// `/api/v1/playlist`: a user's named lists of videos. Anyone may read a playlist and see the
// videos in it that they may see; only its owner changes it, behind verifyJWT.

import App
import Auth
import BSON
import Exercises
import Hummingbird
import ModelRoutes
import Models
import Responses

struct PlaylistController: Sendable {
    let collections: Collections

    func addRoutes(to group: RouterGroup<AppRequestContext>, reading: RouterGroup<AppRequestContext>) {
        group.post("", use: create)
        reading.get("user/:userId", use: list)
        reading.get(":playlistId", use: show)
        group.patch(":playlistId", use: update)
        group.delete(":playlistId", use: delete)
        group.patch("add/:videoId/:playlistId", use: add)
        group.patch("remove/:videoId/:playlistId", use: remove)
    }

    struct Fields: Decodable { var name: String?; var description: String? }

    @Sendable func create(_ request: Request, context: AppRequestContext) async throws -> APIResponse<Playlist> {
        // EXERCISE 9.30: createPlaylist: a named list of the viewer's own
        let body = try await request.decodeBody(as: Fields.self, context: context)
        let playlist = Playlist(
            name: body.name ?? "", description: body.description ?? "", owner: try context.requireUser()._id)
        return APIResponse(201, try await collections.playlists.insert(playlist), "Playlist created successfully")
        // END EXERCISE 9.30
    }

    /// `GET /playlist/user/:userId?page&limit`: newest first, each with `totalVideos`.
    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> APIList {
        // EXERCISE 9.31: getUserPlaylists: a user's playlists, for anyone to read
        let owner = try await collections.requireUser(context, "userId")
        let page = try await collections.playlists(of: owner, viewer: context.user?._id, try request.listRequest)
        return APIList(page, "Playlists fetched successfully")
        // END EXERCISE 9.31
    }

    /// `GET /playlist/:playlistId`: its videos that the viewer may see, in order, and their count.
    @Sendable func show(_ request: Request, context: AppRequestContext) async throws -> APIResponse<Document> {
        // EXERCISE 9.33: getPlaylistById: a playlist, with the videos the reader may see
        let playlist = try await collections.requirePlaylist(context)
        let detail = try await collections.playlistDetail(playlist, viewer: context.user?._id)
        return APIResponse(200, detail, "Playlist fetched successfully")
        // END EXERCISE 9.33
    }

    /// `PATCH /playlist/:playlistId`: name and description; absent fields stay.
    @Sendable func update(_ request: Request, context: AppRequestContext) async throws -> APIResponse<Playlist> {
        // EXERCISE 9.37: updatePlaylist: only its owner renames it
        let playlist = try await collections.requirePlaylist(context)
        try requireOwner(playlist.owner, context, "playlists")
        let body = try await request.decodeBody(as: Fields.self, context: context)
        var set: Document = [:]
        var v = Validator()
        changed(body.name, Playlist.Rules.name, &set, &v)
        changed(body.description, Playlist.Rules.description, &set, &v)
        v.require(!set.isEmpty, "body", "Send a name or a description")
        try v.finish()
        guard let after = try await collections.playlists.updateById(playlist._id, ["$set": .document(set)]) else {
            throw APIError.notFound("Playlist not found")
        }
        return APIResponse(
            200, try await collections.shown(after, to: try context.requireUser()._id), "Playlist updated successfully")
        // END EXERCISE 9.37
    }

    @Sendable func delete(_ request: Request, context: AppRequestContext) async throws -> APIResponse<Empty> {
        // EXERCISE 9.36: deletePlaylist: only its owner
        let playlist = try await collections.requirePlaylist(context)
        try requireOwner(playlist.owner, context, "playlists")
        try await collections.playlists.deleteOne(["_id": .objectId(playlist._id)])
        return APIResponse(200, Empty(), "Playlist deleted successfully")
        // END EXERCISE 9.36
    }

    /// `PATCH /playlist/add/:videoId/:playlistId`: once, so adding twice keeps one entry, a video
    /// the owner may see, up to `Playlist.maxVideos`.
    @Sendable func add(_ request: Request, context: AppRequestContext) async throws -> APIResponse<Playlist> {
        // EXERCISE 9.34: addVideoToPlaylist: only its owner, a video they may see
        let playlist = try await collections.requirePlaylist(context)
        try requireOwner(playlist.owner, context, "playlists")
        let video = try await collections.requireVideo(context)
        guard let after = try await collections.addVideo(video._id, to: playlist._id, owner: playlist.owner) else {
            throw APIError.badRequest(
                "A playlist holds at most \(Playlist.maxVideos) videos",
                errors: [FieldError(field: "videos", message: "at most \(Playlist.maxVideos) videos")])
        }
        return APIResponse(
            200, try await collections.shown(after, to: try context.requireUser()._id), "Video added to playlist")
        // END EXERCISE 9.34
    }

    @Sendable func remove(_ request: Request, context: AppRequestContext) async throws -> APIResponse<Playlist> {
        // EXERCISE 9.35: removeVideoFromPlaylist: only its owner
        let playlist = try await collections.requirePlaylist(context)
        try requireOwner(playlist.owner, context, "playlists")
        let video = try context.parameters.objectId("videoId")
        guard
            let after = try await collections.playlists.updateById(
                playlist._id, ["$pull": ["videos": .objectId(video)]])
        else {
            throw APIError.notFound("Playlist not found")
        }
        return APIResponse(
            200, try await collections.shown(after, to: try context.requireUser()._id), "Video removed from playlist")
        // END EXERCISE 9.35
    }
}

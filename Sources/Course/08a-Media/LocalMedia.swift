// Media in a local folder (`MEDIA_DIR`), served by the app at `/media/...`: the default, so
// uploads work with no account. One machine only; Cloudinary is how media grows past it.

import Foundation
import NIOFileSystem
import Uploads

public struct LocalMedia: MediaStorage {
    public let folder: String
    /// The URL path the folder is served at.
    public static let urlPath = "/media"

    public init(folder: String) { self.folder = folder }

    public var location: String { "local folder \(folder), served at \(Self.urlPath)" }

    public func upload(_ file: UploadedFile, folder sub: String) async throws -> StoredMedia {
        let publicId = "\(sub)/\(UUID().uuidString.lowercased()).\(file.format.fileExtension)"
        let destination = FilePath(folder).appending(publicId)
        do {
            try await FileSystem.shared.createDirectory(
                at: destination.removingLastComponent(), withIntermediateDirectories: true, permissions: nil)
            try await FileSystem.shared.copyItem(at: FilePath(file.path), to: destination)
        } catch {
            throw MediaError("local media: cannot store \(publicId): \(error)")
        }
        let kind = file.format.kind.rawValue
        let duration = kind == "video" ? try? await VideoDuration.read(file.path) : nil
        return StoredMedia(
            url: "\(Self.urlPath)/\(publicId)", publicId: publicId, resourceType: kind,
            duration: duration ?? (kind == "video" ? 0 : nil))
    }

    public func publicId(forURL url: String) -> String? {
        url.hasPrefix(Self.urlPath + "/") ? String(url.dropFirst(Self.urlPath.count + 1)) : nil
    }

    public func delete(publicId: String, resourceType: String) async throws {
        // Only ids this storage made: "<folder>/<uuid>.<ext>", never a path that climbs out.
        guard !publicId.contains(".."), !publicId.hasPrefix("/"), publicId.split(separator: "/").count == 2 else {
            throw MediaError("local media: refusing to delete \(publicId)")
        }
        unlink(FilePath(folder).appending(publicId).string)
    }
}

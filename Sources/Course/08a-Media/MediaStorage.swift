// Chapter 08 — media storage: where uploaded files live once the request is over.
//
// The course uploads each temp file to Cloudinary and deletes the temp file whatever happens:
//
// ```js
// const uploadOnCloudinary = async (localFilePath) => {
//     try {
//         if (!localFilePath) return null
//         const response = await cloudinary.uploader.upload(localFilePath, { resource_type: "auto" })
//         fs.unlinkSync(localFilePath)
//         return response
//     } catch (error) {
//         fs.unlinkSync(localFilePath)  // remove the locally saved temp file as the upload failed
//         return null
//     }
// }
// ```
//
// Here `MediaStorage` is one interface with two real backends, chosen at start-up like the
// database: Cloudinary when `CLOUDINARY_*` is set, otherwise a local media folder served at
// `/media`, so uploads work on a fresh machine with no account. The temp file's removal is not
// media's job any more: chapter 07's `Uploads.receive` scope deletes it in every outcome.
// What media adds is the other half of the clean-up the original never did: `delete`, so an
// asset that is replaced, an avatar say, or whose video is deleted, leaves storage too.

import App
import Logging
import Responses
import Uploads

/// A stored asset: its public URL and the id its storage knows it by.
public struct StoredMedia: Codable, Sendable, Equatable {
    public var url: String
    /// Cloudinary's `public_id`, or the path inside the local media folder.
    public var publicId: String
    /// "image" or "video": Cloudinary's resource type, which deleting needs.
    public var resourceType: String
    /// Seconds, for videos: what the `duration` field of a video document is set from.
    public var duration: Double?

    public init(url: String, publicId: String, resourceType: String, duration: Double? = nil) {
        self.url = url
        self.publicId = publicId
        self.resourceType = resourceType
        self.duration = duration
    }
}

public protocol MediaStorage: Sendable {
    /// For the start-up log: "Cloudinary (cloud demo)", "local folder ./data/media at /media".
    var location: String { get }
    /// Stores a received temp file under `folder`, such as "avatars", and returns where it is.
    func upload(_ file: UploadedFile, folder: String) async throws -> StoredMedia
    /// Removes an asset. One that is already gone is not an error.
    func delete(publicId: String, resourceType: String) async throws
    /// The id of an asset from its URL, when this storage made it: for documents that kept only
    /// the URL, as everything the Node version wrote.
    func publicId(forURL url: String) -> String?
}

extension MediaStorage {
    /// Deletes assets, logging a storage that refuses rather than failing: when this runs, the
    /// request's outcome is decided already, and a leftover asset is a cost, not the client's error.
    public func deleteQuietly(_ assets: [StoredMedia], logger: Logger) async {
        for asset in assets {
            do {
                try await delete(publicId: asset.publicId, resourceType: asset.resourceType)
            } catch {
                logger.warning("could not delete media \(asset.publicId): \(error)")
            }
        }
    }

    /// An asset a document names by URL and, when it was stored here, by id (documents written
    /// by the Node version kept only the URL). Nil when neither names one this storage can delete.
    public func asset(url: String, id: String?, resourceType: String) -> StoredMedia? {
        guard let publicId = id ?? publicId(forURL: url) else { return nil }
        return StoredMedia(url: url, publicId: publicId, resourceType: resourceType)
    }
}

/// The media service failed or refused: the request cannot complete, but it is not the
/// client's fault. 502, and the detail only in the log.
public struct MediaError: Error, APIErrorRepresentable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
    public var statusCode: Int { 502 }
    public var message: String { "Media storage failed, try again shortly" }
}

/// Chooses the backend from the environment: Cloudinary when all three `CLOUDINARY_*`
/// variables are set, the local folder (`MEDIA_DIR`, default `DATA_DIR/media`, so moving the data
/// moves the media with it) when none is.
/// `lookup` reads a setting by name, as a `Settings` lookup does: blank is unset.
public func connectMedia(_ lookup: (String) -> String?) throws(ConfigError) -> any MediaStorage {
    let names = ["CLOUDINARY_CLOUD_NAME", "CLOUDINARY_API_KEY", "CLOUDINARY_API_SECRET"]
    let values = names.map { lookup($0) }
    switch values.compactMap({ $0 }).count {
    case 0:
        return LocalMedia(folder: lookup("MEDIA_DIR") ?? (lookup("DATA_DIR") ?? "./data") + "/media")
    case 3:
        return CloudinaryMedia(CloudinarySettings(cloudName: values[0]!, apiKey: values[1]!, apiSecret: values[2]!))
    default:
        let missing = zip(names, values).filter { $0.1 == nil }.map(\.0).joined(separator: ", ")
        throw ConfigError(
            "set all of CLOUDINARY_CLOUD_NAME, CLOUDINARY_API_KEY and CLOUDINARY_API_SECRET, or none "
                + "(missing: \(missing))"
        )
    }
}

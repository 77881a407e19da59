/// What an uploaded file really is, decided by its first bytes ("magic numbers"), never by the
/// name or the `Content-Type` the client sent: both are whatever the client says they are.
public enum FileKind: String, Sendable, CaseIterable {
    case image, video

    /// The formats each kind accepts: a name, the extension the temp file gets, the MIME type.
    public struct Format: Sendable, Equatable {
        public let name: String
        public let fileExtension: String
        public let mimeType: String
        /// Which kind it is (also Cloudinary's resource type: "image" or "video").
        public var kind: FileKind { mimeType.hasPrefix("image/") ? .image : .video }
    }

    /// How many leading bytes `detect` needs to decide.
    public static let sniffLength = 12

    /// The format these leading bytes begin, if it is one of this kind's.
    public func detect(_ head: [UInt8]) -> Format? {
        guard let format = Self.sniff(head), format.kind == self else { return nil }
        return format
    }

    /// "an image (JPEG, PNG, GIF or WebP)", for error messages.
    public var accepted: String {
        switch self {
        case .image: "an image (JPEG, PNG, GIF or WebP)"
        case .video: "a video (MP4, MOV or WebM)"
        }
    }

    static func sniff(_ b: [UInt8]) -> Format? {
        func starts(_ prefix: [UInt8], at offset: Int = 0) -> Bool {
            b.count >= offset + prefix.count && Array(b[offset..<offset + prefix.count]) == prefix
        }
        if starts([0xFF, 0xD8, 0xFF]) { return Format(name: "JPEG", fileExtension: "jpg", mimeType: "image/jpeg") }
        if starts([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return Format(name: "PNG", fileExtension: "png", mimeType: "image/png") }
        if starts(Array("GIF87a".utf8)) || starts(Array("GIF89a".utf8)) { return Format(name: "GIF", fileExtension: "gif", mimeType: "image/gif") }
        if starts(Array("RIFF".utf8)) && starts(Array("WEBP".utf8), at: 8) {
            return Format(name: "WebP", fileExtension: "webp", mimeType: "image/webp")
        }
        if starts(Array("ftyp".utf8), at: 4) {
            // ISO base media: the brand says QuickTime or MP4 (isom, mp41, mp42, avc1, M4V…).
            return starts(Array("qt  ".utf8), at: 8)
                ? Format(name: "MOV", fileExtension: "mov", mimeType: "video/quicktime")
                : Format(name: "MP4", fileExtension: "mp4", mimeType: "video/mp4")
        }
        if starts([0x1A, 0x45, 0xDF, 0xA3]) { return Format(name: "WebM", fileExtension: "webm", mimeType: "video/webm") }
        return nil
    }
}

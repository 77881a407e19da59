/// What an uploaded file really is, decided by its first bytes ("magic numbers"), never by the
/// name or the `Content-Type` the client sent: both are whatever the client says they are.
///
/// Images are read a little past their magic: a PNG's first chunk must be a well-formed `IHDR`
/// (its CRC included), a JPEG's first segment a real marker, a GIF and a WebP must name a size
/// or a codec. A script with eight PNG bytes in front is not a PNG. (That alone does not make
/// a served file safe: the media routes also send `nosniff` and a sandboxing CSP.)
public enum FileKind: String, Sendable, CaseIterable {
    case image, video

    /// The formats each kind accepts: a name, the extension the temp file gets, the MIME type.
    public struct Format: Sendable, Equatable {
        public let name: String
        public let fileExtension: String
        public let mimeType: String
        /// Which kind it is, also Cloudinary's resource type: "image" or "video".
        public var kind: FileKind { mimeType.hasPrefix("image/") ? .image : .video }
    }

    /// How many leading bytes `detect` needs to decide: a PNG's signature and `IHDR` chunk.
    public static let sniffLength = 33

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
        func be32(_ at: Int) -> UInt32 { b[at..<at + 4].reduce(0) { $0 << 8 | UInt32($1) } }
        func le(_ at: Int, _ width: Int) -> UInt32 { b[at..<at + width].reversed().reduce(0) { $0 << 8 | UInt32($1) } }
        if starts([0xFF, 0xD8, 0xFF]) {
            // The first segment: a marker JPEG files start with (APPn, a table, a frame, a
            // comment), and a length that at least counts itself.
            guard b.count >= 6, jpegFirstMarkers.contains(b[3]), Int(b[4]) << 8 | Int(b[5]) >= 2 else { return nil }
            return Format(name: "JPEG", fileExtension: "jpg", mimeType: "image/jpeg")
        }
        if starts([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) {
            // IHDR: 13 bytes of width, height, depth, colour type, methods, then its CRC.
            guard b.count >= 33, be32(8) == 13, starts(Array("IHDR".utf8), at: 12) else { return nil }
            let width = be32(16), height = be32(20), depth = b[24], colour = b[25]
            guard (1...0x7FFF_FFFF).contains(width), (1...0x7FFF_FFFF).contains(height),
                [1, 2, 4, 8, 16].contains(depth),
                [0, 2, 3, 4, 6].contains(colour), b[26] == 0, b[27] == 0, b[28] <= 1, crc32(b[12..<29]) == be32(29)
            else { return nil }
            return Format(name: "PNG", fileExtension: "png", mimeType: "image/png")
        }
        if starts(Array("GIF87a".utf8)) || starts(Array("GIF89a".utf8)) {
            guard b.count >= 10, le(6, 2) > 0, le(8, 2) > 0 else { return nil }  // the screen's width and height
            return Format(name: "GIF", fileExtension: "gif", mimeType: "image/gif")
        }
        if starts(Array("RIFF".utf8)) && starts(Array("WEBP".utf8), at: 8) {
            // The RIFF size covers "WEBP" and a chunk; the first chunk names the codec.
            guard b.count >= 16, le(4, 4) >= 12,
                ["VP8 ", "VP8L", "VP8X"].contains(where: { starts(Array($0.utf8), at: 12) })
            else { return nil }
            return Format(name: "WebP", fileExtension: "webp", mimeType: "image/webp")
        }
        if starts(Array("ftyp".utf8), at: 4) {
            // ISO base media: the brand says QuickTime or MP4 (isom, mp41, mp42, avc1, M4V…).
            return starts(Array("qt  ".utf8), at: 8)
                ? Format(name: "MOV", fileExtension: "mov", mimeType: "video/quicktime")
                : Format(name: "MP4", fileExtension: "mp4", mimeType: "video/mp4")
        }
        if starts([0x1A, 0x45, 0xDF, 0xA3]) {
            return Format(name: "WebM", fileExtension: "webm", mimeType: "video/webm")
        }
        return nil
    }

    /// Markers a JPEG's first segment may have: SOF0–SOF15 (not DHT's C4, JPG's C8, DAC's CC:
    /// those are listed apart), DHT, DQT, DRI, APP0–APP15, COM.
    static let jpegFirstMarkers: Set<UInt8> = Set(0xC0...0xCF).union([0xDB, 0xDD, 0xFE]).union(0xE0...0xEF).subtracting(
        [0xC8])

    /// CRC-32 of ISO 3309, as PNG and zip use it, bit by bit: it runs on 17 bytes per upload.
    static func crc32(_ bytes: ArraySlice<UInt8>) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }
}

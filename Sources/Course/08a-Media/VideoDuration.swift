// A video's duration, read from the file itself for the local media folder (Cloudinary
// measures it for us). MP4 and MOV keep it in the `mvhd` box inside `moov`: a time scale
// (ticks per second) and a duration in ticks. Other formats (WebM) report 0.
//
// The file is the client's: every size in it is checked before it is used, so a crafted box
// (a 64-bit size near the end of the number range, an `mvhd` cut short) is "no duration",
// never a crash. Reads are buffered (64 kB at a time) and at most `maxBoxes` top-level boxes
// are walked, so a file of millions of tiny boxes costs a few reads, not millions.

import NIOCore
import NIOFileSystem

enum VideoDuration {
    /// Top-level boxes walked at most. A real file has a handful (ftyp, free, mdat, moov, udta);
    /// a crafted one may be nothing but millions of 8-byte boxes, and is given up on here.
    static let maxBoxes = 1024
    /// Bytes read from the file at a time: the box headers near each other come in one read.
    static let window = 64 * 1024

    static func read(_ path: String) async throws -> Double? {
        try await FileSystem.shared.withFileHandle(forReadingAt: FilePath(path)) { handle in
            let size = try await handle.info().size
            var buffered = ByteBuffer()
            var bufferedAt: Int64 = 0
            /// The 16 bytes at `offset` (fewer at the end of the file), from the window when it
            /// holds them, else from a new window read there.
            func header(at offset: Int64) async throws -> ByteBuffer {
                let end = bufferedAt + Int64(buffered.readableBytes)
                if offset < bufferedAt || offset + 16 > end {
                    buffered = try await handle.readChunk(fromAbsoluteOffset: offset, length: .bytes(Int64(window)))
                    bufferedAt = offset
                }
                let start = buffered.readerIndex + Int(offset - bufferedAt)
                return buffered.getSlice(at: start, length: min(16, buffered.writerIndex - start)) ?? ByteBuffer()
            }
            // Top-level boxes: [size:4][type:4], size 1 means a 64-bit size follows.
            var offset: Int64 = 0
            var walked = 0
            while offset + 8 <= size, walked < maxBoxes {
                walked += 1
                var header = try await header(at: offset)
                guard let short = header.readInteger(as: UInt32.self), let type = header.readString(length: 4) else {
                    return nil
                }
                var boxSize = Int64(short)
                var headerLength: Int64 = 8
                if short == 1 {
                    guard let long = header.readInteger(as: UInt64.self), long <= UInt64(Int64.max) else { return nil }
                    boxSize = Int64(long)
                    headerLength = 16
                } else if short == 0 {
                    boxSize = size - offset
                }
                guard boxSize >= headerLength else { return nil }
                if type == "moov" {
                    let length = min(boxSize - headerLength, 1 << 20)  // mvhd comes first in practice
                    let moov = try await handle.readChunk(
                        fromAbsoluteOffset: offset + headerLength, length: .bytes(length))
                    return mvhd(in: moov)
                }
                let (next, overflow) = offset.addingReportingOverflow(boxSize)
                guard !overflow else { return nil }
                offset = next
            }
            return nil
        }
    }

    /// Finds `mvhd` among `moov`'s children and converts its duration to seconds.
    static func mvhd(in moov: ByteBuffer) -> Double? {
        var buffer = moov
        while buffer.readableBytes >= 8 {
            guard let size = buffer.readInteger(as: UInt32.self), let type = buffer.readString(length: 4), size >= 8
            else { return nil }
            var body = buffer.readSlice(length: min(Int(size) - 8, buffer.readableBytes))!
            guard type == "mvhd" else { continue }
            guard let version = body.readInteger(as: UInt8.self), body.readableBytes >= 3 else { return nil }
            body.moveReaderIndex(forwardBy: 3)  // flags
            let timescale: UInt32?
            let duration: UInt64?
            if version == 1 {
                body.moveReaderIndex(forwardBy: min(16, body.readableBytes))
                timescale = body.readInteger()
                duration = body.readInteger()
            } else {
                body.moveReaderIndex(forwardBy: min(8, body.readableBytes))
                timescale = body.readInteger()
                duration = (body.readInteger() as UInt32?).map(UInt64.init)
            }
            guard let timescale, timescale > 0, let duration else { return nil }
            return Double(duration) / Double(timescale)
        }
        return nil
    }
}

// MongoDB's wire protocol, the part drivers speak today (mongodb.com/docs/manual/reference/mongodb-wire-protocol):
//
//     header: int32 messageLength, int32 requestID, int32 responseTo, int32 opCode   (little-endian)
//     OP_MSG (2013):   uint32 flagBits, then sections: kind 0 = one BSON document (the command),
//                      kind 1 = int32 size, cstring identifier, BSON documents (e.g. "documents")
//     OP_QUERY (2004): the legacy form drivers still open a connection with (`isMaster`)
//     OP_REPLY (1):    the legacy reply to an OP_QUERY
//
// Parsing checks every length against the bytes received; a malformed message is an error
// for the connection, never a crash.

import BSON
import NIOCore

enum OpCode: Int32 {
    case reply = 1
    case query = 2004
    case compressed = 2012
    case msg = 2013
}

enum WireRequest {
    /// A command (OP_MSG, or OP_QUERY on a `$cmd` collection), with document sequences merged in.
    case command(requestID: Int32, legacy: Bool, command: Document)
    case compressed(requestID: Int32)
}

struct WireError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

enum WireCodec {
    static let maxMessageSize = 48_000_000

    /// Parses one complete frame (header included).
    static func parse(_ frame: ByteBuffer) throws -> WireRequest {
        var buffer = frame
        guard let length = buffer.readInteger(endianness: .little, as: Int32.self),
            let requestID = buffer.readInteger(endianness: .little, as: Int32.self),
            buffer.readInteger(endianness: .little, as: Int32.self) != nil,
            let rawOpCode = buffer.readInteger(endianness: .little, as: Int32.self), Int(length) == frame.readableBytes
        else { throw WireError("truncated message header") }
        switch OpCode(rawValue: rawOpCode) {
        case .msg:
            return .command(requestID: requestID, legacy: false, command: try parseMsg(&buffer))
        case .query:
            return .command(requestID: requestID, legacy: true, command: try parseQuery(&buffer))
        case .compressed:
            return .compressed(requestID: requestID)
        default:
            throw WireError("unsupported opCode \(rawOpCode)")
        }
    }

    private static func readDocument(_ buffer: inout ByteBuffer) throws -> Document {
        guard let size = buffer.getInteger(at: buffer.readerIndex, endianness: .little, as: Int32.self), size >= 5,
            let bytes = buffer.readBytes(length: Int(size))
        else { throw WireError("truncated BSON document") }
        do { return try Document(bsonBytes: bytes) } catch { throw WireError("malformed BSON: \(error)") }
    }

    private static func readCString(_ buffer: inout ByteBuffer) throws -> String {
        guard let end = buffer.readableBytesView.firstIndex(of: 0) else { throw WireError("unterminated string") }
        let string = buffer.readString(length: end - buffer.readerIndex) ?? ""
        buffer.moveReaderIndex(forwardBy: 1)
        return string
    }

    private static func parseMsg(_ buffer: inout ByteBuffer) throws -> Document {
        guard let flags = buffer.readInteger(endianness: .little, as: UInt32.self) else { throw WireError("truncated OP_MSG") }
        if flags & ~UInt32(0x1 | 0x2 | 0x10000) != 0 { throw WireError("unknown required OP_MSG flag bits \(flags)") }
        var end = buffer.writerIndex
        if flags & 0x1 != 0 { end -= 4 }  // checksumPresent: CRC-32C trailer, not verified
        var body: Document?
        var sequences: [(String, [Document])] = []
        while buffer.readerIndex < end {
            guard let kind = buffer.readInteger(as: UInt8.self) else { throw WireError("truncated section") }
            switch kind {
            case 0:
                guard body == nil else { throw WireError("OP_MSG has two body sections") }
                body = try readDocument(&buffer)
            case 1:
                let start = buffer.readerIndex
                guard let size = buffer.readInteger(endianness: .little, as: Int32.self), size >= 5, start + Int(size) <= end else {
                    throw WireError("bad document sequence size")
                }
                let identifier = try readCString(&buffer)
                var documents: [Document] = []
                while buffer.readerIndex < start + Int(size) { documents.append(try readDocument(&buffer)) }
                guard buffer.readerIndex == start + Int(size) else { throw WireError("document sequence overruns its size") }
                sequences.append((identifier, documents))
            default:
                throw WireError("unknown OP_MSG section kind \(kind)")
            }
        }
        guard var command = body else { throw WireError("OP_MSG without a body") }
        for (identifier, documents) in sequences { command[identifier] = .array(documents.map(BSONValue.document)) }
        return command
    }

    private static func parseQuery(_ buffer: inout ByteBuffer) throws -> Document {
        guard buffer.readInteger(endianness: .little, as: Int32.self) != nil else { throw WireError("truncated OP_QUERY") }
        let collection = try readCString(&buffer)
        guard buffer.readInteger(endianness: .little, as: Int32.self) != nil, buffer.readInteger(endianness: .little, as: Int32.self) != nil else {
            throw WireError("truncated OP_QUERY")
        }
        var query = try readDocument(&buffer)
        guard collection.hasSuffix(".$cmd") else { throw WireError("OP_QUERY is only supported for commands, not on \(collection)") }
        if case .document(let inner)? = query["$query"] ?? query["query"], query.first?.key.hasPrefix("$") == true { query = inner }
        query["$db"] = .string(String(collection.dropLast(5)))
        return query
    }

    /// An OP_MSG reply.
    static func msgReply(responseTo: Int32, requestID: Int32, _ document: Document) -> ByteBuffer {
        let bytes = document.bsonBytes
        var out = ByteBuffer()
        out.reserveCapacity(21 + bytes.count)
        out.writeInteger(Int32(21 + bytes.count), endianness: .little)
        out.writeInteger(requestID, endianness: .little)
        out.writeInteger(responseTo, endianness: .little)
        out.writeInteger(OpCode.msg.rawValue, endianness: .little)
        out.writeInteger(UInt32(0), endianness: .little)
        out.writeInteger(UInt8(0))
        out.writeBytes(bytes)
        return out
    }

    /// An OP_REPLY, the answer to a legacy OP_QUERY.
    static func queryReply(responseTo: Int32, requestID: Int32, _ document: Document) -> ByteBuffer {
        let bytes = document.bsonBytes
        var out = ByteBuffer()
        out.writeInteger(Int32(36 + bytes.count), endianness: .little)
        out.writeInteger(requestID, endianness: .little)
        out.writeInteger(responseTo, endianness: .little)
        out.writeInteger(OpCode.reply.rawValue, endianness: .little)
        out.writeInteger(Int32(8), endianness: .little)  // responseFlags: AwaitCapable
        out.writeInteger(Int64(0), endianness: .little)  // cursorID
        out.writeInteger(Int32(0), endianness: .little)  // startingFrom
        out.writeInteger(Int32(1), endianness: .little)  // numberReturned
        out.writeBytes(bytes)
        return out
    }
}

/// Splits the byte stream into whole messages by their length prefix.
struct FrameDecoder: ByteToMessageDecoder {
    typealias InboundOut = ByteBuffer

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let length = buffer.getInteger(at: buffer.readerIndex, endianness: .little, as: Int32.self) else { return .needMoreData }
        guard length >= 16, Int(length) <= WireCodec.maxMessageSize else {
            throw WireError("message length \(length) is outside 16...\(WireCodec.maxMessageSize)")
        }
        guard let frame = buffer.readSlice(length: Int(length)) else { return .needMoreData }
        context.fireChannelRead(wrapInboundOut(frame))
        return .continue
    }
}

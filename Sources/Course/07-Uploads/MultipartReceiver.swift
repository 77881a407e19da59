// The parser behind `Uploads.receive`: MultipartKit's callbacks turned into temp files and
// text fields, one chunk of the body at a time. Read `Uploads.swift` first; this is the
// machinery under it.

import Exercises
import Foundation
import Hummingbird
import MultipartKit
import NIOCore
import NIOFileSystem

/// One request's parse: MultipartKit's parser reports headers, body bytes and part ends through
/// callbacks; they are queued as events and handled (with file writes) after each chunk.
/// Consecutive body bytes are gathered into one event as they are reported: a file of `\r`
/// bytes makes the parser report every byte on its own, and an event (and a disk write) per
/// byte cost megabytes per chunk and a write per byte.
final class Receiver {
    enum Event {
        case header(String, String)
        case body([UInt8])
        case partEnd
    }

    enum Part {
        case text(name: String, bytes: [UInt8])
        case file(FileField, clientName: String, head: [UInt8], size: Int, output: Output?)
        case skipped  // a file input left empty by the browser (no name, no bytes)
    }

    struct Output {
        let handle: WriteFileHandle
        let path: FilePath
        let format: FileKind.Format
    }

    let settings: UploadSettings
    let expected: [String: FileField]
    var events: [Event] = []
    /// Body bytes reported since the last header or part end, not yet queued.
    var pendingBody: [UInt8] = []
    var headers: [(String, String)] = []
    var part: Part?
    var fields: [String: String] = [:]
    var fieldBytes = 0
    var files: [String: UploadedFile] = [:]
    var written: [FilePath] = []
    var open: WriteFileHandle?
    /// Bytes of the body so far; of the current part's headers; of body chunks that arrived while
    /// no part had started (a header line the parser is still buffering); parts started.
    var received = 0
    var headerBytes = 0
    var bytesBeforePart = 0
    var parts = 0

    init(settings: UploadSettings, expected: [FileField]) {
        self.settings = settings
        self.expected = Dictionary(expected.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
    }

    func read(_ request: Request) async throws -> UploadedForm {
        guard let boundary = Self.boundary(request.headers[.contentType]) else { throw UploadError.notMultipart }
        let parser = MultipartParser(boundary: boundary)
        parser.onHeader = { [unowned self] name, value in
            queueBody()
            events.append(.header(name, value))
        }
        parser.onBody = { [unowned self] buffer in pendingBody.append(contentsOf: buffer.readableBytesView) }
        parser.onPartComplete = { [unowned self] in
            queueBody()
            events.append(.partEnd)
        }
        let maxBody = settings.maxBodyBytes(for: Array(expected.values))
        let deadline = ContinuousClock.now + .seconds(settings.timeout)
        var chunks = request.body.makeAsyncIterator()
        while let chunk = try await Self.next(&chunks) {
            guard ContinuousClock.now < deadline else { throw UploadError.timedOut(seconds: settings.timeout) }
            received += chunk.readableBytes
            guard received <= maxBody else { throw UploadError.bodyTooLarge(limit: maxBody) }
            if part == nil { bytesBeforePart += chunk.readableBytes }  // still reading a part's headers
            do { try parser.execute(chunk) } catch { throw UploadError.malformed }
            queueBody()
            for event in events { try await handle(event) }
            events.removeAll(keepingCapacity: true)
            // A part whose headers go on and on is refused before they grow further.
            guard part != nil || bytesBeforePart <= settings.maxPartHeaderBytes + 1024 else {
                throw UploadError.headersTooLarge(limit: settings.maxPartHeaderBytes)
            }
        }
        // A body cut off before its closing boundary leaves a part open (or none at all).
        guard part == nil, headers.isEmpty, parts > 0 else { throw UploadError.malformed }
        for field in expected.values.sorted(by: { $0.name < $1.name }) where field.required && files[field.name] == nil
        {
            throw UploadError.missingFile(field.name)
        }
        return UploadedForm(fields: fields, files: files)
    }

    func handle(_ event: Event) async throws {
        switch event {
        case .header(let name, let value):
            headerBytes += name.utf8.count + value.utf8.count
            guard headerBytes <= settings.maxPartHeaderBytes else {
                throw UploadError.headersTooLarge(limit: settings.maxPartHeaderBytes)
            }
            headers.append((name, value))
        case .body(let bytes):
            try await handle(bytes)
        case .partEnd:
            if part == nil { part = try start() }
            try await finish()
        }
    }

    /// Queues the body bytes gathered so far as one event.
    func queueBody() {
        guard !pendingBody.isEmpty else { return }
        events.append(.body(pendingBody))
        pendingBody.removeAll(keepingCapacity: true)
    }

    /// Body bytes of the current part (the part starts with its first bytes).
    func handle(_ bytes: [UInt8]) async throws {
        if part == nil { part = try start() }
        try await feed(bytes)
    }

    /// The next chunk of the body; a connection that breaks off is `.interrupted`.
    static func next(_ chunks: inout RequestBody.AsyncIterator) async throws -> ByteBuffer? {
        do { return try await chunks.next() } catch { throw UploadError.interrupted }
    }

    /// A new part, from its `Content-Disposition: form-data; name="…"; filename="…"`.
    func start() throws -> Part {
        defer {
            headers.removeAll()
            headerBytes = 0
            bytesBeforePart = 0
        }
        parts += 1
        guard parts <= settings.maxParts else { throw UploadError.tooManyParts(limit: settings.maxParts) }
        guard let disposition = headers.first(where: { $0.0.lowercased() == "content-disposition" })?.1,
            let parameters = Self.parameters(disposition), let name = parameters["name"], !name.isEmpty
        else { throw UploadError.malformed }
        guard let clientName = parameters["filename"] else {
            // A field's name counts against the fields' limit, as its value does.
            fieldBytes += name.utf8.count
            guard fieldBytes <= settings.maxFieldBytes else {
                throw UploadError.fieldsTooLarge(limit: settings.maxFieldBytes)
            }
            return .text(name: name, bytes: [])
        }
        guard let field = expected[name] else {
            // Browsers send an empty part for a file input left empty: not a file at all.
            if clientName.isEmpty { return .skipped }
            throw UploadError.unexpectedFile(name)
        }
        guard files[name] == nil else { throw UploadError.repeatedFile(name) }
        return .file(field, clientName: clientName, head: [], size: 0, output: nil)
    }

    func feed(_ bytes: [UInt8]) async throws {
        switch part {
        case .text(let name, var text):
            fieldBytes += bytes.count
            guard fieldBytes <= settings.maxFieldBytes else {
                throw UploadError.fieldsTooLarge(limit: settings.maxFieldBytes)
            }
            text += bytes
            part = .text(name: name, bytes: text)
        case .file(let field, let clientName, var head, var size, var output):
            size += bytes.count
            // EXERCISE 7.1: multer's limits: a file larger than its kind allows is refused
            guard size <= settings.limit(for: field.kind) else {
                throw UploadError.tooLarge(field.name, limit: settings.limit(for: field.kind))
            }
            // END EXERCISE 7.1
            if let output {
                try await output.handle.write(contentsOf: bytes, toAbsoluteOffset: Int64(size - bytes.count))
            } else {
                head += bytes
                if head.count >= FileKind.sniffLength {
                    output = try await create(field, head: head)
                    head = []
                }
            }
            part = .file(field, clientName: clientName, head: head, size: size, output: output)
        case .skipped:
            guard bytes.isEmpty else { throw UploadError.malformed }
        case nil:
            throw UploadError.malformed
        }
    }

    func finish() async throws {
        switch part {
        case .text(let name, let bytes):
            fields[name] = String(decoding: bytes, as: UTF8.self)
        case .file(let field, let clientName, let head, let size, var output):
            if size == 0, clientName.isEmpty {
                break  // an empty file input
            }
            if output == nil { output = try await create(field, head: head) }  // a file shorter than the sniff length
            guard let output else { throw UploadError.malformed }
            try await output.handle.close()
            open = nil
            files[field.name] = UploadedFile(
                field: field.name, path: output.path.string, size: size, format: output.format, clientName: clientName)
        case .skipped, nil:
            break
        }
        part = nil
    }

    /// Checks the leading bytes, then opens `<temp>/<random>.<ext>` and writes them.
    func create(_ field: FileField, head: [UInt8]) async throws -> Output {
        guard let format = field.kind.detect(head) else { throw UploadError.wrongType(field.name, field.kind) }
        let folder = FilePath(settings.tempFolder)
        try await FileSystem.shared.createDirectory(at: folder, withIntermediateDirectories: true, permissions: nil)
        let path = folder.appending("\(UUID().uuidString.lowercased()).\(format.fileExtension)")
        let handle = try await FileSystem.shared.openFile(forWritingAt: path, options: .newFile(replaceExisting: false))
        written.append(path)
        open = handle
        try await handle.write(contentsOf: head, toAbsoluteOffset: 0)
        return Output(handle: handle, path: path, format: format)
    }

    /// Discards the file being written and deletes every finished one. A file is written
    /// "transactionally" (NIOFileSystem opens it with Linux's `O_TMPFILE`): it has no name until
    /// it is closed with its changes made visible, so a half-received file is dropped by closing
    /// it without them, and is never seen by anyone, even if the process dies. `unlink` is one
    /// quick system call, made directly so that a cancelled task cannot skip it.
    func removeAll() async {
        if let open { try? await open.close(makeChangesVisible: false) }
        open = nil
        for path in written { unlink(path.string) }
        written.removeAll()
    }

    /// The boundary of a `multipart/form-data` Content-Type, if that is what it is.
    static func boundary(_ contentType: String?) -> String? {
        guard let contentType, let parameters = parameters(contentType),
            contentType.lowercased().hasPrefix("multipart/form-data"), let boundary = parameters["boundary"],
            (1...70).contains(boundary.count)
        else { return nil }
        return boundary
    }

    /// `value; key=token; key="quoted \"text\""` → the keys (lowercased) and their values.
    static func parameters(_ header: String) -> [String: String]? {
        var result: [String: String] = [:]
        var rest = Substring(header)
        guard let first = rest.firstIndex(of: ";") else { return [:] }
        rest = rest[rest.index(after: first)...]
        while !rest.isEmpty {
            rest = rest.drop(while: { $0 == " " || $0 == ";" })
            guard let equals = rest.firstIndex(of: "=") else { break }
            let key = rest[..<equals].trimmingCharacters(in: .whitespaces).lowercased()
            rest = rest[rest.index(after: equals)...]
            var value = ""
            if rest.first == "\"" {
                rest = rest.dropFirst()
                var escaped = false
                var closed = false
                while let ch = rest.first {
                    rest = rest.dropFirst()
                    if escaped {
                        value.append(ch); escaped = false
                    } else if ch == "\\" {
                        escaped = true
                    } else if ch == "\"" {
                        closed = true; break
                    } else {
                        value.append(ch)
                    }
                }
                guard closed else { return nil }
            } else {
                let end = rest.firstIndex(of: ";") ?? rest.endIndex
                value = rest[..<end].trimmingCharacters(in: .whitespaces)
                rest = rest[end...]
            }
            result[key] = value
        }
        return result
    }
}

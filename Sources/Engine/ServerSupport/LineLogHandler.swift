// Where the request log's lines go. Chapter 02's `runServer` bootstraps it; it lives in the engine
// because it is a speed-up, not a concept of the course. swift-log's own `StreamLogHandler` is its
// simple handler, not one for a line per request: it formats the metadata again every time a value
// is set (Hummingbird sets the request id on every request's logger, logged or not), asks
// `localtime` for the time zone on every line, and writes through a locked, flushed `FILE`. Measured
// on the healthcheck (`make bench`), those cost more than our whole middleware stack.
// `LineLogHandler` keeps swift-log's API and does the same job with less: metadata is formatted
// only when a line is written, the time is UTC from one `clock_gettime`, and the line leaves in
// one `write(2)`.
//
//     2026-11-26T09:14:03.412Z info videotube: GET /api/v1/healthcheck 200 0.1ms hb.request.id=4f2e…

import Logging
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

public struct LineLogHandler: LogHandler {
    public var logLevel: Logger.Level = .info
    public var metadataProvider: Logger.MetadataProvider?
    /// Set per request by Hummingbird (the request id): stored, not formatted, until a line is written.
    public var metadata: Logger.Metadata = [:]
    private let label: String
    private let descriptor: Int32

    /// A handler writing to standard output, for `LoggingSystem.bootstrap`.
    public static func standardOutput(label: String) -> LineLogHandler {
        LineLogHandler(label: label, descriptor: STDOUT_FILENO, metadataProvider: LoggingSystem.metadataProvider)
    }

    public init(label: String, descriptor: Int32, metadataProvider: Logger.MetadataProvider? = nil) {
        self.label = label
        self.descriptor = descriptor
        self.metadataProvider = metadataProvider
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var line = ""
        line.reserveCapacity(192)
        Self.appendTimestamp(to: &line)
        line += " "
        line += event.level.rawValue
        line += " "
        line += label
        line += ": "
        line += event.message.description
        let provided = metadataProvider?.get() ?? [:]
        if provided.isEmpty, event.metadata?.isEmpty ?? true, event.error == nil {
            // The common case, the logger's own metadata alone (a request's id): no merge.
            Self.append(metadata, to: &line)
        } else {
            var all = metadata
            all.merge(provided) { $1 }
            all.merge(event.metadata ?? [:]) { $1 }
            if let error = event.error { all["error"] = "\(error)" }
            Self.append(all, to: &line)
        }
        line += "\n"
        line.withUTF8 { Self.writeAll($0, to: descriptor) }
    }

    /// ` key=value` for each entry, in key order.
    private static func append(_ metadata: Logger.Metadata, to line: inout String) {
        if metadata.count == 1, let (key, value) = metadata.first {
            line += " \(key)=\(value)"
            return
        }
        for key in metadata.keys.sorted() { line += " \(key)=\(metadata[key]!)" }
    }

    /// One `write(2)` for the whole line (a short write or an interrupt resumes where it stopped),
    /// so lines from two threads never interleave mid-line. A failed write drops the line: the
    /// log must never stop the server.
    private static func writeAll(_ bytes: UnsafeBufferPointer<UInt8>, to descriptor: Int32) {
        guard var next = bytes.baseAddress else { return }
        var left = bytes.count
        while left > 0 {
            let written = write(descriptor, next, left)
            if written < 0 {
                if errno == EINTR { continue }
                return
            }
            next += written
            left -= written
        }
    }

    /// The current second's text, `2026-11-26T09:14:03.`, made once a second, not once a line.
    private static let second = Mutex<(seconds: Int, text: String)>((-1, ""))

    /// `2026-11-26T09:14:03.412Z`: UTC, so no time-zone file is consulted, with milliseconds.
    static func appendTimestamp(to line: inout String) {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        line += second.withLock { cached in
            if cached.seconds != Int(now.tv_sec) { cached = (Int(now.tv_sec), secondText(now.tv_sec)) }
            return cached.text
        }
        let millis = Int(now.tv_nsec) / 1_000_000
        line.unicodeScalars.append(Unicode.Scalar(UInt8(48 + millis / 100)))
        line.unicodeScalars.append(Unicode.Scalar(UInt8(48 + millis / 10 % 10)))
        line.unicodeScalars.append(Unicode.Scalar(UInt8(48 + millis % 10)))
        line += "Z"
    }

    private static func secondText(_ time: time_t) -> String {
        var seconds = time
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func two(_ n: Int32) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return
            "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))T\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec))."
    }
}

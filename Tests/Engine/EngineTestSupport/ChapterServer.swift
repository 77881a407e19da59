// Test helpers for chapter servers: start one as a learner would and wait for its
// "Server is running" line; talk to it over a plain TCP socket.

import Foundation

public final class ChapterServer: @unchecked Sendable {
    public let pid: Int32
    public let startupLine: String
    /// The (fresh, empty) folder it runs in.
    public var directory: URL { process.currentDirectoryURL! }
    private let process: Process
    private let output: Pipe
    private var collected = Data()

    /// Starts `product` on `port` in an empty folder and waits until it listens.
    public static func start(_ product: String, port: Int, environment: [String: String] = [:]) throws -> ChapterServer {
        let process = Process()
        process.executableURL = ChapterProcess.productsDirectory.appendingPathComponent(product)
        var env = environment
        env["PORT"] = String(port)
        env["PATH"] = ProcessInfo.processInfo.environment["PATH"]
        process.environment = env
        process.currentDirectoryURL = try ChapterProcess.scratchDirectory()
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        // Bytes are read one at a time (nothing past the line is taken from the pipe) and decoded
        // a whole line at a time, so a character of several bytes (the line's "—") stays whole.
        var bytes = Data()
        var text = ""
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            guard let chunk = try pipe.fileHandleForReading.read(upToCount: 1), !chunk.isEmpty else { break }
            bytes += chunk
            guard chunk.first == UInt8(ascii: "\n") else { continue }
            text = String(decoding: bytes, as: UTF8.self)
            if let line = text.split(separator: "\n").first(where: { $0.contains("Server is running at") }) {
                return ChapterServer(process: process, output: pipe, startupLine: String(line), collected: bytes)
            }
        }
        text = String(decoding: bytes, as: UTF8.self)
        kill(process.processIdentifier, SIGKILL)
        throw MockupError("\(product) did not start listening: \(text)")
    }

    private init(process: Process, output: Pipe, startupLine: String, collected: Data) {
        self.process = process
        self.output = output
        self.pid = process.processIdentifier
        self.startupLine = startupLine
        self.collected = collected
    }

    /// Waits for the process to exit (killing it after `timeout` seconds) and returns its output.
    public func wait(timeout: Double) -> ChapterRun {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning { kill(pid, SIGKILL) }
        process.waitUntilExit()
        collected.append(output.fileHandleForReading.readDataToEndOfFile())
        return ChapterRun(status: process.terminationStatus, output: String(decoding: collected, as: UTF8.self))
    }

    public func stop() {
        if process.isRunning { kill(pid, SIGKILL) }
    }
}

/// A blocking TCP client on 127.0.0.1, for sending a request in pieces.
public final class RawSocket: @unchecked Sendable {  // one fd; send and recv may run on two threads, as on any socket
    let fd: Int32

    /// Connects; `receiveAll` gives up after `timeoutSeconds` without data.
    public init(port: Int, timeoutSeconds: Int = 30) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else { throw MockupError("cannot connect to port \(port)") }
    }

    public func send(_ text: String) throws { try send(bytes: Array(text.utf8)) }

    /// Sends bytes; a peer that has closed is an error, not a SIGPIPE that ends the test process.
    public func send(bytes: [UInt8]) throws {
        guard Foundation.send(fd, bytes, bytes.count, Int32(MSG_NOSIGNAL)) == bytes.count else { throw MockupError("send failed") }
    }

    /// True once `receiveAll` saw the server close the connection (rather than time out).
    public private(set) var closedByPeer = false

    /// Everything the server sends until it closes the connection (or the timeout passes).
    public func receiveAll() throws -> String {
        var data = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n == 0 { closedByPeer = true }
            if n <= 0 { break }
            data += buffer[0..<n]
        }
        return String(decoding: data, as: UTF8.self)
    }

    private var isOpen = true

    /// Closes the connection now, as a client that goes away does.
    public func disconnect() {
        if isOpen { close(fd) }
        isOpen = false
    }

    deinit { disconnect() }
}

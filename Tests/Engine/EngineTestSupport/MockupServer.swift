// Test helper: runs `mockup_server.py` (MockupDB) as a child process, so a test can point the
// real libmongoc driver at a scripted server and then read back the exact commands it sent.

import BSON
import Foundation
import Testing

public final class MockupServer: @unchecked Sendable {
    public let port: Int
    private let process: Process
    private let logURL: URL
    private let folder: URL

    /// Where Debian's python3-mockupdb lives; the test is skipped with this reason when absent.
    public static let python = "/usr/bin/python3"
    public static var isAvailable: Bool {
        let check = Process()
        check.executableURL = URL(fileURLWithPath: python)
        check.arguments = ["-c", "import mockupdb"]
        check.standardOutput = FileHandle.nullDevice
        check.standardError = FileHandle.nullDevice
        guard (try? check.run()) != nil else { return false }
        check.waitUntilExit()
        return check.terminationStatus == 0
    }

    /// Starts a server whose replies are `scenario`: Extended JSON text mapping command names to
    /// lists of replies.
    public init(scenario: String) throws {
        let script = Bundle.module.url(forResource: "mockup_server", withExtension: "py")!
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("mockup-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let scenarioURL = folder.appendingPathComponent("scenario.json")
        logURL = folder.appendingPathComponent("commands.log")
        try scenario.write(to: scenarioURL, atomically: true, encoding: .utf8)
        FileManager.default.createFile(atPath: logURL.path, contents: nil)

        process = Process()
        process.executableURL = URL(fileURLWithPath: Self.python)
        process.arguments = [script.path, scenarioURL.path, logURL.path]
        let stdout = Pipe()
        process.standardOutput = stdout
        try process.run()
        // The first line is "PORT <n>".
        var line = Data()
        while let byte = try stdout.fileHandleForReading.read(upToCount: 1), !byte.isEmpty, byte != Data("\n".utf8) {
            line.append(byte)
        }
        guard let text = String(data: line, encoding: .utf8), text.hasPrefix("PORT "), let port = Int(text.dropFirst(5)) else {
            process.terminate()
            throw MockupError("mockup_server.py did not start (said: \(String(decoding: line, as: UTF8.self)))")
        }
        self.port = port
    }

    /// Runs in CI always (where a missing python3-mockupdb must fail, not skip); elsewhere
    /// tests that need it are skipped, by name, when the package is not installed.
    public static var shouldRun: Bool { isAvailable || ProcessInfo.processInfo.environment["CI"] != nil }
    public static let skipReason: Comment = "python3-mockupdb is not installed (apt-get install python3-mockupdb)"

    public var uri: String { "mongodb://127.0.0.1:\(port)/?serverSelectionTimeoutMS=2000" }

    /// Every command received so far, oldest first, handshakes excluded.
    public func commands() throws -> [Document] {
        let text = try String(contentsOf: logURL, encoding: .utf8)
        return try text.split(separator: "\n").map { try Document(extendedJSON: String($0)) }
    }

    /// The received commands named `name` (the command name is the first key).
    public func commands(named name: String) throws -> [Document] {
        try commands().filter { $0.first?.key == name }
    }

    public func stop() {
        if process.isRunning {
            // SIGKILL, not terminate(): the child may inherit an ignored SIGTERM from the test
            // runner, and a scripted mock has nothing to save.
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: folder)
    }

    deinit { stop() }
}

public struct MockupError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

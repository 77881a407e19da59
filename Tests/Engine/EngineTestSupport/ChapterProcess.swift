// Test helper: runs a chapter's built executable as a learner would, with a chosen
// environment and working directory, and collects its exit status and output.

import Foundation

public struct ChapterRun: Sendable {
    public let status: Int32
    public let output: String
}

public enum ChapterProcess {
    /// The folder holding the built products (next to the running test bundle).
    public static var productsDirectory: URL {
        URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
    }

    /// Runs `product` with exactly `environment` (plus PATH and HOME), in `directory`, and waits
    /// up to `timeout` seconds; a run that outlives it is killed and reported as status -9.
    public static func run(
        _ product: String, environment: [String: String] = [:], in directory: URL? = nil, timeout: Double = 30
    ) throws -> ChapterRun {
        let process = Process()
        process.executableURL = productsDirectory.appendingPathComponent(product)
        var env = environment
        let inherited = ProcessInfo.processInfo.environment
        env["PATH"] = inherited["PATH"]
        env["HOME"] = inherited["HOME"]
        process.environment = env
        if let directory { process.currentDirectoryURL = directory }
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let status = process.terminationReason == .uncaughtSignal ? -process.terminationStatus : process.terminationStatus
        return ChapterRun(status: status, output: String(decoding: data, as: UTF8.self))
    }

    /// A fresh empty folder to run in (so no stray `.env` is picked up).
    public static func scratchDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("chapter-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}

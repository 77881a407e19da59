// Independent implementations to check interoperability against: Python's `bcrypt` (pyca) and
// `PyJWT`, from the project's virtual environment (`make test` creates `.venv` with them).
// Without it the interop tests are skipped by name, except under CI, where they must run.

import Foundation

public enum PythonHelpers {
    /// `<package root>/.venv/bin/python`: the package root is the first folder above this file
    /// that holds Package.swift (so moving this file cannot quietly point it elsewhere, which
    /// would turn the interop tests into skips).
    public static var python: URL {
        var folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while !FileManager.default.fileExists(atPath: folder.appendingPathComponent("Package.swift").path), folder.path != "/" {
            folder.deleteLastPathComponent()
        }
        return folder.appendingPathComponent(".venv/bin/python")
    }

    public static let isAvailable: Bool = (try? run("import bcrypt, jwt")) != nil
    public static var shouldRun: Bool { isAvailable || ProcessInfo.processInfo.environment["CI"] != nil }
    public static let skipReason: String = "the .venv with bcrypt and PyJWT is missing (make test creates it)"

    /// Runs a Python script with `arguments` (as `sys.argv[1:]`) and returns its standard output,
    /// trimmed; a non-zero exit throws with its standard error.
    @discardableResult
    public static func run(_ script: String, _ arguments: [String] = []) throws -> String {
        let process = Process()
        process.executableURL = python
        process.arguments = ["-c", script] + arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let output = out.fileHandleForReading.readDataToEndOfFile()
        let errors = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw MockupError("python failed: \(String(decoding: errors, as: UTF8.self))") }
        return String(decoding: output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

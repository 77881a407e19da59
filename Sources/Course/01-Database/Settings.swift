// Settings: what the course's `dotenv` does, in one place.
//
// `import dotenv from "dotenv"; dotenv.config({path: "./.env"})` loads a `.env` file into
// `process.env` without overriding variables that are already set. `Settings.load()` does the
// same with Hummingbird's `.dotEnv()`, and every setting is then read through one subscript,
// where a variable set to nothing, like `MONGODB_URI=` in a copied `.env.sample`, counts as unset.

import Hummingbird

/// The process's settings: `.env`, when there is one, under the real environment, which wins.
public struct Settings: Sendable {
    private let environment: Environment

    /// Settings from exactly these values, for tests and tools.
    public init(_ values: [String: String] = [:]) {
        environment = Environment(values: values)
    }

    /// Reads `.env` in the working directory, if any, and the process's environment over it.
    public static func load() async throws -> Settings {
        Settings(environment: try await Environment.dotEnv().merging(with: Environment()))
    }

    private init(environment: Environment) { self.environment = environment }

    /// The value of `name`, trimmed; nil when it is unset, empty or only blanks.
    public subscript(name: String) -> String? {
        guard let value = environment.get(name)?.trimmingCharacters(in: .whitespaces), !value.isEmpty else {
            return nil
        }
        return value
    }

    /// The subscript as a function, for settings types that read by name.
    public var lookup: @Sendable (String) -> String? { { self[$0] } }
}

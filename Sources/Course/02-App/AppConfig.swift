// What the app reads from the environment, as `.env.sample` lists it: the Swift side of the course's
// `process.env.PORT`, `process.env.CORS_ORIGIN` and friends, read once at start-up.

import Database
import Hummingbird
import Logging

public struct AppConfig: Sendable {
    /// `PORT`, 8000 by default.
    public var port: Int
    /// `HOST`, 127.0.0.1 by default. 0.0.0.0 listens on every interface, as in a container.
    public var host: String
    /// `CORS_ORIGIN`: the origins allowed to call the API with cookies, comma-separated; `none`
    /// for no other origin. Unset: `devOrigins`, where vite serves a frontend in development.
    public var corsOrigins: [String]
    /// Whether `corsOrigins` is `devOrigins` because `CORS_ORIGIN` is not set. The start-up says so.
    public var corsDefaulted = false

    /// The origins a frontend's dev server uses by default: vite's port 5173.
    public static let devOrigins = ["http://localhost:5173", "http://127.0.0.1:5173"]
    /// Static files are served from this folder at `/`: `public` by default.
    public var publicFolder: String
    /// Cookie attributes for the auth cookies.
    public var cookies: CookieSettings
    /// `HTTP_IDLE_TIMEOUT` seconds (60): a connection with nothing arriving is closed.
    public var idleTimeout: Int
    /// `HTTP_HEADER_TIMEOUT` seconds (10): a request's head must arrive whole within it.
    public var headerTimeout: Int
    /// `QUERY_TIMEOUT_MS` (3000): the time each database query of a request may take; past it
    /// the request answers 503. See Extras/QueryTimeLimit.swift.
    public var queryTimeout: Int
    /// `SHUTDOWN_GRACE` seconds (30): after SIGTERM or Ctrl-C, how long requests in flight may
    /// take to finish before the process exits without them.
    public var shutdownGrace: Int
    /// `LOG_LEVEL`: `info` by default, one line per request. `notice` keeps the start and stop
    /// lines and warnings but drops the per-request line; `debug` and `trace` say more.
    public var logLevel: Logger.Level
    /// Every setting, `.env` merged under the real environment. Later chapters read their own
    /// from it: `BCRYPT_COST`, the token secrets.
    public var settings: Settings

    /// `express.json({limit: "16kb"})` and `express.urlencoded({limit: "16kb"})`.
    public static let bodyLimit = 16 * 1024

    public init(
        port: Int = 8000, host: String = "127.0.0.1", corsOrigins: [String] = [], publicFolder: String = "public",
        cookies: CookieSettings = CookieSettings(), settings: Settings = Settings(), idleTimeout: Int = 60,
        headerTimeout: Int = 10,
        logLevel: Logger.Level = .info, queryTimeout: Int = 3000, shutdownGrace: Int = 30
    ) {
        self.shutdownGrace = shutdownGrace
        self.logLevel = logLevel
        self.queryTimeout = queryTimeout
        self.idleTimeout = idleTimeout
        self.headerTimeout = headerTimeout
        self.port = port
        self.host = host
        self.corsOrigins = corsOrigins
        self.publicFolder = publicFolder
        self.cookies = cookies
        self.settings = settings
    }

    public init(_ settings: Settings) throws(ConfigError) {
        var port = 8000
        if let text = settings["PORT"] {
            guard let p = Int(text), (1...65535).contains(p) else {
                throw ConfigError("PORT must be a number from 1 to 65535, not \"\(text)\"")
            }
            port = p
        }
        func seconds(_ name: String, _ fallback: Int) throws(ConfigError) -> Int {
            guard let text = settings[name] else { return fallback }
            guard let n = Int(text), n > 0 else {
                throw ConfigError("\(name) must be a number of seconds, 1 or more, not \"\(text)\"")
            }
            return n
        }
        func milliseconds(_ name: String, _ fallback: Int) throws(ConfigError) -> Int {
            guard let text = settings[name] else { return fallback }
            guard let n = Int(text), (1...600_000).contains(n) else {
                throw ConfigError("\(name) must be a number of milliseconds from 1 to 600000, not \"\(text)\"")
            }
            return n
        }
        let levelText = settings["LOG_LEVEL"]?.lowercased() ?? "info"
        guard let logLevel = Logger.Level(rawValue: levelText) else {
            let names = Logger.Level.allCases.map(\.rawValue).joined(separator: ", ")
            throw ConfigError("LOG_LEVEL must be one of \(names), not \"\(settings["LOG_LEVEL"] ?? "")\"")
        }
        let corsSetting = settings["CORS_ORIGIN"]
        var origins = (corsSetting ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter {
            !$0.isEmpty
        }
        if corsSetting == nil { origins = Self.devOrigins }
        if origins.map({ $0.lowercased() }) == ["none"] { origins = [] }
        self.init(
            port: port,
            host: settings["HOST"] ?? "127.0.0.1",
            corsOrigins: origins,
            publicFolder: settings["PUBLIC_DIR"] ?? "public",
            cookies: try CookieSettings(settings),
            settings: settings,
            idleTimeout: try seconds("HTTP_IDLE_TIMEOUT", 60),
            headerTimeout: try seconds("HTTP_HEADER_TIMEOUT", 10),
            logLevel: logLevel,
            queryTimeout: try milliseconds("QUERY_TIMEOUT_MS", 3000),
            shutdownGrace: try seconds("SHUTDOWN_GRACE", 30)
        )
        corsDefaulted = corsSetting == nil
    }
}

public struct ConfigError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

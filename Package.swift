// swift-tools-version:6.2
//
// The VideoTube workshop: one SwiftPM package, one backend built up chapter by chapter.
//
// The targets read top to bottom in three parts:
//   1. the engine (Sources/Engine): what no chapter teaches but every chapter stands on —
//      BSON, the storage interface and its two backends, the wire server, the C libraries;
//   2. the course (Sources/Course/NN-*, Chapters/NN-*): each chapter introduces one module
//      (two in chapters 04 and 08) and a small executable that serves it; later chapters and
//      the Final server import those modules, nothing is ever copied;
//   3. benchmarks and tests.

import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny")
]

let hummingbird = Target.Dependency.product(name: "Hummingbird", package: "hummingbird")
let hummingbirdTesting = Target.Dependency.product(name: "HummingbirdTesting", package: "hummingbird")
let logging = Target.Dependency.product(name: "Logging", package: "swift-log")
let nioCore = Target.Dependency.product(name: "NIOCore", package: "swift-nio")
let nioPosix = Target.Dependency.product(name: "NIOPosix", package: "swift-nio")
let nioFileSystem = Target.Dependency.product(name: "_NIOFileSystem", package: "swift-nio")

/// A course module: `Sources/Course/<folder>`.
func course(_ name: String, _ folder: String, _ dependencies: [Target.Dependency]) -> Target {
    .target(name: name, dependencies: dependencies, path: "Sources/Course/\(folder)", swiftSettings: swiftSettings)
}

/// A chapter's executable: `Chapters/<folder>`, whose `buildChapterNN` its tests call too.
func chapter(_ name: String, _ folder: String, _ dependencies: [Target.Dependency]) -> Target {
    .executableTarget(name: name, dependencies: dependencies, path: "Chapters/\(folder)", swiftSettings: swiftSettings)
}

/// An engine module: `Sources/Engine/<name>`.
func engine(_ name: String, _ dependencies: [Target.Dependency]) -> Target {
    .target(name: name, dependencies: dependencies, path: "Sources/Engine/\(name)", swiftSettings: swiftSettings)
}

/// A chapter's tests (`Tests/ChapterNNTests`): every test target also has TestSupport.
func chapterTests(_ number: String, _ dependencies: [Target.Dependency]) -> Target {
    .testTarget(
        name: "Chapter\(number)Tests", dependencies: [.target(name: "Chapter\(number)"), "TestSupport"] + dependencies, swiftSettings: swiftSettings)
}

/// An engine module's tests (`Tests/Engine/<name>Tests`).
func engineTests(_ name: String, _ dependencies: [Target.Dependency]) -> Target {
    .testTarget(name: "\(name)Tests", dependencies: dependencies, path: "Tests/Engine/\(name)Tests", swiftSettings: swiftSettings)
}

let package = Package(
    name: "videotube-workshop",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "videotube", targets: ["Final"]),
        .executable(name: "videotube-db", targets: ["VideotubeDB"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.0"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.0"),
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.1.0"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.0.0"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.0.0"),
        .package(url: "https://github.com/vapor/multipart-kit.git", from: "4.7.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.21.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.0.0"..<"5.0.0"),
    ],
    targets: [
        // MARK: - 1. The engine (Sources/Engine): no chapter of its own

        /// BSON documents, ObjectId, the binary codec, Codable and Extended JSON. Pure Swift.
        engine("BSON", []),
        /// libmongoc + libbson from the system (`libmongoc-dev`), with a tiny inline C shim.
        .systemLibrary(
            name: "CMongoC", path: "Sources/Engine/CMongoC", pkgConfig: "libmongoc-1.0",
            providers: [.apt(["libmongoc-dev", "libbson-dev"])]),
        /// libxcrypt from the system (`libcrypt-dev`), for `$2b$` bcrypt (chapter 05 wraps it).
        .systemLibrary(name: "CCrypt", path: "Sources/Engine/CCrypt", pkgConfig: "libxcrypt", providers: [.apt(["libcrypt-dev"])]),
        /// The one storage interface every backend implements and every model uses.
        engine("Storage", ["BSON"]),
        /// MongoDB through the C driver. Only `Database` (chapter 01) imports it.
        engine("MongoStore", ["BSON", "Storage", "CMongoC", nioPosix, logging]),
        /// The embedded document store: MongoDB's queries, updates and pipelines over SQLite.
        /// ICU from the system (`libicu-dev`): regular expressions that stop at a query's deadline,
        /// behind a few C functions (cicu.h says why they are C).
        .target(
            name: "CICU", path: "Sources/Engine/CICU", linkerSettings: [.linkedLibrary("icui18n"), .linkedLibrary("icuuc")]),
        engine(
            "EmbeddedStore",
            [
                "BSON", "Storage", "CICU", .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "OrderedCollections", package: "swift-collections"), nioCore, nioPosix,
            ]),
        /// What the servers use to go faster, kept out of the lessons: the log handler, the JSON envelope.
        engine("ServerSupport", ["BSON", logging]),
        /// Any Storage over MongoDB's wire protocol (SwiftNIO).
        engine("WireServer", ["BSON", "Storage", .product(name: "Crypto", package: "swift-crypto"), nioCore, nioPosix, logging]),
        /// `videotube-db` (`make db`): the embedded store in DATA_DIR served over the wire protocol.
        .executableTarget(
            name: "VideotubeDB",
            dependencies: [
                "Database", "EmbeddedStore", "WireServer", logging,
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            path: "Sources/Engine/VideotubeDB", swiftSettings: swiftSettings),

        // MARK: - 2. The course: a module (Sources/Course/NN-*) and an executable (Chapters/NN-*) per chapter

        /// What an open exercise's stub throws (`make exercise N=k`): every course module may hold one.
        course("Exercises", "00-Exercises", []),

        // 01 — connect to the database: settings from `.env`, `connectDB`, fail fast.
        course("Database", "01-Database", ["Exercises", "Storage", "MongoStore", "EmbeddedStore", "WireServer", hummingbird, logging]),
        chapter("Chapter01", "01-ConnectDB", ["Database", logging]),

        // 02 — the Express-like app: middleware order, bodies, CORS, static files, cookies, runServer.
        course(
            "App", "02-App",
            [
                "Exercises", "BSON", "Storage", "Database", "ServerSupport", hummingbird, logging, nioCore, nioFileSystem,
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
            ]),
        chapter("Chapter02", "02-ExpressApp", ["App", hummingbird]),

        // 03 — asyncHandler: the error middleware, APIError, APIResponse, storage errors as HTTP, the healthcheck.
        course("Responses", "03-Responses", ["Exercises", "App", "BSON", "Storage", "ServerSupport", hummingbird]),
        chapter("Chapter03", "03-AsyncHandler", ["Responses", "App", hummingbird]),

        // 04 — models (no HTTP), and the models served (validation as 400, ids, pages, browsing).
        course("Models", "04a-Models", ["Exercises", "BSON", "Storage"]),
        course("ModelRoutes", "04b-ModelRoutes", ["Exercises", "Models", "Responses", "App", "BSON", hummingbird]),
        chapter("Chapter04", "04-Models", ["Models", "ModelRoutes", "Responses", "App", "BSON", hummingbird, logging]),

        // 05 — bcrypt: hash on save, compare on login, on a thread pool of its own.
        course("Passwords", "05-Passwords", ["Exercises", "CCrypt", "Models", "BSON", nioPosix]),
        chapter("Chapter05", "05-Bcrypt", ["Passwords", "Models", "ModelRoutes", "Responses", "App", hummingbird]),

        // 06 — JWT: access and refresh tokens, verifyJWT, sessions, the user routes.
        course(
            "Auth", "06-Auth",
            [
                "Exercises",
                "Models", "ModelRoutes", "Passwords", "Responses", "App", "BSON", "Storage",
                .product(name: "JWTKit", package: "jwt-kit"), .product(name: "Crypto", package: "swift-crypto"), logging, hummingbird,
            ]),
        chapter("Chapter06", "06-JWT", ["Auth", "Passwords", "Models", "ModelRoutes", "Responses", "App", hummingbird]),

        // 07 — multer's job: multipart streamed to a temp folder, limits, content checks, cleanup.
        course(
            "Uploads", "07-Uploads",
            ["Exercises", "Responses", "App", .product(name: "MultipartKit", package: "multipart-kit"), hummingbird, nioFileSystem, nioCore]),
        chapter("Chapter07", "07-Uploads", ["Uploads", "Responses", "App", hummingbird]),

        // 08 — media storage (Cloudinary, or a local folder), and the user routes that carry files.
        course(
            "Media", "08a-Media",
            [
                "Exercises",
                "Uploads", "Responses", "App", .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"), nioFileSystem, nioCore, logging,
            ]),
        course(
            "AccountMedia", "08b-AccountMedia",
            [
                "Exercises", "Auth", "Uploads", "Media", "Models", "ModelRoutes", "Passwords", "Responses", "App", "Database", "BSON",
                hummingbird, logging,
            ]),
        chapter(
            "Chapter08", "08-Media",
            ["AccountMedia", "Auth", "Uploads", "Media", "Models", "ModelRoutes", "Passwords", "Responses", "App", hummingbird, logging]),

        // MARK: - The Final server (Sources/Final): the whole API on the chapters' modules (`make run`)

        .executableTarget(
            name: "Final",
            dependencies: [
                "Exercises", "AccountMedia", "Auth", "Media", "Uploads", "Passwords", "ModelRoutes", "Models", "Responses", "App", "Database", "BSON",
                "Storage", hummingbird, logging,
            ],
            path: "Sources/Final", swiftSettings: swiftSettings),

        // MARK: - 3. Benchmarks (`make bench`, release build)

        .target(name: "BenchSupport", path: "Benchmarks/BenchSupport", swiftSettings: swiftSettings),
        .executableTarget(
            name: "EmbeddedBench",
            dependencies: ["BenchSupport", "BSON", "Storage", "EmbeddedStore", "Models", .product(name: "GRDB", package: "GRDB.swift")],
            path: "Benchmarks/EmbeddedBench", swiftSettings: swiftSettings),
        .executableTarget(
            name: "AuthBench", dependencies: ["BenchSupport", "Auth", "Passwords", "Models", "BSON", "Storage", "EmbeddedStore"],
            path: "Benchmarks/AuthBench", swiftSettings: swiftSettings),
        /// The healthcheck on bare Hummingbird: the floor the HTTP benchmark measures our stack against.
        .executableTarget(
            name: "BareHummingbird", dependencies: [hummingbird, logging], path: "Benchmarks/BareHummingbird", swiftSettings: swiftSettings),

        // MARK: - 4. Tests: the engine's (Tests/Engine), then a target per chapter

        /// The engine's test helpers: the backends, the conformance table, child processes, mockupdb.
        .target(
            name: "EngineTestSupport", dependencies: ["BSON", "Storage", "EmbeddedStore", "MongoStore", "WireServer", logging],
            path: "Tests/Engine/EngineTestSupport", resources: [.copy("mockup_server.py")], swiftSettings: swiftSettings),
        /// The HTTP helpers the chapters' tests add on top (re-exports EngineTestSupport).
        .target(
            name: "TestSupport",
            dependencies: [
                "EngineTestSupport", "BSON", "Storage", "EmbeddedStore", "Database", "App", "Media", logging, hummingbird, hummingbirdTesting,
            ],
            path: "Tests/TestSupport", swiftSettings: swiftSettings),
        engineTests("BSON", ["BSON"]),
        engineTests("Storage", ["BSON", "Storage"]),
        engineTests("ServerSupport", ["ServerSupport", logging]),
        engineTests("MongoStore", ["BSON", "Storage", "MongoStore", "CMongoC", "EngineTestSupport"]),
        /// Writes until killed; the embedded store's crash test runs it as a child process.
        .executableTarget(
            name: "CrashWriter", dependencies: ["BSON", "Storage", "EmbeddedStore"], path: "Tests/Engine/CrashWriter",
            swiftSettings: swiftSettings),
        engineTests("EmbeddedStore", ["BSON", "Storage", "EmbeddedStore", "EngineTestSupport", "CrashWriter"]),
        engineTests("WireServer", ["BSON", "Storage", "EmbeddedStore", "MongoStore", "WireServer", "EngineTestSupport", "VideotubeDB", logging]),

        chapterTests("01", ["Database", "Storage", "EmbeddedStore", "WireServer", logging]),
        chapterTests("02", ["App", "BSON", "Database", "EmbeddedStore", "MongoStore", "Storage", hummingbirdTesting]),
        chapterTests("03", ["Responses", "App", "BSON", "Storage", hummingbirdTesting]),
        chapterTests(
            "04", ["Models", "ModelRoutes", "Responses", "App", "BSON", "Storage", "EmbeddedStore", "MongoStore", "WireServer", hummingbirdTesting]),
        chapterTests("05", ["Passwords", "Models", "ModelRoutes", "Responses", "App", "BSON", "Storage", hummingbirdTesting]),
        chapterTests(
            "06",
            [
                "Auth", "Passwords", "Models", "ModelRoutes", "Responses", "App", "BSON", "Storage", hummingbirdTesting,
                .product(name: "JWTKit", package: "jwt-kit"),
            ]),
        chapterTests("07", ["Uploads", "Responses", "App", "BSON", hummingbirdTesting]),
        chapterTests(
            "08",
            [
                "AccountMedia", "Auth", "Media", "Uploads", "Passwords", "Models", "Responses", "App", "BSON", "Storage",
                hummingbirdTesting, .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ]),
        .testTarget(
            name: "FinalTests",
            dependencies: [
                "Final", "TestSupport", "AccountMedia", "Auth", "Media", "Uploads", "Models", "Responses", "App", "Database", "BSON", "Storage",
                hummingbirdTesting,
            ],
            swiftSettings: swiftSettings),
    ]
)

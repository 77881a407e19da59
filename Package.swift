// swift-tools-version:6.2
//
// The VideoTube workshop: one SwiftPM package, one backend built up chapter by chapter.
//
// Read the targets top to bottom the way the course goes: each chapter introduces one
// library module (under Sources/) and a tiny executable (under Chapters/) that runs it.
// Later chapters and the Final server import those modules; nothing is ever copied.
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "videotube-workshop",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "videotube-db", targets: ["VideotubeDB"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.0"),
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
        // MARK: Foundations (no chapter of their own; every chapter stands on them)

        /// BSON documents, ObjectId, the binary codec, Codable and Extended JSON. Pure Swift.
        .target(name: "BSON", path: "Sources/BSON", swiftSettings: swiftSettings),
        /// libmongoc + libbson from the system (`libmongoc-dev`), with a tiny inline C shim.
        .systemLibrary(
            name: "CMongoC", path: "Sources/CMongoC", pkgConfig: "libmongoc-1.0",
            providers: [.apt(["libmongoc-dev", "libbson-dev"])]
        ),
        /// The one storage interface every backend implements and every model uses.
        .target(name: "Storage", dependencies: ["BSON"], path: "Sources/Storage", swiftSettings: swiftSettings),
        /// MongoDB through the C driver. Only `Database` imports it.
        .target(
            name: "MongoStore",
            dependencies: [
                "BSON", "Storage", "CMongoC",
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Sources/MongoStore", swiftSettings: swiftSettings
        ),

        /// The embedded document store: MongoDB's queries, updates and pipelines over SQLite.
        .target(
            name: "EmbeddedStore",
            dependencies: [
                "BSON", "Storage",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "OrderedCollections", package: "swift-collections"),
            ],
            path: "Sources/EmbeddedStore", swiftSettings: swiftSettings
        ),

        /// The embedded store over MongoDB's wire protocol (`make db`): fronts any Storage.
        .target(
            name: "WireServer",
            dependencies: [
                "BSON", "Storage",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Sources/WireServer", swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "VideotubeDB",
            dependencies: [
                "EmbeddedStore", "WireServer",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            path: "Sources/VideotubeDB", swiftSettings: swiftSettings
        ),

        // MARK: Chapter 01 — connect to the database

        /// `connectDB`: choose and open a storage backend at start-up, fail fast with a clear reason.
        .target(
            name: "Database",
            dependencies: [
                "Storage", "MongoStore", "EmbeddedStore",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Sources/Database", swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "Chapter01",
            dependencies: [
                "Database",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Chapters/01-ConnectDB", swiftSettings: swiftSettings
        ),

        // MARK: Benchmarks (`make bench`, release build)

        .target(name: "BenchSupport", path: "Benchmarks/BenchSupport", swiftSettings: swiftSettings),
        .executableTarget(
            name: "EmbeddedBench",
            dependencies: ["BenchSupport", "BSON", "Storage", "EmbeddedStore"],
            path: "Benchmarks/EmbeddedBench", swiftSettings: swiftSettings
        ),

        // MARK: Chapter 02 — the Express-like app

        /// The app: middleware in app.js order, body limits, CORS, static files, cookies, the error JSON.
        .target(
            name: "App",
            dependencies: [
                "BSON", "Storage", "Database",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Sources/App", swiftSettings: swiftSettings
        ),
        .executableTarget(name: "Chapter02", dependencies: ["App"], path: "Chapters/02-ExpressApp", swiftSettings: swiftSettings),

        // MARK: Chapter 03 — asyncHandler, ApiError, ApiResponse

        .target(
            name: "Api",
            dependencies: ["App", "Storage", .product(name: "Hummingbird", package: "hummingbird")],
            path: "Sources/Api", swiftSettings: swiftSettings
        ),
        .executableTarget(name: "Chapter03", dependencies: ["Api", "App"], path: "Chapters/03-AsyncHandler", swiftSettings: swiftSettings),

        // MARK: Chapter 04 — models

        /// The seven models as Codable structs: schema rules, timestamps, indexes, pagination. No HTTP.
        .target(name: "Models", dependencies: ["BSON", "Storage"], path: "Sources/Models", swiftSettings: swiftSettings),
        /// The models served: validation errors as 400, ids in paths, pages from the query, browsing routes.
        .target(
            name: "ModelsAPI",
            dependencies: ["Models", "Api", "App", "BSON", .product(name: "Hummingbird", package: "hummingbird")],
            path: "Sources/ModelsAPI", swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "Chapter04",
            dependencies: ["Models", "ModelsAPI", "Api", "App", "BSON", .product(name: "Logging", package: "swift-log")],
            path: "Chapters/04-Models", swiftSettings: swiftSettings
        ),

        // MARK: Chapter 05 — bcrypt

        /// libxcrypt from the system (`libcrypt-dev`), for `$2b$` bcrypt.
        .systemLibrary(name: "CCrypt", path: "Sources/CCrypt", pkgConfig: "libxcrypt", providers: [.apt(["libcrypt-dev"])]),
        /// Hash on save (the users' save hook), compare on login, on a thread pool of its own.
        .target(
            name: "Passwords",
            dependencies: ["CCrypt", "Models", "BSON", .product(name: "NIOPosix", package: "swift-nio")],
            path: "Sources/Passwords", swiftSettings: swiftSettings
        ),

        .executableTarget(
            name: "Chapter05",
            dependencies: ["Passwords", "Models", "ModelsAPI", "Api", "App"],
            path: "Chapters/05-Bcrypt", swiftSettings: swiftSettings
        ),

        // MARK: Chapter 06 — JWT

        /// Access and refresh tokens (jwt-kit, HS256), verifyJWT, rotation with reuse detection, the user routes.
        .target(
            name: "Auth",
            dependencies: [
                "Models", "ModelsAPI", "Passwords", "Api", "App", "BSON", "Storage",
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Hummingbird", package: "hummingbird"),
            ],
            path: "Sources/Auth", swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "Chapter06",
            dependencies: ["Auth", "Passwords", "Models", "ModelsAPI", "Api", "App"],
            path: "Chapters/06-JWT", swiftSettings: swiftSettings
        ),

        // MARK: Chapter 07 — uploads

        /// multer's job: multipart bodies streamed to a temp folder, with limits, checked by content, always cleaned up.
        .target(
            name: "Uploads",
            dependencies: [
                "App",
                .product(name: "MultipartKit", package: "multipart-kit"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "_NIOFileSystem", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            path: "Sources/Uploads", swiftSettings: swiftSettings
        ),
        .executableTarget(name: "Chapter07", dependencies: ["Uploads", "Api", "App"], path: "Chapters/07-Uploads", swiftSettings: swiftSettings),

        // MARK: Chapter 08 — media (Cloudinary, or a local folder)

        /// Where uploaded files live: Cloudinary through its signed upload API, or a local media folder.
        .target(
            name: "Media",
            dependencies: [
                "Uploads", "App",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_NIOFileSystem", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            path: "Sources/Media", swiftSettings: swiftSettings
        ),

        /// The user routes that carry files: multipart register, avatar and cover-image updates.
        .target(
            name: "Accounts",
            dependencies: [
                "Auth", "Uploads", "Media", "Models", "ModelsAPI", "Passwords", "Api", "App", "BSON",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Sources/Accounts", swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "Chapter08",
            dependencies: ["Accounts", "Auth", "Uploads", "Media", "Models", "ModelsAPI", "Passwords", "Api", "App", .product(name: "Logging", package: "swift-log")],
            path: "Chapters/08-Media", swiftSettings: swiftSettings
        ),

        /// `make bench`: what logins, tokens and verifyJWT cost.
        .executableTarget(
            name: "AuthBench",
            dependencies: ["BenchSupport", "Auth", "Passwords", "Models", "BSON", "Storage", "EmbeddedStore"],
            path: "Benchmarks/AuthBench", swiftSettings: swiftSettings
        ),

        // MARK: Tests

        .target(
            name: "TestSupport",
            dependencies: ["BSON", "Storage", "EmbeddedStore", "MongoStore", "WireServer", .product(name: "Logging", package: "swift-log")],
            path: "Tests/TestSupport",
            resources: [.copy("mockup_server.py")],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "BSONTests", dependencies: ["BSON"], swiftSettings: swiftSettings),
        .testTarget(
            name: "PasswordsTests",
            dependencies: [
                "Passwords", "Models", "ModelsAPI", "Api", "App", "BSON", "Storage", "TestSupport", "Chapter05",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "StorageTests", dependencies: ["BSON", "Storage"], swiftSettings: swiftSettings),
        .testTarget(
            name: "DatabaseTests",
            dependencies: ["Database", "Storage", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "MongoStoreTests",
            dependencies: ["BSON", "Storage", "MongoStore", "CMongoC", "TestSupport"],
            swiftSettings: swiftSettings
        ),
        /// Writes until killed; the embedded store's crash test runs it as a child process.
        .executableTarget(
            name: "CrashWriter",
            dependencies: ["BSON", "Storage", "EmbeddedStore"],
            path: "Tests/CrashWriter", swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "EmbeddedStoreTests",
            dependencies: ["BSON", "Storage", "EmbeddedStore", "TestSupport", "CrashWriter"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "WireServerTests",
            dependencies: ["BSON", "Storage", "EmbeddedStore", "MongoStore", "WireServer", "TestSupport", "VideotubeDB",
                           .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "Chapter02Tests",
            dependencies: [
                "App", "BSON", "TestSupport", "Chapter02",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "Chapter03Tests",
            dependencies: [
                "Api", "App", "BSON", "Storage", "TestSupport", "Chapter03",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "Chapter04Tests",
            dependencies: [
                "Models", "ModelsAPI", "Api", "App", "BSON", "Storage", "EmbeddedStore", "MongoStore", "WireServer", "TestSupport", "Chapter04",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "Chapter06Tests",
            dependencies: [
                "Auth", "Passwords", "Models", "ModelsAPI", "Api", "App", "BSON", "Storage", "TestSupport", "Chapter06",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "Chapter07Tests",
            dependencies: [
                "Uploads", "Api", "App", "BSON", "TestSupport", "Chapter07",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "Chapter08Tests",
            dependencies: [
                "Accounts", "Auth", "Media", "Uploads", "Passwords", "Models", "Api", "App", "BSON", "Storage", "TestSupport", "Chapter08",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "Chapter01Tests",
            dependencies: ["Chapter01", "TestSupport"],
            swiftSettings: swiftSettings
        ),
    ]
)

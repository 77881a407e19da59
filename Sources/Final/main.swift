// The Final server: `make run` builds and starts it (release build); `videotube seed` (`make
// seed`) loads the demo channel instead. FinalServer.swift composes the server from the
// chapters' modules and the controllers in Controllers/.

import App

if CommandLine.arguments.dropFirst().first == "seed" {
    await runTask(name: "seed") { config, database, logger in
        let summary = try await DemoData.seed(config: config, database: database, logger: logger)
        let counts =
            "\(summary.users) users, \(summary.videos) videos, \(summary.comments) comments, \(summary.likes) likes, "
            + "\(summary.playlists) playlists, \(summary.tweets) tweets, \(summary.subscriptions) subscriptions"
        logger.info(
            """
            Demo data: \(counts). Log in as \(DemoData.creator), asha, ravi or meera \
            with the password "\(DemoData.password)".
            """)
    }
}
await runServer(name: "videotube") { config, database, logger in
    try await buildFinalServer(config: config, database: database, logger: logger)
}

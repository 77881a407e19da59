// A demo channel to look at: one creator, three viewers, twelve videos, three subscriptions.
// Seeding is idempotent: every document is inserted only if its unique key is absent, so
// running the chapter again changes nothing.

import BSON
import Models

enum DemoChannel {
    static let creator = "chaiaurcode"

    static func seed(_ db: Collections) async throws {
        // Seeded accounts cannot log in: "*" is not a bcrypt hash (as in /etc/shadow). Chapter 05
        // registers real ones.
        let owner = try await db.users.insertIfAbsent(
            User(username: creator, email: "chai@example.com", fullName: "Chai aur Code", password: "*"),
            matching: ["username"])
        var viewers: [User] = []
        for name in ["asha", "ravi", "meera"] {
            viewers.append(
                try await db.users.insertIfAbsent(
                    User(username: name, email: "\(name)@example.com", fullName: name.capitalized, password: "*"),
                    matching: ["username"]))
        }
        let topics = [
            "Install Node", "Express basics", "MongoDB models", "Mongoose aggregation", "bcrypt in depth",
            "JWT explained",
            "Access and refresh tokens", "Multer uploads", "Cloudinary", "Pagination", "Subscriptions schema",
            "Deploying",
        ]
        for (i, topic) in topics.enumerated() {
            try await db.videos.insertIfAbsent(
                Video(
                    videoFile: "/media/demo/\(i + 1).mp4", thumbnail: "/media/demo/\(i + 1).jpg", title: topic,
                    description: "Lesson \(i + 1) of the backend series: \(topic.lowercased()).",
                    duration: Double(300 + 37 * i),
                    views: (i * 7919) % 1000, owner: owner._id),
                matching: ["owner", "title"])
        }
        for viewer in viewers {
            try await db.subscriptions.insertIfAbsent(
                Subscription(subscriber: viewer._id, channel: owner._id), matching: ["subscriber", "channel"])
        }
    }
}

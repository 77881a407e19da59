// Chapter 04: the models' rules, timestamps, unique indexes, pagination and pipelines, on
// every storage backend (embedded; our C driver through the wire; real MongoDB when
// `MONGODB_TEST_URI` is set).

import BSON
import Foundation
import Models
import Storage
import TestSupport
import Testing

/// A fresh database with the app's indexes.
func freshCollections(_ backend: TestBackend) async throws -> Collections {
    let collections = Collections(try await backend.freshDatabase())
    try await collections.createIndexes()
    return collections
}

func user(_ name: String, email: String? = nil) -> User {
    User(username: name, email: email ?? "\(name)@example.com", fullName: "User \(name)", password: "*")
}

@Suite struct SchemaRules {
    @Test func aUserIsTrimmedAndLowercasedBeforeItIsWritten() throws {
        var u = User(username: "  Chai.Aur_Code ", email: " Chai@Example.COM ", fullName: "  Chai aur Code  ", password: "x")
        try u.validate()
        #expect(u.username == "chai.aur_code")
        #expect(u.email == "chai@example.com")
        #expect(u.fullName == "Chai aur Code")
    }

    @Test func everyBadFieldIsNamedInOneError() {
        var u = User(username: "a b", email: "not-an-email", fullName: "   ", password: "")
        #expect(throws: ValidationError.self) { try u.validate() }
        do {
            try u.validate()
        } catch {
            #expect(error.issues.map(\.field) == ["username", "email", "fullName", "password"])
            #expect(error.issues[2].message == "fullName is required")
        }
    }

    @Test(arguments: ["ab", String(repeating: "a", count: 31), "UPPER CASE", "émile", "a/b"])
    func usernamesOutsideTheRulesAreRefused(_ name: String) {
        var u = User(username: name, email: "x@example.com", fullName: "X", password: "x")
        #expect(throws: ValidationError.self) { try u.validate() }
    }

    @Test func aLikeHasExactlyOneTarget() throws {
        var none = Like(target: .video(ObjectId()), likedBy: ObjectId())
        none.video = nil
        #expect(throws: ValidationError.self) { try none.validate() }
        var two = Like(target: .video(ObjectId()), likedBy: ObjectId())
        two.tweet = ObjectId()
        #expect(throws: ValidationError.self) { try two.validate() }
        var one = Like(target: .comment(ObjectId()), likedBy: ObjectId())
        try one.validate()
    }

    @Test func videosNeedATitleAndANonNegativeDuration() {
        var v = Video(videoFile: "https://x/v.mp4", thumbnail: "https://x/t.jpg", title: " ", description: "d", duration: -1, owner: ObjectId())
        do {
            try v.validate()
            Issue.record("expected a validation error")
        } catch {
            #expect(Set(error.issues.map(\.field)) == ["title", "duration"])
        }
    }

    @Test func aDocumentWrittenByTheNodeVersionDecodes() throws {
        // Node writes numbers as doubles, adds __v, and may leave coverImage out.
        let json = #"""
            {"_id": {"$oid": "65a1b2c3d4e5f60718293a4b"}, "username": "old", "email": "old@example.com", "fullName": "Old",
             "avatar": "http://res.cloudinary.com/x/a.png", "watchHistory": [], "password": "$2b$10$abcdefghijklmnopqrstuu5Gm0mC2cX5p8bY5i1Vb8xqXv4Yq6N1a",
             "createdAt": {"$date": "2024-01-12T10:00:00.000Z"}, "updatedAt": {"$date": "2024-01-12T10:00:00.000Z"}, "__v": 0,
             "refreshToken": "eyJhbGciOiJIUzI1NiJ9.e30.x"}
            """#
        let u = try BSONDecoder().decode(User.self, from: try BSONValue(extendedJSON: json).documentValue!)
        #expect(u.username == "old" && u.coverImage == "")
        // The Node version's clear refresh token is not part of the model (chapter 06 keeps sessions).
        #expect(!(try BSONEncoder().encode(u).keys.contains("refreshToken")))
        let video = #"""
            {"_id": {"$oid": "65a1b2c3d4e5f60718293a4c"}, "videoFile": "u", "thumbnail": "t", "title": "T", "description": "D",
             "duration": 12.5, "views": 3.0, "isPublished": true, "owner": {"$oid": "65a1b2c3d4e5f60718293a4b"},
             "createdAt": {"$date": "2024-01-12T10:00:00.000Z"}, "updatedAt": {"$date": "2024-01-12T10:00:00.000Z"}, "__v": 0}
            """#
        let v = try BSONDecoder().decode(Video.self, from: try BSONValue(extendedJSON: video).documentValue!)
        #expect(v.views == 3 && v.duration == 12.5)
    }
}

@Suite struct PageRequests {
    @Test(arguments: [
        ("0", "10", "page"), ("1", "0", "limit"), ("1", "101", "limit"), ("abc", "10", "page"), ("1", "2.5", "limit"),
        ("-1", "10", "page"), ("", "10", "page"), ("1", "1e2", "limit"), ("99999999999999999999", "10", "page"),
    ])
    func outOfRangeOrNonNumericValuesAreRefusedByName(_ page: String, _ limit: String, _ field: String) {
        do {
            _ = try PageRequest(page: page, limit: limit)
            Issue.record("accepted page=\(page) limit=\(limit)")
        } catch {
            #expect(error.issues.map(\.field) == [field])
        }
    }

    @Test func absentValuesTakeTheDefaults() throws {
        let r = try PageRequest(page: nil, limit: nil)
        #expect(r.page == 1 && r.limit == 10)
        #expect(try PageRequest(page: "3", limit: "100").limit == 100)
    }
}

@Suite struct ModelsOnEveryBackend {
    @Test(arguments: TestBackend.available)
    func insertStampsBothTimestampsAndUpdatesStampOnlyUpdatedAt(_ backend: TestBackend) async throws {
        let db = try await freshCollections(backend)
        let stored = try await db.users.insert(user("stamp"))
        #expect(stored.createdAt == stored.updatedAt)
        try await Task.sleep(for: .milliseconds(5))
        let updated = try #require(try await db.users.updateById(stored._id, ["$set": ["fullName": "Renamed"]]))
        #expect(updated.fullName == "Renamed")
        #expect(updated.createdAt == stored.createdAt)
        #expect(updated.updatedAt > stored.updatedAt)
        let reread = try #require(try await db.users.findById(stored._id))
        #expect(reread.updatedAt == updated.updatedAt)
    }

    /// Both timestamps are the insert's own instant (the model's are overwritten), and the save
    /// hook sees the document last (chapter 05 hashes passwords there).
    @Test(arguments: TestBackend.available)
    func insertSetsTheTimestampsThenRunsTheSaveHook(_ backend: TestBackend) async throws {
        let database = try await backend.freshDatabase()
        let at = BSONDate(millisecondsSince1970: 1_709_283_907_042)
        let plain = ModelCollection<User>(database)
        let stored = try await plain.insert(user("clock"), at: at)
        #expect(stored.createdAt == at && stored.updatedAt == at)
        #expect(try await plain.findById(stored._id)?.createdAt == at)
        let hooked = ModelCollection<User>(database) { fields in
            fields["fullName"] = .string("Set by the hook")
            #expect(fields["createdAt"] == .datetime(at))  // the hook runs after the timestamps
        }
        let changed = try await hooked.insert(user("hooked"), at: at)
        #expect(changed.fullName == "Set by the hook")
        #expect(try await plain.findById(changed._id)?.fullName == "Set by the hook")
    }

    @Test(arguments: TestBackend.available)
    func theIndexesExistAfterStartUp(_ backend: TestBackend) async throws {
        let db = try await freshCollections(backend)
        let names = try await db.users.storage.listIndexes().compactMap { $0["name"]?.stringValue }
        #expect(Set(names).isSuperset(of: ["_id_", "username_1", "email_1"]))
        let likes = try await db.likes.storage.listIndexes()
        let unique = likes.first { $0["name"]?.stringValue == "video_1_comment_1_tweet_1_likedBy_1" }
        #expect(unique?["unique"]?.boolValue == true)
        try await db.createIndexes()  // a second start-up changes nothing
        #expect(try await db.users.storage.listIndexes().count == names.count)
    }

    @Test(arguments: TestBackend.available)
    func emailsAreUniqueWhateverTheirCase(_ backend: TestBackend) async throws {
        let db = try await freshCollections(backend)
        try await db.users.insert(user("first", email: "Same@Example.com"))
        do {
            try await db.users.insert(user("second", email: "same@example.COM "))
            Issue.record("a second account with the same email was stored")
        } catch let error as StorageError {
            guard case .duplicateKey(let info) = error else { Issue.record("\(error)"); return }
            #expect(info.field == "email")
        }
        #expect(try await db.users.count() == 1)
    }

    @Test(arguments: TestBackend.available)
    func concurrentRegistrationsOfOneUsernameStoreExactlyOne(_ backend: TestBackend) async throws {
        let db = try await freshCollections(backend)
        let outcomes = await withTaskGroup(of: String.self) { group in
            for i in 0..<20 {
                group.addTask {
                    do {
                        try await db.users.insert(user("racer", email: "racer\(i)@example.com"))
                        return "stored"
                    } catch let error as StorageError {
                        if case .duplicateKey = error { return "duplicate" }
                        return "\(error)"
                    } catch { return "\(error)" }
                }
            }
            return await group.reduce(into: [String]()) { $0.append($1) }
        }
        #expect(outcomes.filter { $0 == "stored" }.count == 1)
        #expect(outcomes.filter { $0 == "duplicate" }.count == 19)
    }

    @Test(arguments: TestBackend.available)
    func oneLikePerTargetAndUserButEachTargetKindIsSeparate(_ backend: TestBackend) async throws {
        let db = try await freshCollections(backend)
        let me = ObjectId(), video = ObjectId(), comment = ObjectId()
        try await db.likes.insert(Like(target: .video(video), likedBy: me))
        try await db.likes.insert(Like(target: .comment(comment), likedBy: me))  // another kind: fine
        try await db.likes.insert(Like(target: .video(video), likedBy: ObjectId()))  // another user: fine
        await #expect(throws: StorageError.self) { try await db.likes.insert(Like(target: .video(video), likedBy: me)) }
        #expect(try await db.likes.count(Like.Target.video(video).filter) == 2)
    }

    @Test(arguments: TestBackend.available)
    func subscribingTwiceIsImpossible(_ backend: TestBackend) async throws {
        let db = try await freshCollections(backend)
        let a = ObjectId(), b = ObjectId()
        try await db.subscriptions.insert(Subscription(subscriber: a, channel: b))
        try await db.subscriptions.insert(Subscription(subscriber: b, channel: a))
        await #expect(throws: StorageError.self) { try await db.subscriptions.insert(Subscription(subscriber: a, channel: b)) }
        await #expect(throws: ValidationError.self) { try await db.subscriptions.insert(Subscription(subscriber: a, channel: a)) }
    }

    @Test(arguments: TestBackend.available)
    func insertIfAbsentIsIdempotent(_ backend: TestBackend) async throws {
        let db = try await freshCollections(backend)
        let first = try await db.users.insertIfAbsent(user("seed"), matching: ["username"])
        let second = try await db.users.insertIfAbsent(user("seed"), matching: ["username"])
        #expect(first._id == second._id)
        #expect(first.createdAt == second.createdAt)
        #expect(try await db.users.count() == 1)
    }
}

@Suite struct PaginationOnEveryBackend {
    /// `n` videos by one owner, titled "v01"…, created in that order.
    func videos(_ n: Int, in db: Collections, owner: ObjectId = ObjectId()) async throws {
        for i in 1...max(n, 1) where n > 0 {
            try await db.videos.insert(
                Video(
                    videoFile: "/m/\(i).mp4", thumbnail: "/m/\(i).jpg", title: String(format: "v%02d", i), description: "d", duration: 1, views: i,
                    owner: owner))
        }
    }

    let byTitle: [Document] = [["$sort": ["title": 1]]]

    @Test(arguments: TestBackend.available)
    func anEmptyCollectionIsOnePageOfNothing(_ backend: TestBackend) async throws {
        let db = try await freshCollections(backend)
        let page = try await db.videos.aggregatePaginate(byTitle, PageRequest())
        #expect(page.docs.isEmpty && page.totalDocs == 0 && page.totalPages == 1 && page.pagingCounter == 1)
        #expect(!page.hasPrevPage && !page.hasNextPage && page.prevPage == nil && page.nextPage == nil)
    }

    @Test(arguments: TestBackend.available)
    func pagesCoverEveryDocumentOnceAndTheLastPageIsPartial(_ backend: TestBackend) async throws {
        let db = try await freshCollections(backend)
        try await videos(23, in: db)
        var titles: [String] = []
        for p in 1...3 {
            let page = try await db.videos.aggregatePaginate(byTitle, PageRequest(page: p, limit: 10))
            #expect(page.totalDocs == 23 && page.totalPages == 3 && page.page == p)
            #expect(page.pagingCounter == (p - 1) * 10 + 1)
            #expect(page.hasPrevPage == (p > 1) && page.hasNextPage == (p < 3))
            #expect(page.prevPage == (p > 1 ? p - 1 : nil) && page.nextPage == (p < 3 ? p + 1 : nil))
            titles += page.docs.compactMap { $0["title"]?.stringValue }
        }
        #expect(titles == (1...23).map { String(format: "v%02d", $0) })
        let beyond = try await db.videos.aggregatePaginate(byTitle, PageRequest(page: 4, limit: 10))
        #expect(beyond.docs.isEmpty && beyond.totalDocs == 23 && beyond.prevPage == 3 && beyond.nextPage == nil)
        let exact = try await db.videos.aggregatePaginate(byTitle, PageRequest(page: 1, limit: 23))
        #expect(exact.totalPages == 1 && exact.docs.count == 23 && !exact.hasNextPage)
    }

    @Test(arguments: TestBackend.available)
    func theVideoListFiltersLiterallySortsAndHidesOthersUnpublishedVideos(_ backend: TestBackend) async throws {
        let db = try await freshCollections(backend)
        let owner = try await db.users.insert(user("creator"))
        let other = try await db.users.insert(user("other"))
        try await videos(5, in: db, owner: owner._id)
        try await db.videos.insert(
            Video(videoFile: "/x", thumbnail: "/y", title: "Regex .* (a+)+ test", description: "d", duration: 1, owner: other._id))
        try await db.videos.insert(
            Video(videoFile: "/x", thumbnail: "/y", title: "Draft", description: "d", duration: 1, isPublished: false, owner: owner._id))

        let all = try await VideoListQuery(sortBy: .views, ascending: true).page(PageRequest(limit: 100), in: db.videos)
        #expect(all.totalDocs == 6)  // the draft is hidden
        #expect(all.docs.first?["owner"]?.documentValue?.keys.sorted() == ["_id", "avatar", "fullName", "username"])
        let mine = try await VideoListQuery(owner: owner._id, viewer: owner._id).page(PageRequest(limit: 100), in: db.videos)
        #expect(mine.totalDocs == 6)  // the owner sees their draft
        let literal = try await db.videos.aggregatePaginate(VideoListQuery(text: ".* (A+)+").pipeline, PageRequest())
        #expect(literal.docs.compactMap { $0["title"]?.stringValue } == ["Regex .* (a+)+ test"])
        let nothing = try await VideoListQuery(text: "v0.").page(PageRequest(), in: db.videos)
        #expect(nothing.totalDocs == 0)  // "." is a dot here, not "any character"
        let sorted = try await VideoListQuery(sortBy: .title, ascending: false, owner: owner._id).page(PageRequest(limit: 2), in: db.videos)
        #expect(sorted.docs.compactMap { $0["title"]?.stringValue } == ["v05", "v04"])
    }

    @Test(arguments: TestBackend.available)
    func theChannelProfileCountsBothWaysAndKnowsTheViewer(_ backend: TestBackend) async throws {
        let db = try await freshCollections(backend)
        let channel = try await db.users.insert(user("channel"))
        let fans = try await [user("fan1"), user("fan2"), user("fan3")].asyncMap { try await db.users.insert($0) }
        for fan in fans { try await db.subscriptions.insert(Subscription(subscriber: fan._id, channel: channel._id)) }
        try await db.subscriptions.insert(Subscription(subscriber: channel._id, channel: fans[0]._id))

        let seenByFan = try #require(try await ChannelProfile.find(username: "CHANNEL", viewer: fans[1]._id, in: db.users))
        #expect(seenByFan.subscribersCount == 3 && seenByFan.channelsSubscribedToCount == 1 && seenByFan.isSubscribed)
        let seenByStranger = try #require(try await ChannelProfile.find(username: "channel", viewer: ObjectId(), in: db.users))
        #expect(!seenByStranger.isSubscribed)
        let anonymous = try #require(try await ChannelProfile.find(username: "channel", viewer: nil, in: db.users))
        #expect(!anonymous.isSubscribed)
        #expect(try await ChannelProfile.find(username: "nobody", viewer: nil, in: db.users) == nil)
    }
}

@Suite struct NodeWrittenProfiles {
    @Test(arguments: TestBackend.available)
    func aUserWithoutCoverImageStillHasAProfile(_ backend: TestBackend) async throws {
        let db = try await freshCollections(backend)
        // As the Node version may store it: no coverImage at all.
        try await db.users.storage.insertOne([
            "_id": .objectId(ObjectId()), "username": "old", "email": "old@example.com", "fullName": "Old", "avatar": "",
            "watchHistory": [], "password": "*", "createdAt": .datetime(.now()), "updatedAt": .datetime(.now()), "__v": 0,
        ])
        let profile = try #require(try await ChannelProfile.find(username: "old", viewer: nil, in: db.users))
        #expect(profile.coverImage == "" && profile.subscribersCount == 0)
    }
}

extension Array where Element: Sendable {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var out: [T] = []
        for e in self { out.append(try await transform(e)) }
        return out
    }
}

// `UPLOAD_QUOTA_MB`: how much one user may upload in a day. One `POST /videos` may store about
// 205 MB (MAX_VIDEO_BYTES and an image); without a quota one account could fill the disk, or the
// Cloudinary plan, in an afternoon. The bytes are counted in the database, one document per user
// and UTC day (`$inc` with an upsert, a TTL index empties old days), so every instance on one
// database counts together. Past the quota: 429 naming the limit, with `Retry-After` until the
// day ends. 0 turns it off.

import App
import Auth
import BSON
import Foundation
import Responses
import Storage

struct UploadQuota: Sendable {
    /// Bytes a user may upload in a UTC day; nil: no quota.
    let bytesPerDay: Int?
    let counts: any StorageCollection

    init(_ lookup: (String) -> String?, database: any StorageDatabase) throws(ConfigError) {
        let text = lookup("UPLOAD_QUOTA_MB") ?? "2000"
        guard let megabytes = Double(text), megabytes >= 0, megabytes < 1e9 else {
            throw ConfigError(
                "UPLOAD_QUOTA_MB must be a number of megabytes a user may upload in a day (0: no quota), "
                    + "not \"\(text)\""
            )
        }
        bytesPerDay = megabytes == 0 ? nil : Int(megabytes * 1_000_000)
        counts = database.collection("uploadquota")
    }

    func createIndexes() async throws {
        try await counts.createIndex(["expiresAt": 1], options: IndexOptions(expireAfterSeconds: 0))
    }

    /// Counts `bytes` against `user`'s day; throws `QuotaExceeded`, and counts nothing, when they
    /// would pass the quota.
    func spend(_ bytes: Int, by user: ObjectId, now: Date = Date()) async throws {
        guard let limit = bytesPerDay else { return }
        let day = Int(now.timeIntervalSince1970) / 86_400
        let end = Date(timeIntervalSince1970: Double((day + 1) * 86_400))
        let key = "\(user.hex) \(day)"
        guard try await addToCount(in: counts, key, Int64(bytes), expiresAt: end) > Int64(limit) else { return }
        _ = try await addToCount(in: counts, key, -Int64(bytes), expiresAt: end)  // refused: not counted
        throw QuotaExceeded(limit: limit, retryAfter: max(1, Int(end.timeIntervalSince(now).rounded(.up))))
    }
}

struct QuotaExceeded: Error, APIErrorRepresentable {
    let limit: Int
    let retryAfter: Int?
    var statusCode: Int { 429 }
    var message: String {
        let megabytes = Double(limit) / 1_000_000
        let shown = megabytes >= 1 ? String(Int(megabytes)) : String(format: "%.3f", megabytes)
        return "Upload quota reached: \(shown) MB a day (UPLOAD_QUOTA_MB); try again tomorrow"
    }
}

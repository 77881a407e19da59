// The inputs of registering and logging in, and finding the account a login names.

import BSON
import Storage

extension User {
    /// `POST /users/register`'s fields. The password is plain text here; the users collection's
    /// save hook (chapter 05) hashes it before it is stored.
    public struct Registration: Codable, Sendable {
        public var fullName: String
        public var email: String
        public var username: String
        public var password: String

        public init(fullName: String, email: String, username: String, password: String) {
            self.fullName = fullName
            self.email = email
            self.username = username
            self.password = password
        }
    }

    public init(_ registration: Registration, avatar: String = "", coverImage: String = "") {
        self.init(
            username: registration.username, email: registration.email, fullName: registration.fullName, avatar: avatar,
            coverImage: coverImage, password: registration.password)
    }

    /// `POST /users/login`'s fields: an email, a username or both, and the password.
    public struct Login: Codable, Sendable {
        public var email: String?
        public var username: String?
        public var password: String

        public init(email: String? = nil, username: String? = nil, password: String) {
            self.email = email
            self.username = username
            self.password = password
        }
    }
}

extension ModelCollection where M == User {
    /// The account a login names, or nil. Only the identifiers actually given are matched.
    ///
    /// **Fix:** the Node version ran `User.findOne({$or: [{username}, {email}]})`. With only an
    /// email, `username` is `undefined`, mongoose drops it, the filter becomes
    /// `{$or: [{}, {email}]}`, and `{}` matches *any* user: the first account in the collection.
    ///
    /// Given both, they must name the same account: `{username, email}`. (With `$or`, a made-up
    /// username beside someone's email finds that someone, each time under a new name.)
    public func findForLogin(_ login: User.Login) async throws -> User? {
        var filter = Document()
        if let email = login.email?.trimmingWhitespace().lowercased(), !email.isEmpty {
            filter["email"] = .string(email)
        }
        if let username = login.username?.trimmingWhitespace().lowercased(), !username.isEmpty {
            filter["username"] = .string(username)
        }
        guard !filter.isEmpty else { throw ValidationError("username", "username or email is required") }
        return try await findOne(filter)
    }
}

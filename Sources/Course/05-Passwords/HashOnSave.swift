// The user model's `pre("save")` hook and `isPasswordCorrect` method, in Swift.
//
// ```js
// userSchema.pre("save", async function (next) {
//     if (!this.isModified("password")) return next()
//     this.password = await bcrypt.hash(this.password, 10)
//     next()
// })
// ```
//
// `hashOnSave` is a `BeforeSave` hook for the users collection (chapter 04's
// `ModelCollection`): it sees the fields being written, and only when `password` is among them
// does it check the new password and replace it with its hash. An update that does not touch
// the password (renaming, a new avatar, storing a refresh token) never re-hashes it.

import BSON
import Exercises
import Models

extension PasswordHasher {
    /// A new password must have 8 characters or more, and at most 72 bytes: bcrypt's limit.
    public static let minPasswordCharacters = 8

    /// The users' save hook: hash `password` whenever it is written.
    public var hashOnSave: BeforeSave {
        { fields in
            // EXERCISE 5.1: hash on save: only when the password is written
            guard let value = fields["password"] else { return }  // !isModified("password")
            guard let password = value.stringValue else {
                throw ValidationError("password", "password must be a string")
            }
            try Self.validateNew(password)
            fields["password"] = .string(try await self.hash(password))
            // END EXERCISE 5.1
        }
    }

    /// `user.isPasswordCorrect(password)`: false for a wrong password, and for an account that
    /// has no usable hash, such as the seeded demo accounts.
    public func isPasswordCorrect(_ password: String, for user: User) async throws -> Bool {
        // EXERCISE 5.2: isPasswordCorrect: compare on login
        try await verify(password, against: user.password)
        // END EXERCISE 5.2
    }

    /// The rules for a new password, as a validation error naming the field `password`.
    public static func validateNew(_ password: String, field: String = "password") throws(ValidationError) {
        guard password.count >= minPasswordCharacters else {
            throw ValidationError(field, "\(field) must be at least \(minPasswordCharacters) characters long")
        }
        do {
            try check(password)
        } catch {
            throw ValidationError(field, field + error.description.dropFirst("password".count))
        }
    }

    /// `BCRYPT_COST`, 4…31, 10 when unset: for a hasher configured from the settings.
    /// `BCRYPT_QUEUE_LIMIT`, 32 when unset: how many hashes may wait for the hashing threads.
    public static func queueLimit(from text: String?) throws(PasswordError) -> Int {
        guard let text else { return 32 }
        guard let limit = Int(text), limit > 0 else {
            throw PasswordError("BCRYPT_QUEUE_LIMIT must be a positive number, not \"\(text)\"")
        }
        return limit
    }

    public static func cost(from text: String?) throws(PasswordError) -> Int {
        guard let text else { return 10 }
        guard let cost = Int(text), (4...31).contains(cost) else {
            throw PasswordError("BCRYPT_COST must be a number from 4 to 31, not \"\(text)\"")
        }
        return cost
    }
}

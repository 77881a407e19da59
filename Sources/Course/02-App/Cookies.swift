// Cookies, as the course uses them: the server sets `accessToken` and `refreshToken` as
// httpOnly cookies, which JavaScript in the page cannot read, and reads them back on each
// request: `cookie-parser` in Express, `request.cookies` in Hummingbird.

import Database
import Exercises
import Foundation
import Hummingbird

public struct CookieSettings: Sendable, Equatable {
    /// Sent only over HTTPS. Browsers accept Secure cookies from http://localhost too.
    public var secure: Bool
    /// `COOKIE_SAMESITE`: Lax (default), Strict or None.
    public var sameSite: Cookie.SameSite

    public init(secure: Bool = true, sameSite: Cookie.SameSite = .lax) {
        self.secure = secure
        self.sameSite = sameSite
    }

    init(_ settings: Settings) throws(ConfigError) {
        let text = settings["COOKIE_SAMESITE"] ?? "Lax"
        guard
            let sameSite = [Cookie.SameSite.lax, .strict, .none].first(where: {
                $0.rawValue.lowercased() == text.lowercased()
            })
        else {
            throw ConfigError("COOKIE_SAMESITE must be Lax, Strict or None, not \"\(text)\"")
        }
        self.init(secure: true, sameSite: sameSite)
    }

    /// An httpOnly cookie for the whole site that expires after `maxAge` seconds. Names and
    /// values outside RFC 6265's characters are refused (400), never sent malformed.
    public func cookie(_ name: String, _ value: String, maxAge: Int) throws -> Cookie {
        // EXERCISE 2.2: an httpOnly cookie, as res.cookie(name, value, options) makes it
        do {
            return try Cookie.validated(
                name: name, value: value, maxAge: maxAge, path: "/", secure: secure, httpOnly: true, sameSite: sameSite)
        } catch {
            throw HTTPError(
                .badRequest, message: "a cookie must be plain ASCII: no spaces, quotes, commas, semicolons or \\")
        }
        // END EXERCISE 2.2
    }

    /// A cookie that tells the browser to forget `name`: an empty value, already expired.
    public func clearing(_ name: String) throws -> Cookie {
        do {
            return try Cookie.validated(
                name: name, value: "", expires: Date(timeIntervalSince1970: 0), maxAge: 0, path: "/", secure: secure,
                httpOnly: true,
                sameSite: sameSite)
        } catch {
            throw HTTPError(.badRequest, message: "invalid cookie name")
        }
    }
}

extension Response {
    /// Adds the `Set-Cookie` header with the attributes always in one order, the one Express's
    /// `cookie` package writes: `name=value; Max-Age; Domain; Path; Expires; HttpOnly; Secure;
    /// SameSite`. (Hummingbird's own `setCookie` takes them from a hash table, whose order changes
    /// from one run of the server to the next.)
    public mutating func setCookieInOrder(_ cookie: Cookie) {
        var text = "\(cookie.name)=\(cookie.value)"
        if let maxAge = cookie.maxAge { text += "; Max-Age=\(maxAge)" }
        if let domain = cookie.domain { text += "; Domain=\(domain)" }
        if let path = cookie.path { text += "; Path=\(path)" }
        if let expires = cookie.properties["Expires"] { text += "; Expires=\(expires)" }
        if cookie.httpOnly { text += "; HttpOnly" }
        if cookie.secure { text += "; Secure" }
        if let sameSite = cookie.sameSite { text += "; SameSite=\(sameSite.rawValue)" }
        headers[values: .setCookie].append(text)
    }
}

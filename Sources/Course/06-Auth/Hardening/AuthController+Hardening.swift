// The user routes' hardening, beyond the course: passwords tried at most so often (Throttle.swift),
// sign-ins and cookie-signed requests from other sites refused (CrossSite.swift), and a device
// that signed in before spared the account-wide limit (DeviceCookies.swift). AuthController
// names each of these in one line; here is what they do.

import App
import BSON
import Hummingbird

extension AuthController {
    /// Login's group: no sign-in from another site, which is login CSRF, and a limit on tries.
    func signInGroup(_ group: RouterGroup<AppRequestContext>) -> RouterGroup<AppRequestContext> {
        group.group().add(middleware: crossSite.refusal).add(middleware: throttle.middleware)
    }

    /// Refresh's group: no refresh from another site, and a limit of its own.
    func refreshGroup(_ group: RouterGroup<AppRequestContext>) -> RouterGroup<AppRequestContext> {
        group.group().add(middleware: crossSite.refusal).add(middleware: throttle.refreshMiddleware)
    }

    /// Change-password's group, inside verifyJWT's: a limit on tries.
    func passwordGroup(_ secured: RouterGroup<AppRequestContext>) -> RouterGroup<AppRequestContext> {
        secured.group().add(middleware: throttle.middleware)
    }

    /// One login's limits: who tries, from which address, with which device cookie.
    struct LoginAttempt: Sendable {
        let controller: AuthController
        let address: String
        let device: (account: String, id: String)?

        /// Counts the try against the account found, before its hash is checked; a device that
        /// signed in to that account before is counted alone, outside the account's ceiling.
        @Sendable func admit(_ account: ObjectId) async throws {
            let known = device?.account == account.hex ? device?.id : nil
            try await controller.throttle.admit(account: account.hex, from: address, device: known)
        }

        /// Gives this browser a device cookie for the account, when it has none for it yet.
        func remember(_ user: ObjectId, on response: inout Response) async throws {
            guard device?.account != user.hex else { return }
            let token = try await controller.devices.issue(for: user)
            response.setCookieInOrder(
                try controller.cookies.cookie("deviceToken", token, maxAge: DeviceCookies.lifetime))
        }
    }

    func loginAttempt(_ request: Request, _ context: AppRequestContext) async -> LoginAttempt {
        LoginAttempt(
            controller: self, address: throttle.clientAddress(request, context),
            device: await devices.verify(request.cookies["deviceToken"]?.value))
    }

    /// Counts a change-password try against the account; bcrypt then checks the old password.
    func admitPasswordChange(of user: ObjectId, _ request: Request, _ context: AppRequestContext) async throws {
        try await throttle.admit(account: user.hex, from: throttle.clientAddress(request, context))
    }
}

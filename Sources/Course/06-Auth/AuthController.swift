// The user routes of chapter 06 (`/api/v1/users`), as the contract has them: register (JSON
// here; chapter 08 registers with the multipart route), login, logout, refresh-token, change-password, current-user,
// update-account.

import App
import BSON
import Hummingbird
import ModelRoutes
import Models
import Passwords
import Responses

public struct AuthController: Sendable {
    public let sessions: SessionStore
    let cookies: CookieSettings
    /// The middleware the routes that need a logged-in user sit behind.
    public let verifyJWT: VerifyJWT

    // The hardening (Hardening/): limits on the routes that check or hash passwords, cross-site
    // requests and sign-ins refused, and the device cookies that spare an owner the account's limit.
    public let throttle: Throttle
    public let crossSite: CrossSiteGuard
    let devices: DeviceCookies

    public init(
        sessions: SessionStore, cookies: CookieSettings, throttle: Throttle,
        crossSite: CrossSiteGuard = CrossSiteGuard(allowedOrigins: [])
    ) {
        self.sessions = sessions
        self.cookies = cookies
        self.crossSite = crossSite
        self.devices = DeviceCookies(secret: sessions.tokens.settings.refreshSecret)
        self.verifyJWT = VerifyJWT(sessions: sessions, crossSite: crossSite)
        self.throttle = throttle
    }

    /// Adds the session routes under `group`, e.g. `/api/v1/users`. Registering is not among
    /// them: chapter 06 adds its JSON `register` itself, chapter 08 and the Final server the
    /// multipart one that carries the avatar.
    ///
    /// The routes that check passwords sit in groups with limits and guards of their own
    /// (`signInGroup`, `refreshGroup`, `passwordGroup`: Hardening/AuthController+Hardening.swift).
    public func addRoutes(to group: RouterGroup<AppRequestContext>) {
        signInGroup(group).post("login", use: login)
        refreshGroup(group).post("refresh-token", use: refresh)
        let secured = group.group().add(middleware: verifyJWT)
        secured.post("logout", use: logout)
        secured.get("sessions", use: listSessions)
        secured.delete("sessions/:sessionId", use: endSession)
        secured.delete("sessions", use: endOtherSessions)
        passwordGroup(secured).post("change-password", use: changePassword)
        secured.get("current-user", use: currentUser)
        secured.patch("update-account", use: updateAccount)
    }

    // MARK: Bodies and answers

    public struct LoggedIn: Encodable, Sendable {
        public let user: PublicUser
        public let accessToken: String
        public let refreshToken: String
    }

    struct RefreshBody: Decodable { var refreshToken: String? }

    /// One of the user's sessions as `GET /sessions` lists it, never with its token hash.
    public struct SessionInfo: Encodable, Sendable {
        public let _id: ObjectId
        public let createdAt: BSONDate
        public let lastUsedAt: BSONDate
        public let userAgent: String
        /// The session the request itself belongs to.
        public let current: Bool
    }
    struct PasswordChange: Decodable { var oldPassword: String; var newPassword: String }
    struct AccountChange: Decodable { var fullName: String?; var email: String? }

    // MARK: Handlers

    /// `POST /register` with a JSON body. In chapter 06 `avatar` may be "": uploads come in 08.
    @Sendable public func register(_ request: Request, context: AppRequestContext) async throws -> APIResponse<
        PublicUser
    > {
        let registration = try await request.decodeBody(as: User.Registration.self, context: context)
        let user = try await sessions.users.insert(User(registration))
        return APIResponse(201, user.profile, "User registered successfully")
    }

    /// `POST /login {username or email, password}`: a new session, its tokens in the body and in
    /// httpOnly cookies.
    @Sendable func login(_ request: Request, context: AppRequestContext) async throws -> Response {
        let credentials = try await request.decodeBody(as: User.Login.self, context: context)
        let attempt = await loginAttempt(request, context)  // its limits (Hardening/)
        let (user, pair) = try await sessions.login(
            credentials, userAgent: request.headers[.userAgent], admit: attempt.admit)
        let body = LoggedIn(user: user.profile, accessToken: pair.accessToken, refreshToken: pair.refreshToken)
        var response = try withTokenCookies(
            APIResponse(200, body, "User logged in successfully"), pair, request, context)
        try await attempt.remember(user._id, on: &response)
        return response
    }

    /// The cookie is used whatever the body holds (a browser sends the cookie with any body);
    /// only without one is the body read, for clients that keep the token themselves.
    @Sendable func refresh(_ request: Request, context: AppRequestContext) async throws -> Response {
        let presented: String
        if let cookie = request.cookies["refreshToken"]?.value.nonEmpty {
            try crossSite.check(request)
            presented = cookie
        } else {
            let body = try await request.decodeBody(as: RefreshBody.self, context: context)
            guard let token = body.refreshToken?.nonEmpty else { throw APIError.unauthorized("Unauthorized request") }
            presented = token
        }
        let pair = try await sessions.refresh(presented)
        return try withTokenCookies(APIResponse(200, pair, "Access token refreshed"), pair, request, context)
    }

    /// Ends this session only: its refresh token and its access tokens stop working at once; the
    /// user's other devices stay logged in.
    @Sendable func logout(_ request: Request, context: AppRequestContext) async throws -> Response {
        let me = try context.requireSignedIn()
        try await sessions.end(me.session, of: me.user._id)
        return try withoutTokenCookies(APIResponse(200, Empty(), "User logged out"), request, context)
    }

    /// Ends every session, this one included: no token issued before works anywhere.
    @Sendable func changePassword(_ request: Request, context: AppRequestContext) async throws -> Response {
        let change = try await request.decodeBody(as: PasswordChange.self, context: context)
        let user = try context.requireUser()
        try await admitPasswordChange(of: user._id, request, context)  // its limits (Hardening/)
        try await sessions.changePassword(user._id, old: change.oldPassword, new: change.newPassword)
        return try withoutTokenCookies(APIResponse(200, Empty(), "Password changed successfully"), request, context)
    }

    /// `GET /sessions`: where the user is logged in, newest first.
    @Sendable func listSessions(_ request: Request, context: AppRequestContext) async throws -> APIResponse<
        [SessionInfo]
    > {
        let me = try context.requireSignedIn()
        let list = try await sessions.list(of: me.user._id).map {
            SessionInfo(
                _id: $0._id, createdAt: $0.createdAt, lastUsedAt: $0.lastUsedAt, userAgent: $0.userAgent,
                current: $0._id == me.session)
        }
        return APIResponse(200, list, "Sessions fetched successfully")
    }

    /// `DELETE /sessions/:sessionId`: logs out one device; 404 if it is not one of the caller's.
    @Sendable func endSession(_ request: Request, context: AppRequestContext) async throws -> APIResponse<Empty> {
        let me = try context.requireSignedIn()
        let id = try context.parameters.objectId("sessionId")
        guard try await sessions.end(id, of: me.user._id) else { throw SessionStore.Failure.unknownSession }
        return APIResponse(200, Empty(), "Session ended")
    }

    /// `DELETE /sessions`: logs out every other device.
    @Sendable func endOtherSessions(_ request: Request, context: AppRequestContext) async throws -> APIResponse<Empty> {
        let me = try context.requireSignedIn()
        try await sessions.endAll(of: me.user._id, except: me.session)
        return APIResponse(200, Empty(), "Other sessions ended")
    }

    @Sendable func currentUser(_ request: Request, context: AppRequestContext) async throws -> APIResponse<PublicUser> {
        APIResponse(200, try context.requireUser(), "User fetched successfully")
    }

    /// `PATCH /update-account {fullName, email}`: both required, normalised by the model's rules;
    /// an email another account has is 409: the unique index decides, as at registration.
    @Sendable func updateAccount(_ request: Request, context: AppRequestContext) async throws -> APIResponse<PublicUser>
    {
        let change = try await request.decodeBody(as: AccountChange.self, context: context)
        var v = Validator()
        var fullName = change.fullName ?? "", email = change.email ?? ""
        v.apply(User.Rules.fullName, to: &fullName)
        v.apply(User.Rules.email, to: &email)
        try v.finish()
        let me = try context.requireUser()
        guard
            let updated = try await sessions.users.updateById(
                me._id, ["$set": ["fullName": .string(fullName), "email": .string(email)]])
        else {
            throw APIError.unauthorized("Invalid access token")
        }
        return APIResponse(200, updated.profile, "Account details updated successfully")
    }

    // MARK: Helpers

    /// The response with both token cookies: httpOnly, each with its token's lifetime as Max-Age.
    func withTokenCookies(
        _ answer: some ResponseGenerator, _ pair: TokenPair, _ request: Request, _ context: AppRequestContext
    ) throws -> Response {
        var response = try answer.response(from: request, context: context)
        let settings = sessions.tokens.settings
        response.setCookieInOrder(try cookies.cookie("accessToken", pair.accessToken, maxAge: settings.accessLifetime))
        response.setCookieInOrder(
            try cookies.cookie("refreshToken", pair.refreshToken, maxAge: settings.refreshLifetime))
        return response
    }

    /// The response with both token cookies cleared.
    func withoutTokenCookies(_ answer: some ResponseGenerator, _ request: Request, _ context: AppRequestContext) throws
        -> Response
    {
        var response = try answer.response(from: request, context: context)
        response.setCookieInOrder(try cookies.clearing("accessToken"))
        response.setCookieInOrder(try cookies.clearing("refreshToken"))
        return response
    }
}

/// A password that cannot be checked: the hashing queue is full, 503 with a retry after a second;
/// or the password itself cannot be hashed, 400.
extension PasswordError: APIErrorRepresentable {
    public var statusCode: Int { isBusy ? 503 : 400 }
    public var message: String { description }
    public var retryAfter: Int? { isBusy ? 1 : nil }
}

/// How a session failure answers: its status and public message, written by the error middleware.
extension SessionStore.Failure: APIErrorRepresentable {
    public var statusCode: Int {
        switch self {
        case .unknownUser, .unknownSession: 404
        case .wrongPassword, .invalidRefreshToken, .refreshTokenReused, .sessionExpired: 401
        case .wrongOldPassword: 400
        }
    }

    public var message: String {
        switch self {
        case .unknownUser: "User does not exist"
        case .wrongPassword: "Invalid user credentials"
        case .invalidRefreshToken: "Invalid refresh token"
        case .refreshTokenReused: "Refresh token is expired or used"
        case .wrongOldPassword: "Invalid old password"
        case .unknownSession: "Session not found"
        case .sessionExpired: "Session expired: log in again"
        }
    }

    public var fieldErrors: [FieldError] {
        self == .wrongOldPassword
            ? [FieldError(field: "oldPassword", message: "oldPassword is not the current password")] : []
    }
}

extension String {
    var nonEmpty: String? { isEmpty ? nil : self }
}

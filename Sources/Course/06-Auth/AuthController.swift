import App
import BSON
import Hummingbird
import ModelRoutes
import Models
import Passwords
// The user routes of chapter 06 (`/api/v1/users`), as the contract has them: register (JSON
// here; chapter 08 registers with the multipart route), login, logout, refresh-token, change-password, current-user,
// update-account.
import Responses

public struct AuthController: Sendable {
    let sessions: Sessions
    let cookies: CookieSettings
    /// The middleware the routes that need a logged-in user sit behind.
    public let verifyJWT: VerifyJWT

    public init(sessions: Sessions, cookies: CookieSettings) {
        self.sessions = sessions
        self.cookies = cookies
        self.verifyJWT = VerifyJWT(tokens: sessions.tokens, users: sessions.users)
    }

    /// Adds the session routes under `group` (e.g. `/api/v1/users`). Registering is not among
    /// them: chapter 06 adds `register` (JSON) itself, chapter 08 and the Final server the
    /// multipart one that carries the avatar.
    public func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.post("login", use: login)
        group.post("refresh-token", use: refresh)
        let secured = group.group().add(middleware: verifyJWT)
        secured.post("logout", use: logout)
        secured.post("change-password", use: changePassword)
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
    struct PasswordChange: Decodable { var oldPassword: String; var newPassword: String }
    struct AccountChange: Decodable { var fullName: String?; var email: String? }

    // MARK: Handlers

    /// `POST /register` with a JSON body (chapter 06; `avatar` may be "" until chapter 08).
    @Sendable public func register(_ request: Request, context: AppRequestContext) async throws -> APIResponse<PublicUser> {
        let registration = try await request.decodeBody(as: User.Registration.self, context: context)
        let user = try await sessions.users.insert(User(registration))
        return APIResponse(201, user.profile, "User registered successfully")
    }

    @Sendable func login(_ request: Request, context: AppRequestContext) async throws -> Response {
        let credentials = try await request.decodeBody(as: User.Login.self, context: context)
        let (user, pair) = try await sessions.login(credentials)
        let body = LoggedIn(user: user.profile, accessToken: pair.accessToken, refreshToken: pair.refreshToken)
        return try withTokenCookies(APIResponse(200, body, "User logged in successfully"), pair, request, context)
    }

    @Sendable func refresh(_ request: Request, context: AppRequestContext) async throws -> Response {
        let body = try await request.decodeBody(as: RefreshBody.self, context: context)
        guard let presented = request.cookies["refreshToken"]?.value.nonEmpty ?? body.refreshToken?.nonEmpty else {
            throw APIError.unauthorized("Unauthorized request")
        }
        let pair = try await sessions.refresh(presented)
        return try withTokenCookies(APIResponse(200, pair, "Access token refreshed"), pair, request, context)
    }

    @Sendable func logout(_ request: Request, context: AppRequestContext) async throws -> Response {
        try await sessions.logout(try context.requireUser()._id)
        var response = try APIResponse(200, Empty(), "User logged out").response(from: request, context: context)
        response.setCookie(try cookies.clearing("accessToken"))
        response.setCookie(try cookies.clearing("refreshToken"))
        return response
    }

    @Sendable func changePassword(_ request: Request, context: AppRequestContext) async throws -> APIResponse<Empty> {
        let change = try await request.decodeBody(as: PasswordChange.self, context: context)
        let user = try context.requireUser()
        try await sessions.changePassword(user._id, old: change.oldPassword, new: change.newPassword)
        return APIResponse(200, Empty(), "Password changed successfully")
    }

    @Sendable func currentUser(_ request: Request, context: AppRequestContext) async throws -> APIResponse<PublicUser> {
        APIResponse(200, try context.requireUser(), "User fetched successfully")
    }

    /// `PATCH /update-account {fullName, email}`: both required, normalised by the model's rules;
    /// an email another account has is 409 (the unique index decides, as at registration).
    @Sendable func updateAccount(_ request: Request, context: AppRequestContext) async throws -> APIResponse<PublicUser> {
        let change = try await request.decodeBody(as: AccountChange.self, context: context)
        var v = Validator()
        var fullName = change.fullName ?? "", email = change.email ?? ""
        v.apply(User.Rules.fullName, to: &fullName)
        v.apply(User.Rules.email, to: &email)
        try v.finish()
        let me = try context.requireUser()
        guard let updated = try await sessions.users.updateById(me._id, ["$set": ["fullName": .string(fullName), "email": .string(email)]]) else {
            throw APIError.unauthorized("Invalid access token")
        }
        return APIResponse(200, updated.profile, "Account details updated successfully")
    }

    // MARK: Helpers

    /// The response with both token cookies (httpOnly; Max-Age = each token's lifetime).
    func withTokenCookies(_ answer: some ResponseGenerator, _ pair: TokenPair, _ request: Request, _ context: AppRequestContext) throws -> Response {
        var response = try answer.response(from: request, context: context)
        let settings = sessions.tokens.settings
        response.setCookie(try cookies.cookie("accessToken", pair.accessToken, maxAge: settings.accessLifetime))
        response.setCookie(try cookies.cookie("refreshToken", pair.refreshToken, maxAge: settings.refreshLifetime))
        return response
    }
}

/// How a session failure answers: its status and public message, written by the error middleware.
extension Sessions.Failure: APIErrorRepresentable {
    public var statusCode: Int {
        switch self {
        case .unknownUser: 404
        case .wrongPassword, .invalidRefreshToken, .refreshTokenReused: 401
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
        }
    }

    public var fieldErrors: [FieldError] {
        self == .wrongOldPassword ? [FieldError(field: "oldPassword", message: "oldPassword is not the current password")] : []
    }
}

extension String {
    var nonEmpty: String? { isEmpty ? nil : self }
}

// Chapter 05 — bcrypt.
//
// Chapter 04's users collection with a save hook that hashes passwords (Sources/Passwords),
// and two routes to try it: register an account, then check a password against it.
//
//   curl -X POST localhost:8000/api/v1/users/register -H 'Content-Type: application/json' \
//        -d '{"fullName": "Asha", "email": "asha@example.com", "username": "asha", "password": "chai aur code"}'
//   curl -X POST localhost:8000/api/v1/users/check -H 'Content-Type: application/json' \
//        -d '{"username": "asha", "password": "chai aur code"}'
import Api
import App
import Models
import ModelsAPI
import Passwords

struct PasswordCheck: Encodable, Sendable {
    let passwordCorrect: Bool
}

await runServer(name: "chapter05", serves: "POST /api/v1/users/register, POST /api/v1/users/check, GET /api/v1/healthcheck") { router, db, config in
    let hasher = PasswordHasher(cost: try PasswordHasher.cost(from: config.environment.get("BCRYPT_COST")))
    let users = Collections(db.database, userBeforeSave: hasher.hashOnSave).users
    HealthController(storage: db.storage).addRoutes(to: router)

    router.post("api/v1/users/register") { request, context in
        let registration = try await request.decodeBody(as: User.Registration.self, context: context)
        let user = try await users.insert(User(registration))  // the save hook hashes the password
        return ApiResponse(201, user.profile, "User registered successfully")
    }

    router.post("api/v1/users/check") { request, context in
        let login = try await request.decodeBody(as: User.Login.self, context: context)
        guard let user = try await users.findForLogin(login) else { throw ApiError.notFound("User does not exist") }
        guard try await hasher.isPasswordCorrect(login.password, for: user) else { throw ApiError.unauthorized("Invalid user credentials") }
        return ApiResponse(200, PasswordCheck(passwordCorrect: true), "Password is correct")
    }
} prepare: { db in
    try await Collections(db.database).createIndexes()
}

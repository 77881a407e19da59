// Chapter 08: the user routes that carry files, where chapter 07's uploads meet media storage.
//
// ```js
// const avatarLocalPath = req.files?.avatar[0]?.path
// if (!avatarLocalPath) throw new APIError(400, "Avatar file is required")
// const avatar = await uploadOnCloudinary(avatarLocalPath)
// const user = await User.create({ fullName, avatar: avatar.url, coverImage: coverImage?.url || "", … })
// ```
//
// - `POST /register` (multipart): the text fields are checked *before* anything is uploaded;
//   the avatar (required) and cover image go to media storage; if storing the user then fails
//   (the username was taken meanwhile: 409), the uploaded assets are deleted again.
// - `PATCH /avatar`, `PATCH /cover-image` (auth): the new image is stored, the user updated,
//   and the **replaced asset is deleted** from storage. The original left it there for ever.
//
// The temp files are deleted by `Uploads.receive`'s scope in every outcome.

import App
import Auth
import BSON
import Exercises
import Hummingbird
import Logging
import Media
import ModelRoutes
import Models
import Passwords
import Responses
import Uploads

public struct AccountMediaController: Sendable {
    let users: ModelCollection<User>
    let uploads: Uploads
    let media: any MediaStorage
    let verifyJWT: VerifyJWT
    let throttle: Throttle

    /// `verifyJWT` and `throttle` are chapter 06's, from `AuthController`.
    public init(
        users: ModelCollection<User>, uploads: Uploads, media: any MediaStorage, verifyJWT: VerifyJWT,
        throttle: Throttle
    ) {
        self.users = users
        self.uploads = uploads
        self.media = media
        self.verifyJWT = verifyJWT
        self.throttle = throttle
    }

    /// Adds the routes under `group`, such as `/api/v1/users`.
    public func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.group().add(middleware: verifyJWT.crossSite.refusal).add(middleware: throttle.middleware).post(
            "register", use: register)
        let secured = group.group().add(middleware: verifyJWT)
        secured.patch("avatar") { request, context in try await replace(.avatar, request, context) }
        secured.patch("cover-image") { request, context in try await replace(.coverImage, request, context) }
    }

    @Sendable func register(_ request: Request, context: AppRequestContext) async throws -> APIResponse<PublicUser> {
        try await uploads.receive(request, files: [.image("avatar", required: true), .image("coverImage")]) { form in
            let registration = User.Registration(
                fullName: form.fields["fullName"] ?? "", email: form.fields["email"] ?? "",
                username: form.fields["username"] ?? "",
                password: form.fields["password"] ?? "")
            var user = User(registration)
            try user.validate()  // cheap checks first: nothing is uploaded for a form that cannot succeed
            try PasswordHasher.validateNew(registration.password)

            // EXERCISE 8.1: register: upload the images, and delete them if the user is not created
            var stored: [StoredMedia] = []
            do {
                let avatar = try await media.upload(form.files["avatar"]!, folder: "avatars")
                stored.append(avatar)
                user.avatar = avatar.url
                user.avatarId = avatar.publicId
                if let file = form.files["coverImage"] {
                    let cover = try await media.upload(file, folder: "covers")
                    stored.append(cover)
                    user.coverImage = cover.url
                    user.coverImageId = cover.publicId
                }
                let created = try await users.insert(user)
                return APIResponse(201, created.profile, "User registered successfully")
            } catch {
                // No orphaned assets for a user that was not created.
                await media.deleteQuietly(stored, logger: context.logger)
                throw error
            }
            // END EXERCISE 8.1
        }
    }

    enum Image {
        case avatar, coverImage
        var field: String { self == .avatar ? "avatar" : "coverImage" }
        var folder: String { self == .avatar ? "avatars" : "covers" }
        var idField: String { self == .avatar ? "avatarId" : "coverImageId" }
    }

    func replace(_ image: Image, _ request: Request, _ context: AppRequestContext) async throws -> APIResponse<
        PublicUser
    > {
        let me = try context.requireUser()
        return try await uploads.receive(request, files: [.image(image.field, required: true)]) { form in
            guard let before = try await users.findById(me._id) else {
                throw APIError.unauthorized("Invalid access token")
            }
            let stored = try await media.upload(form.files[image.field]!, folder: image.folder)
            let after: User?
            do {
                after = try await users.updateById(
                    me._id, ["$set": [image.field: .string(stored.url), image.idField: .string(stored.publicId)]])
            } catch {
                await media.deleteQuietly([stored], logger: context.logger)
                throw error
            }
            guard let after else {
                await media.deleteQuietly([stored], logger: context.logger)
                throw APIError.unauthorized("Invalid access token")
            }
            // The replaced asset leaves storage too, by its id or one derived from the old URL.
            // EXERCISE 8.2: a replaced avatar leaves media storage
            let old =
                image == .avatar
                ? media.asset(url: before.avatar, id: before.avatarId, resourceType: "image")
                : media.asset(url: before.coverImage, id: before.coverImageId, resourceType: "image")
            if let old { await media.deleteQuietly([old], logger: context.logger) }
            // END EXERCISE 8.2
            return APIResponse(
                200, after.profile,
                image == .avatar ? "Avatar image updated successfully" : "Cover image updated successfully")
        }
    }
}

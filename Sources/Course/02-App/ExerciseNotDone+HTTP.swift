// An open exercise answers 501 Not Implemented, naming itself: "Exercise 2.1 is yours to write".
// From chapter 03 on, the error middleware writes it in the API's shape (Responses).

import Exercises
import HTTPTypes
import Hummingbird

extension ExerciseNotDone: HTTPResponseError {
    public var status: HTTPResponse.Status { .notImplemented }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        try HTTPError(status, message: description).response(from: request, context: context)
    }
}

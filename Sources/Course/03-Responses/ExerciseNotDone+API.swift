// An open exercise, in the API's error shape: 501 and its own message.

import Exercises

extension ExerciseNotDone: APIErrorRepresentable {
    public var statusCode: Int { 501 }
    public var message: String { description }
}

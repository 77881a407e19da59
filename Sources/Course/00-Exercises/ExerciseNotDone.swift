// What an exercise's stub throws until you write it.
//
// `make exercise N=6` cuts chapter 06's exercises out of the real code and leaves a stub in
// each: `throw ExerciseNotDone("6.2")`. The code still compiles and the rest of the chapter
// still runs; a route that reaches the stub answers 501 "Exercise 6.2 is yours to write", and
// `make check N=6` tells you which exercises are done. scripts/exercises.py does the cutting.

/// The error a stub throws: the exercise `id` ("6.2") is not written yet.
public struct ExerciseNotDone: Error, Sendable, Equatable, CustomStringConvertible {
    public let id: String

    public init(_ id: String) { self.id = id }

    public var description: String {
        "Exercise \(id) is yours to write: the code says what must hold (the recipe: make hint N=\(chapter) "
            + "E=\(id.drop { $0 != "." }.dropFirst())), then run make check N=\(chapter)"
    }

    /// The chapter the exercise belongs to: "6" for "6.2", "9" for the Final server's.
    public var chapter: String { String(id.prefix { $0 != "." }) }
}

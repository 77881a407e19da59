// What an exercise's stub throws until you write it.
//
// `make exercise N=6` cuts chapter 06's exercises out of the real code and leaves a stub in
// each: `throw ExerciseNotDone("6.2")`. The code still compiles and the rest of the chapter
// still runs; a route that reaches the stub answers 501 "Exercise 6.2 is yours to write", and
// `make check N=6` tells you which exercises are done. scripts/exercises.py does the cutting.

#if canImport(Glibc)
    import Glibc
#else
    import Darwin
#endif

/// The error a stub throws: the exercise `id` ("6.2") is not written yet.
public struct ExerciseNotDone: Error, Sendable, Equatable, CustomStringConvertible {
    public let id: String

    public init(_ id: String) {
        self.id = id
        Self.noteReached(id, in: getenv("EXERCISES_REACHED").map { String(cString: $0) })
    }

    /// `make check` sets EXERCISES_REACHED to a file: each stub that runs adds its id, so a failing
    /// test is blamed on the stub it reached, not on a cut exercise it never got to.
    public static func noteReached(_ id: String, in path: String?) {
        guard let path else { return }
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT, 0o644)
        guard fd >= 0 else { return }
        defer { close(fd) }
        let line = Array("\(id)\n".utf8)
        _ = line.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }  // one append: whole lines
    }

    public var description: String {
        "Exercise \(id) is yours to write: the code says what must hold (the recipe: make hint N=\(chapter) "
            + "E=\(id.drop { $0 != "." }.dropFirst())), then run make check N=\(chapter)"
    }

    /// The chapter the exercise belongs to: "6" for "6.2", "9" for the Final server's.
    public var chapter: String { String(id.prefix { $0 != "." }) }
}

// Schema rules, checked before anything is written.
//
// Mongoose declares rules on the schema (`required`, `trim`, `lowercase`, `unique`) and runs
// them on `save()`. Here each rule is a value (`TextRule`) that normalises a field (trims,
// lowercases) and checks it, and a model's `validate()` applies its rules field by field,
// collecting every problem, so one `ValidationError` names *all* the bad fields at once.
// Routes turn it into a 400 whose `errors` list those fields.
//
// `unique` is not a validation rule (mongoose's docs say so too): only the database can know,
// atomically, whether a value is taken. Unique indexes do that job (see `Collections`).

/// One or more fields broke their schema rules.
public struct ValidationError: Error, Sendable, Equatable, CustomStringConvertible {
    public struct Issue: Error, Sendable, Equatable {
        public var field: String
        public var message: String
        public init(field: String, message: String) {
            self.field = field
            self.message = message
        }
    }

    public var issues: [Issue]

    public init(issues: [Issue]) { self.issues = issues }
    public init(_ field: String, _ message: String) { self.issues = [Issue(field: field, message: message)] }

    /// "email must be a valid email address" — or, for several fields, each issue in turn.
    public var description: String { issues.map(\.message).joined(separator: "; ") }
}

/// A rule for one text field: trim, maybe lowercase, then check presence, length and shape.
public struct TextRule: Sendable {
    public let field: String
    public var trims = true
    public var lowercases = false
    /// Allowed length in characters, after trimming. A lower bound of 1 means "required".
    public var length: ClosedRange<Int>
    /// Further check on the normalised text, with the message shown when it fails.
    public var check: (@Sendable (String) -> Bool)?
    public var checkMessage = ""

    public init(
        _ field: String, length: ClosedRange<Int>, trims: Bool = true, lowercases: Bool = false,
        check: (@Sendable (String) -> Bool)? = nil, message: String = ""
    ) {
        self.field = field
        self.length = length
        self.trims = trims
        self.lowercases = lowercases
        self.check = check
        self.checkMessage = message
    }

    /// The normalised value, or the issue that rules it out.
    public func apply(_ raw: String) -> Result<String, ValidationError.Issue> {
        var value = trims ? raw.trimmingWhitespace() : raw
        if lowercases { value = value.lowercased() }
        let count = value.count
        if count == 0 && length.lowerBound > 0 {
            return .failure(.init(field: field, message: "\(field) is required"))
        }
        guard length.contains(count) else {
            let bounds = length.lowerBound == length.upperBound ? "\(length.lowerBound)" : "\(length.lowerBound) to \(length.upperBound)"
            return .failure(.init(field: field, message: "\(field) must be \(bounds) characters long"))
        }
        if let check, count > 0, !check(value) {
            return .failure(.init(field: field, message: checkMessage.isEmpty ? "\(field) is invalid" : checkMessage))
        }
        return .success(value)
    }

    /// The normalised value, or a `ValidationError` naming this field.
    public func normalize(_ raw: String) throws(ValidationError) -> String {
        switch apply(raw) {
        case .success(let value): return value
        case .failure(let issue): throw ValidationError(issues: [issue])
        }
    }
}

/// Applies rules to a model's fields and collects every issue before throwing once.
public struct Validator {
    public private(set) var issues: [ValidationError.Issue] = []

    public init() {}

    /// Normalises `value` in place by `rule`, or records why it cannot be.
    public mutating func apply(_ rule: TextRule, to value: inout String) {
        switch rule.apply(value) {
        case .success(let normalised): value = normalised
        case .failure(let issue): issues.append(issue)
        }
    }

    public mutating func require(_ condition: Bool, _ field: String, _ message: String) {
        if !condition { issues.append(.init(field: field, message: message)) }
    }

    public func finish() throws(ValidationError) {
        if !issues.isEmpty { throw ValidationError(issues: issues) }
    }
}

/// Shapes the rules share.
public enum Formats {
    /// `name@host.tld`: one `@`, no spaces, a dot in the domain. (Deliverability is for email
    /// confirmation to prove, not a pattern.)
    @Sendable public static func isEmail(_ s: String) -> Bool {
        let parts = s.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !s.contains(where: \.isWhitespace) else { return false }
        let domain = parts[1]
        let labels = domain.split(separator: ".", omittingEmptySubsequences: false)
        return labels.count >= 2 && labels.allSatisfy { !$0.isEmpty }
    }

    /// An absolute http(s) URL (Cloudinary's `secure_url`) or a path on this server (`/media/…`).
    @Sendable public static func isMediaURL(_ s: String) -> Bool {
        (s.hasPrefix("https://") || s.hasPrefix("http://") || s.hasPrefix("/")) && !s.contains(where: \.isWhitespace)
    }
}

extension String {
    func trimmingWhitespace() -> String {
        var slice = Substring(self)
        while let first = slice.first, first.isWhitespace { slice.removeFirst() }
        while let last = slice.last, last.isWhitespace { slice.removeLast() }
        return String(slice)
    }
}

// Schema rules, checked before anything is written.
//
// Mongoose declares rules on the schema (`required`, `trim`, `lowercase`, `unique`) and runs
// them on `save()`. Here each rule is a value, a `TextRule`, that normalises a field (trims,
// lowercases) and checks it, and a model's `validate()` applies its rules field by field,
// collecting every problem, so one `ValidationError` names *all* the bad fields at once.
// Routes turn it into a 400 whose `errors` list those fields.
//
// Text is stored in Unicode's composed form (NFC), so `é` typed two ways is one value, and
// characters that hide or reorder what a reader sees (controls, zero-width characters,
// bidirectional overrides) are refused. Lengths count Unicode scalars, not `Character`s: one
// `Character` can hold a base letter and a thousand combining marks.
//
// `unique` is not a validation rule, as mongoose's docs say too: only the database can know,
// atomically, whether a value is taken. Unique indexes do that job: see `Collections`.

import Foundation

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
    /// Whether line breaks and tabs are allowed: yes in a description or a comment, no in a title.
    public var multiline = false
    /// Allowed length in Unicode scalars, after trimming. A lower bound of 1 means "required".
    public var length: ClosedRange<Int>
    /// Further check on the normalised text, with the message shown when it fails.
    public var check: (@Sendable (String) -> Bool)?
    public var checkMessage = ""

    public init(
        _ field: String, length: ClosedRange<Int>, trims: Bool = true, lowercases: Bool = false,
        multiline: Bool = false,
        check: (@Sendable (String) -> Bool)? = nil, message: String = ""
    ) {
        self.field = field
        self.multiline = multiline
        self.length = length
        self.trims = trims
        self.lowercases = lowercases
        self.check = check
        self.checkMessage = message
    }

    /// The normalised value, or the issue that rules it out.
    public func apply(_ raw: String) -> Result<String, ValidationError.Issue> {
        var value = (trims ? raw.trimmingWhitespace() : raw).precomposedStringWithCanonicalMapping
        if lowercases { value = value.lowercased() }
        if let hidden = Formats.hiddenCharacter(in: value, multiline: multiline) {
            let code = "U+" + String(hidden.value, radix: 16, uppercase: true).leftPadded(to: 4)
            return .failure(
                .init(
                    field: field, message: "\(field) must not contain invisible or control characters (found \(code))"))
        }
        let count = value.unicodeScalars.count
        if count == 0 && length.lowerBound > 0 {
            return .failure(.init(field: field, message: "\(field) is required"))
        }
        guard length.contains(count) else {
            let bounds =
                length.lowerBound == length.upperBound
                ? "\(length.lowerBound)" : "\(length.lowerBound) to \(length.upperBound)"
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
    /// The first character that would hide or reorder text: a control character (but line
    /// breaks and tabs in `multiline` text), a format character such as a zero-width space or a
    /// bidirectional override, a line or paragraph separator. A zero-width joiner between two
    /// emoji is kept: it is how 👩‍💻 is written.
    public static func hiddenCharacter(in text: String, multiline: Bool) -> Unicode.Scalar? {
        let scalars = Array(text.unicodeScalars)
        for (i, scalar) in scalars.enumerated() {
            switch scalar.properties.generalCategory {
            case .control:
                if multiline, scalar == "\n" || scalar == "\t" || scalar == "\r" { continue }
                return scalar
            case .format:
                if scalar == "\u{200D}", i > 0, i + 1 < scalars.count,
                    scalars[i - 1].properties.isEmoji || scalars[i - 1] == "\u{FE0F}",
                    scalars[i + 1].properties.isEmoji
                {
                    continue
                }
                return scalar
            case .lineSeparator, .paragraphSeparator, .surrogate:
                return scalar
            default:
                continue
            }
        }
        return nil
    }

    /// Only `a-z`, `0-9`, `_` and `.`, checked scalar by scalar (a `Character` comparison lets
    /// `a` followed by a combining mark, or a zero-width joiner, through).
    @Sendable public static func isUsername(_ s: String) -> Bool {
        s.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" || $0 == "." }
    }

    /// `name@host.tld`: one `@`, no spaces, a dot in the domain. (Deliverability is for email
    /// confirmation to prove, not a pattern.)
    @Sendable public static func isEmail(_ s: String) -> Bool {
        let parts = s.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !s.contains(where: \.isWhitespace) else { return false }
        let domain = parts[1]
        let labels = domain.split(separator: ".", omittingEmptySubsequences: false)
        return labels.count >= 2 && labels.allSatisfy { !$0.isEmpty }
    }

    /// An absolute http(s) URL, as Cloudinary's `secure_url`, or a path on this server: `/media/…`.
    @Sendable public static func isMediaURL(_ s: String) -> Bool {
        (s.hasPrefix("https://") || s.hasPrefix("http://") || s.hasPrefix("/")) && !s.contains(where: \.isWhitespace)
    }
}

extension String {
    func leftPadded(to width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }

    func trimmingWhitespace() -> String {
        var slice = Substring(self)
        while let first = slice.first, first.isWhitespace { slice.removeFirst() }
        while let last = slice.last, last.isWhitespace { slice.removeLast() }
        return String(slice)
    }
}

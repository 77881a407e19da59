// SCRAM-SHA-256 (RFC 7677), the mechanism MongoDB drivers speak by default: with `DB_USERNAME` and
// `DB_PASSWORD` set, a connection must prove it knows the password before any command but the
// handshake. Written here because no package in this project's set serves SASL; the hashing is
// swift-crypto's (HMAC-SHA-256, SHA-256), and PBKDF2 is its textbook loop over that HMAC.
//
//     client: saslStart    "n,,n=user,r=<client nonce>"
//     server:              "r=<client nonce><server nonce>,s=<salt>,i=15000"
//     client: saslContinue "c=biws,r=<both nonces>,p=<proof>"
//     server:              "v=<server signature>"   (or 18 AuthenticationFailed)
//
// The server keeps only the salted keys (StoredKey, ServerKey), never the password.

import BSON
import Crypto
import Foundation

public struct WireCredentials: Sendable {
    public let username: String
    let salt: [UInt8]
    let iterations: Int
    let storedKey: [UInt8]
    let serverKey: [UInt8]

    /// The keys for `username` and `password` (15,000 iterations: MongoDB's default).
    public init(username: String, password: String, iterations: Int = 15_000) {
        self.username = username
        salt = (0..<28).map { _ in UInt8.random(in: 0...255) }  // 28 bytes, as MongoDB (libmongoc checks)
        self.iterations = iterations
        let salted = Self.pbkdf2(Array(password.utf8), salt: salt, iterations: iterations)
        let clientKey = Self.hmac(salted, Array("Client Key".utf8))
        storedKey = Array(SHA256.hash(data: clientKey))
        serverKey = Self.hmac(salted, Array("Server Key".utf8))
    }

    static func hmac(_ key: [UInt8], _ message: [UInt8]) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: key)))
    }

    /// PBKDF2-HMAC-SHA-256 with one block of output (32 bytes, what SCRAM-SHA-256 uses).
    static func pbkdf2(_ password: [UInt8], salt: [UInt8], iterations: Int) -> [UInt8] {
        var u = hmac(password, salt + [0, 0, 0, 1])
        var result = u
        for _ in 1..<iterations {
            u = hmac(password, u)
            for i in result.indices { result[i] ^= u[i] }
        }
        return result
    }
}

/// One connection's authentication: whether it has proved the password, and a conversation under way.
final class ConnectionAuthentication: @unchecked Sendable {
    // A connection's commands are answered one at a time, in order: no two threads touch this at once.
    var authenticated = false
    var conversation: (clientFirstBare: String, serverFirst: String, nonce: String)?
}

extension CommandProcessor {
    /// The commands a connection may send before it authenticates.
    static let beforeAuthentication: Set<String> = [
        "hello", "isMaster", "ismaster", "ping", "buildInfo", "buildinfo", "saslStart", "saslContinue", "endSessions", "getnonce",
    ]

    static func payload(_ text: String) -> BSONValue { .binary(BSONBinary(subtype: 0, data: Array(text.utf8))) }

    static func text(_ value: BSONValue?) -> String? {
        guard case .binary(let binary)? = value else { return nil }
        return String(bytes: binary.data, encoding: .utf8)
    }

    static func attributes(_ message: Substring) -> [Character: String] {
        var out: [Character: String] = [:]
        for part in message.split(separator: ",") where part.count >= 2 && part.dropFirst().first == "=" {
            out[part.first!] = String(part.dropFirst(2))
        }
        return out
    }

    static func authenticationFailed() -> Document { error(18, "AuthenticationFailed", "Authentication failed.") }

    func saslStart(_ command: Document, _ credentials: WireCredentials) -> Document {
        guard command["mechanism"]?.stringValue == "SCRAM-SHA-256" else {
            return Self.error(334, "MechanismUnavailable", "Unsupported mechanism \(command["mechanism"]?.stringValue ?? ""): use SCRAM-SHA-256")
        }
        guard let first = Self.text(command["payload"]), first.hasPrefix("n,") || first.hasPrefix("y,") else { return Self.authenticationFailed() }
        // The GS2 header ("n,," or "n,a=…,") comes first; the bare message after its second comma.
        let parts = first.split(separator: ",", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3 else { return Self.authenticationFailed() }
        let bare = parts[2]
        let fields = Self.attributes(bare)
        let user = fields["n"]?.replacingOccurrences(of: "=2C", with: ",").replacingOccurrences(of: "=3D", with: "=")
        guard user == credentials.username, let clientNonce = fields["r"], !clientNonce.isEmpty else { return Self.authenticationFailed() }
        let nonce = clientNonce + Data((0..<24).map { _ in UInt8.random(in: 0...255) }).base64EncodedString()
        let serverFirst = "r=\(nonce),s=\(Data(credentials.salt).base64EncodedString()),i=\(credentials.iterations)"
        authentication.conversation = (String(bare), serverFirst, nonce)
        return ["conversationId": 1, "done": false, "payload": Self.payload(serverFirst), "ok": 1.0]
    }

    func saslContinue(_ command: Document, _ credentials: WireCredentials) -> Document {
        guard let conversation = authentication.conversation, let final = Self.text(command["payload"]),
            let proofRange = final.range(of: ",p=")
        else { return Self.authenticationFailed() }
        authentication.conversation = nil
        let withoutProof = String(final[..<proofRange.lowerBound])
        let fields = Self.attributes(Substring(withoutProof))
        guard fields["r"] == conversation.nonce, let proof = Data(base64Encoded: String(final[proofRange.upperBound...])),
            proof.count == credentials.storedKey.count
        else { return Self.authenticationFailed() }
        let message = Array("\(conversation.clientFirstBare),\(conversation.serverFirst),\(withoutProof)".utf8)
        let signature = WireCredentials.hmac(credentials.storedKey, message)
        let clientKey = zip(proof, signature).map { $0 ^ $1 }
        guard Array(SHA256.hash(data: clientKey)) == credentials.storedKey else { return Self.authenticationFailed() }
        authentication.authenticated = true
        let verifier = Data(WireCredentials.hmac(credentials.serverKey, message)).base64EncodedString()
        return ["conversationId": 1, "done": true, "payload": Self.payload("v=\(verifier)"), "ok": 1.0]
    }
}

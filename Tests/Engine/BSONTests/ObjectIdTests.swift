import BSON
import Foundation
import Testing

struct ObjectIdTests {
    @Test func hexRoundTripsAndIsLowercase() throws {
        let id = try #require(ObjectId("65F0A1B2C3D4E5F601234567"))
        #expect(id.hex == "65f0a1b2c3d4e5f601234567")
        #expect(ObjectId(id.hex) == id)
        #expect(id.bytes == [0x65, 0xF0, 0xA1, 0xB2, 0xC3, 0xD4, 0xE5, 0xF6, 0x01, 0x23, 0x45, 0x67])
        #expect(ObjectId(bytes: id.bytes) == id)
    }

    @Test(arguments: [
        "", "65f0a1b2c3d4e5f60123456", "65f0a1b2c3d4e5f6012345678", "65f0a1b2c3d4e5f60123456g", "zzzzzzzzzzzzzzzzzzzzzzzz",
        "65f0a1b2c3d4e5f6012345é", "{\"$ne\": null}",
    ])
    func invalidTextIsRejected(text: String) {
        #expect(ObjectId(text) == nil)
    }

    @Test func newIdsCarryTheTimeAndAreUniqueAndIncreasing() {
        let now = UInt32(Date().timeIntervalSince1970)
        let ids = (0..<10_000).map { _ in ObjectId() }
        #expect(Set(ids).count == ids.count)
        #expect(ids.allSatisfy { $0.timestampSeconds >= now - 1 && $0.timestampSeconds <= now + 1 })
        // Within one process and second, the counter makes later ids sort after earlier ones
        // (except across the 24-bit counter's wrap, which 10k ids cannot reach twice).
        let increasing = zip(ids, ids.dropFirst()).filter { $0 < $1 }.count
        #expect(increasing >= ids.count - 2)
    }

    @Test func timestampIsTheFirstFourBytes() {
        let id = ObjectId("65f0a1b2c3d4e5f601234567")!
        #expect(id.timestampSeconds == 0x65F0A1B2)
        #expect(id.timestamp.millisecondsSince1970 == Int64(0x65F0A1B2) * 1000)
    }
}

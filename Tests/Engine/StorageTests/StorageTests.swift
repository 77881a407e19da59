import BSON
import Storage
import Testing

struct StorageTests {
    @Test(arguments: [
        (["email": 1] as Document, "email_1"),
        (["subscriber": 1, "channel": 1] as Document, "subscriber_1_channel_1"),
        (["createdAt": -1, "_id": 1] as Document, "createdAt_-1__id_1"),
    ])
    func indexNamesFollowMongoDB(keys: Document, name: String) {
        #expect(IndexOptions.defaultName(for: keys) == name)
    }

    @Test func duplicateKeysNameTheirField() {
        let info = DuplicateKeyInfo(keyPattern: ["email": 1], keyValue: ["email": "a@b.c"], message: "E11000")
        #expect(info.field == "email")
        #expect(StorageError.duplicateKey(info).code == 11000)
        #expect(DuplicateKeyInfo(keyPattern: nil, keyValue: ["username": "x"], message: "").field == "username")
        #expect(DuplicateKeyInfo(keyPattern: nil, keyValue: nil, message: "").field == nil)
    }

    @Test func errorsKeepTheirCodesAndReadClearly() {
        #expect(StorageError.invalidQuery(code: 2, message: "unknown operator: $foo").code == 2)
        #expect(StorageError.invalidQuery(code: 2, message: "unknown operator: $foo").description == "invalid query (code 2): unknown operator: $foo")
        #expect(StorageError.unavailable("no server").description.hasPrefix("database unavailable"))
        #expect(StorageError.timeout("slow").code == 50)
    }
}

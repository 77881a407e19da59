// A collection's validator is part of the collection: it is kept on disk with it, so a
// reopened store refuses what the validator refuses, and `collMod` changes survive too.

import BSON
import EmbeddedStore
import EngineTestSupport
import Foundation
import Storage
import Testing

struct ValidationTests {
    @Test func aValidatorOutlastsAReopen() async throws {
        let (store, folder) = try temporaryStore()
        defer { try? FileManager.default.removeItem(at: folder) }
        let database = store.database("v")
        try await database.createCollection("people", options: CollectionOptions(validator: ["age": ["$gte": 0]]))
        try await database.modifyCollection("people", options: CollectionOptions(validationLevel: "strict", validationAction: "error"))
        await store.close()

        let reopened = try EmbeddedStore.open(directory: folder.path)
        let people = reopened.database("v").collection("people")
        let refused = await storageError { () async throws(StorageError) in try await people.insertOne(["age": -1]) }
        #expect(refused?.code == 121)
        try await people.insertOne(["age": 1])
        #expect(try await people.countDocuments([:]) == 1)
        // collMod on a collection that does not exist is MongoDB's NamespaceNotFound (26).
        let missing = await storageError { () async throws(StorageError) in
            try await reopened.database("v").modifyCollection("nobody", options: CollectionOptions(validationLevel: "off"))
        }
        #expect(missing?.code == 26)
        await reopened.close()
    }
}

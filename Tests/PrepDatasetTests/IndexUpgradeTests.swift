import Foundation
import Testing
@testable import PrepDataset

/// An index of schema version 1 (before `samples.dhash`) is read as it is and upgraded in place by a
/// writable open; other versions are refused.
struct IndexUpgradeTests {
    func versionOneIndex() throws -> String {
        let path = NSTemporaryDirectory() + "index-upgrade-\(UUID().uuidString).sqlite"
        try DatasetIndex(path: path, create: true).close()
        let database = try SQLiteDatabase(path: path)
        try database.execute("ALTER TABLE samples DROP COLUMN dhash; UPDATE meta SET value = '1' WHERE name = 'schema_version';")
        database.close()
        return path
    }

    @Test func aVersionOneIndexIsReadAndUpgradedInPlace() throws {
        let path = try versionOneIndex()
        defer { for suffix in ["", "-wal", "-shm"] { try? FileSystem.remove(path + suffix) } }
        let reader = try DatasetIndex(path: path, readOnly: true)
        #expect(reader.schemaVersion == 1)
        #expect(throws: (any Error).self) { try reader.query("SELECT dhash FROM samples") }
        reader.close()

        let writer = try DatasetIndex(path: path)
        #expect(writer.schemaVersion == IndexSchema.version)
        #expect(try writer.query("SELECT dhash FROM samples").isEmpty)
        writer.close()
    }

    @Test func otherVersionsAreRefused() throws {
        let path = try versionOneIndex()
        defer { for suffix in ["", "-wal", "-shm"] { try? FileSystem.remove(path + suffix) } }
        let database = try SQLiteDatabase(path: path)
        try database.run("UPDATE meta SET value = '7' WHERE name = 'schema_version'")
        database.close()
        for readOnly in [true, false] {
            let error = #expect(throws: DatasetError.self) { try DatasetIndex(path: path, readOnly: readOnly) }
            #expect(error?.description.contains("schema version 7") == true)
        }
    }
}

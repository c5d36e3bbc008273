import Foundation
import Testing
@testable import PrepDataset

@Suite("SQLiteDatabase")
struct SQLiteTests {
    private func temporaryDatabasePath() -> String {
        NSTemporaryDirectory() + "sqlite-test-\(UUID().uuidString).db"
    }

    private func removeDatabase(_ path: String) {
        for suffix in ["", "-journal", "-wal", "-shm"] { try? FileSystem.remove(path + suffix) }
    }

    @Test func createInsertQuery() throws {
        let db = try SQLiteDatabase(path: ":memory:")
        try db.execute("""
            CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL, score REAL);
            CREATE INDEX items_name ON items(name);
            """)
        try db.run("INSERT INTO items (name, score) VALUES (?, ?)", .text("cat"), .real(0.5))
        #expect(db.changes == 1)
        #expect(db.lastInsertRowID == 1)
        let insert = try db.prepare("INSERT INTO items (name, score) VALUES (?1, ?2)")
        try insert.run(.text("dog"), .integer(3))
        try insert.run(.text("café 猫 🐱"), .null)
        let rows = try db.query("SELECT id, name, score FROM items ORDER BY id")
        #expect(rows == [
            [.integer(1), .text("cat"), .real(0.5)],
            [.integer(2), .text("dog"), .real(3)],  // REAL affinity converts the integer
            [.integer(3), .text("café 猫 🐱"), .null],
        ])
        #expect(try db.scalar("SELECT count(*) FROM items")?.int == 3)
        #expect(try db.scalar("SELECT name FROM items WHERE id = ?", .integer(3))?.string == "café 猫 🐱")
        #expect(try db.scalar("SELECT name FROM items WHERE id = 99") == nil)
        #expect(try db.scalar("SELECT sum(score) FROM items")?.double == 3.5)
        try db.run("UPDATE items SET score = 1 WHERE score IS NOT NULL")
        #expect(db.changes == 2)
    }

    @Test func statementStepsColumnsAndRebinds() throws {
        let db = try SQLiteDatabase(path: ":memory:")
        try db.execute("CREATE TABLE t (a INTEGER, b TEXT)")
        for i in 0..<5 { try db.run("INSERT INTO t VALUES (?, ?)", .integer(Int64(i)), .text("v\(i)")) }
        let select = try db.prepare("SELECT a, b FROM t WHERE a >= ? ORDER BY a")
        #expect(select.columnCount == 2)
        #expect(select.columnName(1) == "b")
        try select.bind([.integer(3)])
        var seen: [Int] = []
        while try select.step() { seen.append(select.column(0).int ?? -1) }
        #expect(seen == [3, 4])
        try select.bind([.integer(4)])
        #expect(try select.step())
        #expect(select.row() == [.integer(4), .text("v4")])
        #expect(try select.step() == false)
        #expect(throws: SQLiteError.self) { try select.bind([.integer(1), .integer(2)]) }
    }

    @Test func transactionCommitsAndRollsBackOnThrow() throws {
        struct Boom: Error {}
        let db = try SQLiteDatabase(path: ":memory:")
        try db.execute("CREATE TABLE t (x INTEGER)")
        let value = try db.transaction { () throws -> Int in
            try db.run("INSERT INTO t VALUES (1)")
            return 7
        }
        #expect(value == 7)
        #expect(throws: Boom.self) {
            try db.transaction {
                try db.run("INSERT INTO t VALUES (2)")
                try db.run("INSERT INTO t VALUES (3)")
                throw Boom()
            }
        }
        #expect(try db.query("SELECT x FROM t") == [[.integer(1)]])
        // Nested: the inner failure rolls back only the inner work.
        try db.transaction {
            try db.run("INSERT INTO t VALUES (4)")
            _ = try? db.transaction {
                try db.run("INSERT INTO t VALUES (5)")
                throw Boom()
            }
        }
        #expect(try db.query("SELECT x FROM t ORDER BY x") == [[.integer(1)], [.integer(4)]])
        // The connection is usable (not stuck in a transaction) afterwards.
        try db.execute("BEGIN; COMMIT;")
    }

    @Test func errorsCarrySQLAndMessage() throws {
        let db = try SQLiteDatabase(path: ":memory:")
        try db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT UNIQUE)")
        let badSQL = "SELECT nope FROM t"
        do {
            _ = try db.query(badSQL)
            Issue.record("expected an error")
        } catch let error as SQLiteError {
            #expect(error.sql == badSQL)
            #expect(error.message.contains("no such column"))
            #expect(error.code == 1)  // SQLITE_ERROR
            #expect(error.description.contains(badSQL))
            #expect(error.description.contains("no such column"))
        }
        try db.run("INSERT INTO t (name) VALUES (?)", .text("a"))
        do {
            try db.run("INSERT INTO t (name) VALUES (?)", .text("a"))
            Issue.record("expected a constraint error")
        } catch let error as SQLiteError {
            #expect(error.code == 19)  // SQLITE_CONSTRAINT
            #expect(error.message.contains("UNIQUE"))
            #expect(error.sql == "INSERT INTO t (name) VALUES (?)")
        }
        #expect(throws: SQLiteError.self) { try db.execute("CREATE TABLE") }
    }

    @Test func blobTextAndNullRoundTrip() throws {
        let db = try SQLiteDatabase(path: ":memory:")
        try db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v)")
        let values: [SQLiteValue] = [
            .blob([0, 1, 2, 255, 0, 128]),
            .blob([]),
            .null,
            .text(""),
            .text("with\u{0}nul"),
            .integer(Int64.min),
            .integer(Int64.max),
            .real(-1.25e-300),
        ]
        for value in values { try db.run("INSERT INTO t (v) VALUES (?)", value) }
        let back = try db.query("SELECT v FROM t ORDER BY id").map { $0[0] }
        #expect(back == values)
        #expect(try db.scalar("SELECT typeof(v) FROM t WHERE id = 2")?.string == "blob")
        #expect(try db.scalar("SELECT typeof(v) FROM t WHERE id = 4")?.string == "text")
        #expect(SQLiteValue.integer(2).double == 2.0)
        #expect(SQLiteValue.real(2).int == nil)
        #expect(SQLiteValue.text("x").int == nil)
    }

    @Test func jsonFunctionsAreAvailable() throws {
        let db = try SQLiteDatabase(path: ":memory:")
        #expect(try db.scalar("SELECT json_extract(?, '$.a')", .text(#"{"a": 5}"#))?.int == 5)
    }

    @Test func readOnlyRefusesWritesAndForeignKeysAreOn() throws {
        let path = temporaryDatabasePath()
        defer { removeDatabase(path) }
        do {
            let db = try SQLiteDatabase(path: path)
            try db.execute("""
                CREATE TABLE parent (id INTEGER PRIMARY KEY);
                CREATE TABLE child (parent INTEGER REFERENCES parent(id));
                INSERT INTO parent VALUES (1);
                """)
            #expect(try db.scalar("PRAGMA foreign_keys")?.int == 1)
            #expect(throws: SQLiteError.self) { try db.run("INSERT INTO child VALUES (2)") }
            try db.run("INSERT INTO child VALUES (1)")
            db.close()
            #expect(throws: SQLiteError.self) { try db.execute("SELECT 1") }
        }
        let reader = try SQLiteDatabase(path: path, readOnly: true)
        #expect(try reader.scalar("SELECT count(*) FROM child")?.int == 1)
        do {
            try reader.run("INSERT INTO parent VALUES (2)")
            Issue.record("read-only database accepted a write")
        } catch let error as SQLiteError {
            #expect(error.code == 8)  // SQLITE_READONLY
        }
        #expect(try reader.scalar("SELECT count(*) FROM parent")?.int == 1)
    }

    @Test func openingAMissingFileReadOnlyFails() {
        let path = temporaryDatabasePath()
        #expect(throws: SQLiteError.self) { try SQLiteDatabase(path: path, readOnly: true) }
        #expect(!FileSystem.exists(path))
    }
}

import CSQLite

// reference: https://www.sqlite.org/c3ref/intro.html (SQLite C/C++ interface)

/// One SQLite value, as bound to a parameter or read from a column.
public enum SQLiteValue: Equatable, Sendable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob([UInt8])
}

extension SQLiteValue {
    /// The value of an `.integer`, otherwise nil.
    public var int: Int? {
        if case .integer(let value) = self { return Int(value) }
        return nil
    }

    /// The value of a `.real`, or an `.integer` converted to `Double`; otherwise nil.
    public var double: Double? {
        switch self {
        case .real(let value): return value
        case .integer(let value): return Double(value)
        default: return nil
        }
    }

    /// The value of a `.text`, otherwise nil.
    public var string: String? {
        if case .text(let value) = self { return value }
        return nil
    }

    /// The value of a `.blob`, otherwise nil.
    public var bytes: [UInt8]? {
        if case .blob(let value) = self { return value }
        return nil
    }

    /// Whether this is `.null`.
    public var isNull: Bool { self == .null }
}

/// A failed SQLite call: the result code, SQLite's message and the SQL being run, if any.
public struct SQLiteError: Error, CustomStringConvertible {
    /// The SQLite result code (e.g. `SQLITE_CONSTRAINT` = 19).
    public let code: Int32
    /// `sqlite3_errmsg` at the time of the failure.
    public let message: String
    /// The statement being prepared or run, when there was one.
    public let sql: String?

    public init(code: Int32, message: String, sql: String?) {
        self.code = code
        self.message = message
        self.sql = sql
    }

    public var description: String {
        var text = "SQLite error \(code): \(message)"
        if let sql { text += " (in: \(sql))" }
        return text
    }
}

/// Tells SQLite to copy text and blob parameters before `sqlite3_bind_*` returns.
private let SQLITE_TRANSIENT = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

/// A connection to one SQLite database file.
///
/// Every C call's result goes through ``check(_:sql:)``, which turns failures into a
/// ``SQLiteError`` carrying the SQL text and `sqlite3_errmsg`. The connection waits up to 5 s for
/// locks held by other connections and enforces foreign keys. Not thread-safe: use one
/// connection per thread (or serialize access).
public final class SQLiteDatabase {
    /// The file the database was opened from.
    public let path: String
    private var handle: OpaquePointer?

    /// Opens (creating unless `readOnly`) the database at `path`. Use ":memory:" for a private
    /// in-memory database.
    public init(path: String, readOnly: Bool = false) throws {
        self.path = path
        let flags = readOnly
            ? SQLITE_OPEN_READONLY
            : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE)
        var db: OpaquePointer?
        let result = sqlite3_open_v2(path, &db, flags | SQLITE_OPEN_NOMUTEX, nil)
        handle = db
        do {
            try check(result, sql: nil, context: "open \(path)")
            try check(sqlite3_extended_result_codes(db, 0), sql: nil)
            try check(sqlite3_busy_timeout(db, 5000), sql: nil)
            try execute("PRAGMA foreign_keys = ON")
        } catch {
            close()
            throw error
        }
    }

    deinit { close() }

    /// Closes the connection. Statements still alive keep it open until they are released
    /// (`sqlite3_close_v2`). Calling it again does nothing.
    public func close() {
        if let handle {
            sqlite3_close_v2(handle)
            self.handle = nil
        }
    }

    /// The one place C result codes are checked: `SQLITE_OK`, `SQLITE_ROW` and `SQLITE_DONE`
    /// pass through; anything else throws with the connection's current error message.
    @discardableResult
    func check(_ result: Int32, sql: String?, context: String? = nil) throws -> Int32 {
        switch result {
        case SQLITE_OK, SQLITE_ROW, SQLITE_DONE:
            return result
        default:
            var message: String
            if let handle, let text = sqlite3_errmsg(handle) {
                message = String(cString: text)
            } else if let text = sqlite3_errstr(result) {
                message = String(cString: text)
            } else {
                message = "unknown error"
            }
            if let context { message = "\(context): \(message)" }
            throw SQLiteError(code: result, message: message, sql: sql)
        }
    }

    /// The raw handle, or an error if the connection is closed.
    func openHandle(sql: String?) throws -> OpaquePointer {
        guard let handle else {
            throw SQLiteError(code: SQLITE_MISUSE, message: "database \(path) is closed", sql: sql)
        }
        return handle
    }

    /// Runs one or more `;`-separated statements without parameters, discarding any rows.
    public func execute(_ sql: String) throws {
        let db = try openHandle(sql: sql)
        try check(sqlite3_exec(db, sql, nil, nil, nil), sql: sql)
    }

    /// Compiles one statement for repeated use.
    public func prepare(_ sql: String) throws -> SQLiteStatement {
        let db = try openHandle(sql: sql)
        var statement: OpaquePointer?
        try check(sqlite3_prepare_v2(db, sql, -1, &statement, nil), sql: sql)
        guard let statement else {
            throw SQLiteError(code: SQLITE_MISUSE, message: "no statement in SQL text", sql: sql)
        }
        return SQLiteStatement(database: self, handle: statement, sql: sql)
    }

    /// Prepares, binds `values` to `?1...?n` and steps one statement until it is done.
    public func run(_ sql: String, _ values: SQLiteValue...) throws {
        let statement = try prepare(sql)
        try statement.bind(values)
        while try statement.step() {}
    }

    /// Runs one statement and returns all its rows, each as an array of column values.
    public func query(_ sql: String, _ values: SQLiteValue...) throws -> [[SQLiteValue]] {
        let statement = try prepare(sql)
        try statement.bind(values)
        var rows: [[SQLiteValue]] = []
        while try statement.step() {
            rows.append(statement.row())
        }
        return rows
    }

    /// Runs one statement and returns the first column of its first row, or nil when there is
    /// no row.
    public func scalar(_ sql: String, _ values: SQLiteValue...) throws -> SQLiteValue? {
        let statement = try prepare(sql)
        try statement.bind(values)
        guard try statement.step() else { return nil }
        return statement.column(0)
    }

    /// Runs `body` inside `BEGIN IMMEDIATE ... COMMIT`, rolling back if it throws (the error is
    /// rethrown). Called inside another transaction, it uses a savepoint instead, so nesting
    /// works.
    public func transaction<T>(_ body: () throws -> T) throws -> T {
        let db = try openHandle(sql: nil)
        let nested = sqlite3_get_autocommit(db) == 0
        try execute(nested ? "SAVEPOINT prep_nested" : "BEGIN IMMEDIATE")
        let result: T
        do {
            result = try body()
        } catch {
            if nested {
                try? execute("ROLLBACK TO prep_nested; RELEASE prep_nested")
            } else {
                try? execute("ROLLBACK")
            }
            throw error
        }
        do {
            try execute(nested ? "RELEASE prep_nested" : "COMMIT")
        } catch {
            if !nested { try? execute("ROLLBACK") }
            throw error
        }
        return result
    }

    /// Whether no transaction is open (SQLite's autocommit mode).
    public var isAutocommit: Bool {
        guard let db = try? openHandle(sql: nil) else { return true }
        return sqlite3_get_autocommit(db) != 0
    }

    /// Rows changed by the most recent INSERT, UPDATE or DELETE.
    public var changes: Int {
        guard let handle else { return 0 }
        return Int(sqlite3_changes(handle))
    }

    /// The rowid of the most recent successful INSERT.
    public var lastInsertRowID: Int64 {
        guard let handle else { return 0 }
        return sqlite3_last_insert_rowid(handle)
    }
}

/// A compiled statement. Bind values, step through rows, reset, and repeat.
public final class SQLiteStatement {
    /// The SQL text the statement was compiled from.
    public let sql: String
    private let database: SQLiteDatabase
    private var handle: OpaquePointer?

    init(database: SQLiteDatabase, handle: OpaquePointer, sql: String) {
        self.database = database
        self.handle = handle
        self.sql = sql
    }

    deinit { sqlite3_finalize(handle) }

    /// Resets the statement, clears old bindings, then binds `values` to parameters 1...n.
    public func bind(_ values: [SQLiteValue]) throws {
        reset()
        try database.check(sqlite3_clear_bindings(handle), sql: sql)
        let expected = Int(sqlite3_bind_parameter_count(handle))
        guard values.count == expected else {
            throw SQLiteError(
                code: SQLITE_RANGE,
                message: "statement has \(expected) parameters, \(values.count) values given",
                sql: sql)
        }
        for (offset, value) in values.enumerated() {
            let index = Int32(offset + 1)
            let result: Int32
            switch value {
            case .null:
                result = sqlite3_bind_null(handle, index)
            case .integer(let number):
                result = sqlite3_bind_int64(handle, index, number)
            case .real(let number):
                result = sqlite3_bind_double(handle, index, number)
            case .text(let text):
                var utf8 = Array(text.utf8)
                // A zero-length text with a null pointer would bind NULL; keep a valid pointer.
                if utf8.isEmpty { utf8 = [0] }
                let length = Int32(text.utf8.count)
                result = utf8.withUnsafeBufferPointer { buffer in
                    buffer.withMemoryRebound(to: CChar.self) {
                        sqlite3_bind_text(handle, index, $0.baseAddress, length, SQLITE_TRANSIENT)
                    }
                }
            case .blob(let bytes):
                if bytes.isEmpty {
                    result = sqlite3_bind_zeroblob(handle, index, 0)
                } else {
                    result = bytes.withUnsafeBytes {
                        sqlite3_bind_blob(handle, index, $0.baseAddress, Int32($0.count), SQLITE_TRANSIENT)
                    }
                }
            }
            try database.check(result, sql: sql)
        }
    }

    /// Advances to the next row. Returns true when a row is available, false when done.
    public func step() throws -> Bool {
        try database.check(sqlite3_step(handle), sql: sql) == SQLITE_ROW
    }

    /// Binds `values`, steps until done, and resets so the statement can run again.
    public func run(_ values: SQLiteValue...) throws {
        try bind(values)
        defer { reset() }
        while try step() {}
    }

    /// The value of column `i` (0-based) of the current row.
    public func column(_ i: Int32) -> SQLiteValue {
        switch sqlite3_column_type(handle, i) {
        case SQLITE_INTEGER:
            return .integer(sqlite3_column_int64(handle, i))
        case SQLITE_FLOAT:
            return .real(sqlite3_column_double(handle, i))
        case SQLITE_TEXT:
            guard let text = sqlite3_column_text(handle, i) else { return .text("") }
            let count = Int(sqlite3_column_bytes(handle, i))
            return .text(String(decoding: UnsafeBufferPointer(start: text, count: count), as: UTF8.self))
        case SQLITE_BLOB:
            let count = Int(sqlite3_column_bytes(handle, i))
            guard count > 0, let bytes = sqlite3_column_blob(handle, i) else { return .blob([]) }
            return .blob(Array(UnsafeRawBufferPointer(start: bytes, count: count)))
        default:
            return .null
        }
    }

    /// All columns of the current row.
    public func row() -> [SQLiteValue] {
        (0..<columnCount).map { column($0) }
    }

    /// The number of columns in the statement's result.
    public var columnCount: Int32 { sqlite3_column_count(handle) }

    /// The name of column `i` (0-based).
    public func columnName(_ i: Int32) -> String {
        sqlite3_column_name(handle, i).map { String(cString: $0) } ?? ""
    }

    /// Rewinds the statement to run again; bindings are kept.
    public func reset() {
        // The error of a failed step is reported by step itself; reset repeats it, so ignore it.
        sqlite3_reset(handle)
    }
}

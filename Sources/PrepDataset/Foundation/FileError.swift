import Glibc

/// A failed file-system operation: which operation, on which path, and why.
///
/// `code` is the `errno` value reported by the C library, or 0 when the failure was detected by
/// this code rather than the system (for example a file that ended before the expected count).
public struct FileError: Error, CustomStringConvertible, Sendable {
    /// What was being attempted, e.g. "open", "write", "fsync", "rename".
    public let operation: String
    /// The path the operation was applied to (for rename: "from -> to").
    public let path: String
    /// The `errno` value, or 0 when the error did not come from the system.
    public let code: Int32
    /// A human-readable reason: `strerror(code)`, or a description of the problem.
    public let reason: String

    public init(operation: String, path: String, code: Int32, reason: String) {
        self.operation = operation
        self.path = path
        self.code = code
        self.reason = reason
    }

    /// Builds an error from the current `errno`.
    static func fromErrno(_ operation: String, _ path: String) -> FileError {
        let code = errno
        return FileError(operation: operation, path: path, code: code, reason: FileError.describe(code))
    }

    /// `strerror` as a Swift string.
    static func describe(_ code: Int32) -> String {
        guard let text = strerror(code) else { return "error \(code)" }
        return String(cString: text)
    }

    public var description: String { "\(operation) \(path): \(reason)" }
}

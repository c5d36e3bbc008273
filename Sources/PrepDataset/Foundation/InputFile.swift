import Glibc

/// A file opened for sequential reading in chunks of a caller-chosen size.
///
/// Errors become ``FileError``s naming the path; `EINTR` is retried.
public final class InputFile {
    /// The path the file was opened from (for messages).
    public let path: String
    private var descriptor: Int32

    /// Opens `path` read-only.
    public init(path: String) throws {
        self.path = path
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw FileError.fromErrno("open", path) }
        descriptor = fd
    }

    deinit { close() }

    /// Reads up to `maxCount` bytes into `buffer`, replacing its contents. Returns the number of
    /// bytes read: 0 means end of file.
    @discardableResult
    public func read(into buffer: inout [UInt8], maxCount: Int) throws -> Int {
        guard descriptor >= 0 else {
            throw FileError(operation: "read", path: path, code: EBADF, reason: "file is closed")
        }
        if buffer.count != maxCount { buffer = [UInt8](repeating: 0, count: maxCount) }
        let fd = descriptor
        let count: Int = try buffer.withUnsafeMutableBytes { raw in
            while true {
                let n = Glibc.read(fd, raw.baseAddress, maxCount)
                if n >= 0 { return n }
                if errno == EINTR { continue }
                throw FileError.fromErrno("read", path)
            }
        }
        buffer.removeSubrange(count...)
        return count
    }

    /// Reads up to `maxCount` bytes; an empty array means end of file.
    public func read(maxCount: Int) throws -> [UInt8] {
        var buffer: [UInt8] = []
        try read(into: &buffer, maxCount: maxCount)
        return buffer
    }

    /// Reads exactly `count` bytes at `offset` (`pread`: the file position is not used or moved).
    public func read(offset: Int64, count: Int) throws -> [UInt8] {
        guard descriptor >= 0 else {
            throw FileError(operation: "read", path: path, code: EBADF, reason: "file is closed")
        }
        return try FileSystem.readBytes(descriptor: descriptor, path: path, offset: offset, count: count)
    }

    /// Closes the descriptor. Safe to call more than once.
    public func close() {
        if descriptor >= 0 {
            _ = Glibc.close(descriptor)
            descriptor = -1
        }
    }
}

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

    /// Reads from the current position to the end of the file, straight into the result: sized
    /// by `fstat` (no zero-filled chunks, no copying); a file that grows meanwhile is still read
    /// to its end.
    public func readToEnd() throws -> [UInt8] {
        guard descriptor >= 0 else {
            throw FileError(operation: "read", path: path, code: EBADF, reason: "file is closed")
        }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw FileError.fromErrno("fstat", path) }
        // One byte more than the size, so that the read that finds the end fits the same loop.
        let capacity = max(0, Int(info.st_size)) + 1
        let fd = descriptor
        var result = try [UInt8](unsafeUninitializedCapacity: capacity) { buffer, initialized in
            var total = 0
            while total < capacity {
                let n = Glibc.read(fd, buffer.baseAddress! + total, capacity - total)
                if n > 0 {
                    total += n
                } else if n == 0 {
                    break
                } else if errno != EINTR {
                    initialized = total
                    throw FileError.fromErrno("read", path)
                }
            }
            initialized = total
        }
        if result.count == capacity {  // the file grew: read the rest in chunks
            var chunk: [UInt8] = []
            while try read(into: &chunk, maxCount: 1 << 20) > 0 { result.append(contentsOf: chunk) }
        }
        return result
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

import Glibc

/// A buffered writer on a POSIX file descriptor.
///
/// The file is created or truncated (`O_CREAT | O_TRUNC | O_WRONLY`, mode 0644). Bytes are
/// collected in memory and written with `write(2)` when the buffer fills, on ``flush()``,
/// ``sync()`` and ``close()``. Every failure (`ENOSPC`, `EACCES`, `EIO`, ...) is thrown as a
/// ``FileError`` naming the path and the `strerror` text; partial writes and `EINTR` are retried.
public final class OutputFile {
    /// The path the file was opened at (for messages).
    public let path: String
    /// Total bytes accepted by `write` so far, buffered or not.
    public private(set) var bytesWritten: Int64 = 0
    /// The SHA-256 of every byte written so far, when the file was opened with `hashing: true`
    /// (shards: their checksum costs no second read).
    public private(set) var digest: SHA256?

    private var descriptor: Int32
    private var buffer: [UInt8] = []
    private let bufferCapacity: Int

    /// Creates (or truncates) `path` for writing.
    /// - Parameter bufferCapacity: bytes held in memory before a `write(2)`; writes at least this
    ///   large bypass the buffer.
    public init(path: String, bufferCapacity: Int = 1 << 20, hashing: Bool = false) throws {
        self.path = path
        digest = hashing ? SHA256() : nil
        self.bufferCapacity = max(1, bufferCapacity)
        let fd = open(path, O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw FileError.fromErrno("open", path) }
        descriptor = fd
        buffer.reserveCapacity(self.bufferCapacity)
    }

    /// Closes without flushing errors being reported; call ``close()`` to see them.
    deinit {
        if descriptor >= 0 {
            try? flush()
            _ = Glibc.close(descriptor)
        }
    }

    /// Appends `bytes`.
    public func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try write($0) }
    }

    /// Appends the bytes of `data`.
    public func write(_ data: UnsafeRawBufferPointer) throws {
        try ensureOpen("write")
        guard data.count > 0 else { return }
        digest?.update(data)
        if buffer.count + data.count > bufferCapacity {
            try flush()
        }
        if data.count >= bufferCapacity {
            try writeToDescriptor(data)
        } else {
            buffer.append(contentsOf: data)
        }
        bytesWritten += Int64(data.count)
    }

    /// Hands buffered bytes to the kernel (`write(2)`); does not wait for the disk.
    public func flush() throws {
        try ensureOpen("flush")
        guard !buffer.isEmpty else { return }
        try buffer.withUnsafeBytes { try writeToDescriptor($0) }
        buffer.removeAll(keepingCapacity: true)
    }

    /// Flushes, then waits until the data is on disk (`fsync(2)`).
    public func sync() throws {
        try flush()
        while fsync(descriptor) != 0 {
            if errno == EINTR { continue }
            throw FileError.fromErrno("fsync", path)
        }
    }

    /// Flushes and closes the descriptor. Calling it again does nothing. The descriptor is closed
    /// even when the flush fails; the flush error is thrown.
    public func close() throws {
        guard descriptor >= 0 else { return }
        var flushError: Error?
        do { try flush() } catch { flushError = error }
        let fd = descriptor
        descriptor = -1
        buffer = []
        if let flushError { throw flushError }
        if Glibc.close(fd) != 0 && errno != EINTR {
            throw FileError.fromErrno("close", path)
        }
    }

    private func ensureOpen(_ operation: String) throws {
        if descriptor < 0 {
            throw FileError(operation: operation, path: path, code: EBADF, reason: "file is closed")
        }
    }

    private func writeToDescriptor(_ data: UnsafeRawBufferPointer) throws {
        guard var pointer = data.baseAddress else { return }
        var remaining = data.count
        while remaining > 0 {
            let n = Glibc.write(descriptor, pointer, remaining)
            if n < 0 {
                if errno == EINTR { continue }
                throw FileError.fromErrno("write", path)
            }
            if n == 0 {
                throw FileError(operation: "write", path: path, code: EIO, reason: "write returned 0 bytes")
            }
            pointer += n
            remaining -= n
        }
    }
}

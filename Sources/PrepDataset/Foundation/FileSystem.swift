import Glibc
import Foundation

/// Thin, error-checked wrappers over the C library's file calls, so the rest of the code never
/// handles `errno`. Every failure is thrown as a ``FileError`` naming the path.
public enum FileSystem {
    /// Atomically renames `from` to `to` (`rename(2)`), replacing `to` if it exists.
    public static func rename(_ from: String, _ to: String) throws {
        if Glibc.rename(from, to) != 0 {
            throw FileError.fromErrno("rename", "\(from) -> \(to)")
        }
    }

    /// `fsync`s a directory so that a rename or creation inside it survives a crash.
    public static func syncDirectory(_ path: String) throws {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw FileError.fromErrno("open directory", path) }
        defer { _ = Glibc.close(fd) }
        while fsync(fd) != 0 {
            if errno == EINTR { continue }
            // Some file systems cannot fsync directories; that is not a data-loss error.
            if errno == EINVAL || errno == ENOTSUP { return }
            throw FileError.fromErrno("fsync directory", path)
        }
    }

    /// Removes a file or an empty directory. A missing path is not an error.
    public static func remove(_ path: String) throws {
        if Glibc.remove(path) != 0 && errno != ENOENT {
            throw FileError.fromErrno("remove", path)
        }
    }

    /// Reads a whole file into memory.
    public static func readFile(_ path: String) throws -> [UInt8] {
        let file = try InputFile(path: path)
        defer { file.close() }
        return try file.readToEnd()
    }

    /// Reads exactly `count` bytes starting at byte `offset` (`pread(2)`). Throws if the file
    /// ends first.
    public static func readBytes(path: String, offset: Int64, count: Int) throws -> [UInt8] {
        precondition(count >= 0 && offset >= 0)
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw FileError.fromErrno("open", path) }
        defer { _ = Glibc.close(fd) }
        return try readBytes(descriptor: fd, path: path, offset: offset, count: count)
    }

    /// `pread` loop on an open descriptor; shared by ``readBytes(path:offset:count:)`` and readers
    /// that keep a file open.
    static func readBytes(descriptor fd: Int32, path: String, offset: Int64, count: Int) throws -> [UInt8] {
        var result = [UInt8](repeating: 0, count: count)
        var done = 0
        try result.withUnsafeMutableBytes { raw in
            while done < count {
                let n = pread(fd, raw.baseAddress! + done, count - done, off_t(offset) + off_t(done))
                if n < 0 {
                    if errno == EINTR { continue }
                    throw FileError.fromErrno("read", path)
                }
                if n == 0 {
                    throw FileError(
                        operation: "read", path: path, code: 0,
                        reason: "file ends at byte \(offset + Int64(done)), expected \(count) bytes from offset \(offset)")
                }
                done += n
            }
        }
        return result
    }

    /// Whether anything (file, directory, ...) exists at `path`.
    public static func exists(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0
    }

    /// Whether `path` exists and is a directory.
    public static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    /// Creates a directory (mode 0755) and any missing parents. An existing directory is fine.
    public static func createDirectory(_ path: String) throws {
        if isDirectory(path) { return }
        var parent = path
        while parent.count > 1 && parent.hasSuffix("/") { parent.removeLast() }
        if let slash = parent.lastIndex(of: "/"), slash != parent.startIndex {
            try createDirectory(String(parent[..<slash]))
        }
        if mkdir(path, 0o755) != 0 {
            if errno == EEXIST && isDirectory(path) { return }
            throw FileError.fromErrno("create directory", path)
        }
    }

    /// The size of a file in bytes.
    public static func fileSize(_ path: String) throws -> Int64 {
        var info = stat()
        if stat(path, &info) != 0 { throw FileError.fromErrno("stat", path) }
        return Int64(info.st_size)
    }

    /// The names in a directory (without "." and ".."), sorted.
    public static func contentsOfDirectory(_ path: String) throws -> [String] {
        guard let dir = opendir(path) else { throw FileError.fromErrno("open directory", path) }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }

    /// A hard link at `destination` to `source` (same bytes, no copy), or a copy when the two are
    /// on different file systems.
    public static func linkOrCopy(_ source: String, to destination: String) throws {
        if link(source, destination) == 0 { return }
        do {
            try FileManager.default.copyItem(atPath: source, toPath: destination)
        } catch {
            throw DatasetError("cannot copy \(source) to \(destination): \(error)")
        }
    }
}

import Glibc

/// Splits a file into lines on `\n`, reading it in fixed-size chunks so memory stays bounded
/// by the longest line, not the file.
///
/// Lines are returned without their `\n` (a `\r` before it is kept; callers decide). A last line
/// without a trailing `\n` is returned too. ``lineNumber`` is the 1-based number of the line most
/// recently returned.
final class LineReader {
    private let file: InputFile
    private let chunkSize: Int
    private var buffer: [UInt8] = []
    private var start = 0
    private var chunk: [UInt8] = []
    private var reachedEnd = false
    private(set) var lineNumber = 0

    init(file: InputFile, chunkSize: Int = 64 * 1024) {
        self.file = file
        self.chunkSize = chunkSize
    }

    /// The next line, or nil at end of file.
    func nextLine() throws -> [UInt8]? {
        while true {
            if let newline = findNewline() {
                let line = Array(buffer[start..<newline])
                start = newline + 1
                lineNumber += 1
                return line
            }
            if reachedEnd {
                guard start < buffer.count else { return nil }
                let line = Array(buffer[start...])
                start = buffer.count
                lineNumber += 1
                return line
            }
            // Keep only the unfinished line, then read more.
            if start > 0 {
                buffer.removeSubrange(0..<start)
                start = 0
            }
            let count = try file.read(into: &chunk, maxCount: chunkSize)
            if count == 0 {
                reachedEnd = true
            } else {
                buffer.append(contentsOf: chunk)
            }
        }
    }

    private func findNewline() -> Int? {
        guard start < buffer.count else { return nil }
        return buffer.withUnsafeBufferPointer { all -> Int? in
            let base = all.baseAddress! + start
            guard let found = memchr(base, 0x0A, all.count - start) else { return nil }
            return UnsafeRawPointer(found) - UnsafeRawPointer(all.baseAddress!)
        }
    }
}

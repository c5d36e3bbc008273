// reference: POSIX.1-2017, pax "ustar Interchange Format"

/// Streams regular-file members into an ``OutputFile`` as a ustar archive, tracking where each
/// member's data lands so an index can point straight at it.
///
/// Offsets are relative to the start of the archive, which is taken to be the output's position
/// when the writer was created.
public final class TarWriter {
    private let output: OutputFile
    private let archiveStart: Int64
    private var finished = false

    /// Bytes of archive written so far (headers, data, padding and, after ``finish()``, the
    /// end-of-archive blocks).
    public var bytesWritten: Int64 { output.bytesWritten - archiveStart }

    public init(output: OutputFile) {
        self.output = output
        archiveStart = output.bytesWritten
    }

    /// Appends one member: header, `contents`, and zero padding to the next 512-byte boundary.
    /// - Returns: the offset of the member's data (just after its header) within the archive,
    ///   and its size.
    @discardableResult
    public func append(name: String, contents: [UInt8], mtime: Int = 0) throws -> (dataOffset: Int64, size: Int) {
        precondition(!finished, "TarWriter.append after finish")
        let header = try TarFormat.header(name: name, size: contents.count, mtime: mtime)
        try output.write(header)
        let dataOffset = bytesWritten
        try output.write(contents)
        let padding = TarFormat.padding(forSize: contents.count)
        if padding > 0 {
            try output.write([UInt8](repeating: 0, count: padding))
        }
        return (dataOffset, contents.count)
    }

    /// Writes the two zero blocks that end the archive. Does not flush, sync or close the output.
    public func finish() throws {
        guard !finished else { return }
        try output.write(TarFormat.endOfArchive)
        finished = true
    }
}

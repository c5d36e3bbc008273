import Glibc

// reference: POSIX.1-2017, pax "ustar Interchange Format" and "pax Extended Header"
//   https://pubs.opengroup.org/onlinepubs/9699919799/utilities/pax.html

/// One member found in a tar archive.
public struct TarEntry: Equatable, Sendable {
    /// The full member name (prefix field, '/', name field; or the pax/GNU long name).
    public let name: String
    /// Offset of the member's ustar header in the archive.
    public let headerOffset: Int64
    /// Offset of the member's data: the block after its header.
    public let dataOffset: Int64
    /// Data size in bytes.
    public let size: Int
    /// The header's type flag: `UInt8(ascii: "0")` (or 0) for regular files, "5" directories...
    public let typeflag: UInt8

    public init(name: String, headerOffset: Int64, dataOffset: Int64, size: Int, typeflag: UInt8) {
        self.name = name
        self.headerOffset = headerOffset
        self.dataOffset = dataOffset
        self.size = size
        self.typeflag = typeflag
    }

    /// Whether the member is a regular file.
    public var isRegularFile: Bool { typeflag == UInt8(ascii: "0") || typeflag == 0 || typeflag == UInt8(ascii: "7") }
}

/// Walks the headers of a tar archive and validates its structure.
///
/// Checks every header's checksum and magic, that sizes are octal, that no data runs past the
/// end of the file, and that the archive ends with two zero blocks. Data bytes are never read
/// (except small pax / GNU long-name headers, whose names are applied to the next member and
/// which are not themselves returned). Padding contents are ignored.
public enum TarReader {
    /// Reads the headers of the archive at `path` with positioned reads; the data is not loaded.
    public static func entries(atPath path: String) throws -> [TarEntry] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw FileError.fromErrno("open", path) }
        defer { _ = close(fd) }
        let size = try FileSystem.fileSize(path)
        return try walk(fileSize: size) { offset, count in
            try FileSystem.readBytes(descriptor: fd, path: path, offset: offset, count: count)
        }
    }

    /// Reads the headers of an archive held in memory.
    public static func entries(in bytes: [UInt8]) throws -> [TarEntry] {
        try walk(fileSize: Int64(bytes.count)) { offset, count in
            Array(bytes[Int(offset)..<(Int(offset) + count)])
        }
    }

    private static func walk(
        fileSize: Int64, read: (_ offset: Int64, _ count: Int) throws -> [UInt8]
    ) throws -> [TarEntry] {
        let block = Int64(TarFormat.blockSize)
        var entries: [TarEntry] = []
        var offset: Int64 = 0
        var pendingName: String?
        var pendingSize: Int?
        while true {
            guard offset + block <= fileSize else {
                if offset == fileSize {
                    throw TarError(.missingEndOfArchive, offset: offset, "archive ends without end-of-archive blocks")
                }
                throw TarError(.truncated, offset: offset, "archive ends inside a header block")
            }
            let header = try read(offset, TarFormat.blockSize)
            if header.allSatisfy({ $0 == 0 }) {
                guard offset + 2 * block <= fileSize,
                      try read(offset + block, TarFormat.blockSize).allSatisfy({ $0 == 0 }) else {
                    throw TarError(.missingEndOfArchive, offset: offset, "archive has one zero block where two end it")
                }
                if pendingName != nil || pendingSize != nil {
                    throw TarError(.badExtendedHeader, offset: offset, "extended header is not followed by a member")
                }
                return entries
            }
            try validate(header, at: offset)
            let typeflag = header[TarFormat.typeflagOffset]
            var size = try parseNumber(header, TarFormat.sizeField, name: "size", at: offset)
            let dataOffset = offset + block
            if let override = pendingSize, !isExtendedHeader(typeflag) { size = override }
            guard size <= fileSize - dataOffset else {
                throw TarError(
                    .truncated, offset: offset,
                    "member data (\(size) bytes from byte \(dataOffset)) runs past the end of the file (\(fileSize) bytes)")
            }
            let next = dataOffset + Int64(size + TarFormat.padding(forSize: size))
            switch typeflag {
            case UInt8(ascii: "L"):  // GNU long name: the data is the next member's name
                let data = try read(dataOffset, size)
                pendingName = String(decoding: data.prefix(while: { $0 != 0 }), as: UTF8.self)
            case UInt8(ascii: "x"):  // pax extended header for the next member
                let records = try parsePax(read(dataOffset, size), at: offset)
                if let path = records["path"] { pendingName = path }
                if let text = records["size"] {
                    guard let value = Int(text), value >= 0 else {
                        throw TarError(.badExtendedHeader, offset: offset, "pax size \(text.debugDescription) is not a number")
                    }
                    pendingSize = value
                }
            case UInt8(ascii: "g"), UInt8(ascii: "K"):  // global pax header, GNU long link name
                break
            default:
                let name = pendingName ?? headerName(header)
                entries.append(TarEntry(name: name, headerOffset: offset, dataOffset: dataOffset, size: size, typeflag: typeflag))
                pendingName = nil
                pendingSize = nil
            }
            offset = next
        }
    }

    private static func isExtendedHeader(_ typeflag: UInt8) -> Bool {
        typeflag == UInt8(ascii: "x") || typeflag == UInt8(ascii: "g") || typeflag == UInt8(ascii: "L") || typeflag == UInt8(ascii: "K")
    }

    private static func validate(_ header: [UInt8], at offset: Int64) throws {
        let magic = header[TarFormat.magicField.offset..<(TarFormat.magicField.offset + 5)]
        guard Array(magic) == Array("ustar".utf8) else {
            throw TarError(.badMagic, offset: offset, "header has no ustar magic")
        }
        let stored = try parseNumber(header, TarFormat.checksumField, name: "checksum", at: offset)
        let computed = TarFormat.checksum(of: header)
        if stored != computed {
            // Some historic writers summed signed bytes; accept that form too.
            var signed = 0
            for (index, byte) in header.enumerated() {
                let inField = index >= TarFormat.checksumField.offset && index < TarFormat.checksumField.offset + 8
                signed += inField ? 32 : Int(Int8(bitPattern: byte))
            }
            guard stored == signed else {
                throw TarError(.badChecksum, offset: offset, "header checksum is \(stored), bytes sum to \(computed)")
            }
        }
    }

    /// Parses an octal field (leading spaces, trailing NULs/spaces allowed) or GNU base-256.
    private static func parseNumber(
        _ header: [UInt8], _ field: (offset: Int, length: Int), name: String, at offset: Int64
    ) throws -> Int {
        let bytes = header[field.offset..<(field.offset + field.length)]
        if let first = bytes.first, first & 0x80 != 0 {
            // GNU base-256: big-endian binary in the remaining bits. Negative values are invalid.
            guard first & 0x40 == 0 else {
                throw TarError(.badNumber, offset: offset, "\(name) field is negative")
            }
            var value = Int(first & 0x3f)
            for byte in bytes.dropFirst() {
                guard value < Int.max >> 8 else { throw TarError(.badNumber, offset: offset, "\(name) field overflows") }
                value = value << 8 | Int(byte)
            }
            return value
        }
        var digits = bytes.drop(while: { $0 == UInt8(ascii: " ") })
        while let last = digits.last, last == 0 || last == UInt8(ascii: " ") { digits = digits.dropLast() }
        guard !digits.isEmpty, digits.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "7") }) else {
            let shown = String(decoding: bytes.map { $0 == 0 ? UInt8(ascii: ".") : $0 }, as: UTF8.self)
            throw TarError(.badNumber, offset: offset, "\(name) field \(shown.debugDescription) is not an octal number")
        }
        return digits.reduce(0) { $0 * 8 + Int($1 - UInt8(ascii: "0")) }
    }

    private static func headerName(_ header: [UInt8]) -> String {
        func field(_ f: (offset: Int, length: Int)) -> String {
            String(decoding: header[f.offset..<(f.offset + f.length)].prefix(while: { $0 != 0 }), as: UTF8.self)
        }
        let name = field(TarFormat.nameField)
        let prefix = field(TarFormat.prefixField)
        return prefix.isEmpty ? name : prefix + "/" + name
    }

    /// Parses pax records: "<length> <key>=<value>\n", where length counts the whole record.
    private static func parsePax(_ data: [UInt8], at offset: Int64) throws -> [String: String] {
        var records: [String: String] = [:]
        var position = 0
        func bad(_ why: String) -> TarError { TarError(.badExtendedHeader, offset: offset, "pax header: \(why)") }
        while position < data.count {
            if data[position] == 0 { break }
            guard let space = data[position...].firstIndex(of: UInt8(ascii: " ")),
                  let length = Int(String(decoding: data[position..<space], as: UTF8.self)),
                  length > 0, position + length <= data.count, data[position + length - 1] == UInt8(ascii: "\n")
            else { throw bad("malformed record at \(position)") }
            let record = data[(space + 1)..<(position + length - 1)]
            guard let equals = record.firstIndex(of: UInt8(ascii: "=")) else { throw bad("record without '='") }
            let key = String(decoding: record[..<equals], as: UTF8.self)
            records[key] = String(decoding: record[(equals + 1)...], as: UTF8.self)
            position += length
        }
        return records
    }
}

// reference: POSIX.1-2017, pax "ustar Interchange Format"
//   https://pubs.opengroup.org/onlinepubs/9699919799/utilities/pax.html#tag_20_92_13_06

/// A problem writing or reading a tar archive, with the byte offset of the header concerned.
public struct TarError: Error, CustomStringConvertible, Equatable, Sendable {
    /// What went wrong.
    public enum Reason: Equatable, Sendable {
        /// The member name is empty, contains a NUL byte, or cannot be split into the ustar
        /// prefix (155 bytes) and name (100 bytes) fields.
        case invalidName
        /// The member is larger than the 11-octal-digit size field allows (8 GiB - 1).
        case sizeTooLarge
        /// The stored header checksum does not match the header bytes.
        case badChecksum
        /// The header has no "ustar" magic.
        case badMagic
        /// A numeric header field (size) is not an octal number.
        case badNumber
        /// The member's data (or a header) runs past the end of the file.
        case truncated
        /// The file ends without the two zero blocks that close an archive.
        case missingEndOfArchive
        /// An extended (pax or GNU long-name) header could not be understood.
        case badExtendedHeader
    }

    public let reason: Reason
    /// Offset of the header (or end of data) where the problem was found; -1 when writing.
    public let offset: Int64
    /// Details for people.
    public let message: String

    public init(_ reason: Reason, offset: Int64, _ message: String) {
        self.reason = reason
        self.offset = offset
        self.message = message
    }

    public var description: String {
        offset >= 0 ? "tar: \(message) (at byte \(offset))" : "tar: \(message)"
    }
}

/// The byte layout of POSIX ustar headers, as read by Python's `tarfile`, GNU tar and webdataset.
public enum TarFormat {
    /// Headers and data are laid out in blocks of this many bytes.
    public static let blockSize = 512

    /// Two zero blocks: the end-of-archive marker.
    public static let endOfArchive = [UInt8](repeating: 0, count: 2 * blockSize)

    /// The largest size the 11-digit octal size field can hold.
    public static let maximumMemberSize = 0o77777777777

    // Field offsets and lengths inside a header block.
    static let nameField = (offset: 0, length: 100)
    static let modeField = (offset: 100, length: 8)
    static let uidField = (offset: 108, length: 8)
    static let gidField = (offset: 116, length: 8)
    static let sizeField = (offset: 124, length: 12)
    static let mtimeField = (offset: 136, length: 12)
    static let checksumField = (offset: 148, length: 8)
    static let typeflagOffset = 156
    static let magicField = (offset: 257, length: 6)
    static let versionField = (offset: 263, length: 2)
    static let prefixField = (offset: 345, length: 155)

    /// Type flag of a regular file.
    public static let regularFileType = UInt8(ascii: "0")

    /// A 512-byte header for a regular file: mode 0644, uid/gid 0, empty user and group names,
    /// type '0', magic "ustar\0", version "00" and a correct checksum: byte for byte what Python's
    /// `tarfile` writes for the same member in `USTAR_FORMAT`. Names longer than 100 bytes
    /// are split at a '/' into the prefix field (up to 255 bytes in all); a name that cannot fit
    /// throws ``TarError/Reason/invalidName``.
    public static func header(name: String, size: Int, mtime: Int = 0) throws -> [UInt8] {
        let (prefixBytes, nameBytes) = try splitName(name)
        guard size >= 0, size <= maximumMemberSize else {
            throw TarError(.sizeTooLarge, offset: -1, "member \(name) is \(size) bytes; ustar allows at most \(maximumMemberSize)")
        }
        guard mtime >= 0, mtime <= 0o77777777777 else {
            throw TarError(.badNumber, offset: -1, "mtime \(mtime) does not fit a ustar header")
        }
        var block = [UInt8](repeating: 0, count: blockSize)
        put(nameBytes, at: nameField.offset, in: &block)
        putOctal(0o644, field: modeField, in: &block)
        putOctal(0, field: uidField, in: &block)
        putOctal(0, field: gidField, in: &block)
        putOctal(size, field: sizeField, in: &block)
        putOctal(mtime, field: mtimeField, in: &block)
        block[typeflagOffset] = regularFileType
        put(Array("ustar".utf8) + [0], at: magicField.offset, in: &block)
        put(Array("00".utf8), at: versionField.offset, in: &block)
        // devmajor/devminor stay NUL for regular files, as Python's tarfile writes them.
        put(prefixBytes, at: prefixField.offset, in: &block)
        // The checksum is computed with its own field set to spaces, then stored as six octal
        // digits, a NUL and a space (the form every tar writes).
        let sum = checksum(of: block)
        let digits = Array(String(sum, radix: 8).utf8)
        let stored = [UInt8](repeating: UInt8(ascii: "0"), count: 6 - digits.count) + digits + [0, UInt8(ascii: " ")]
        put(stored, at: checksumField.offset, in: &block)
        return block
    }

    /// Zero bytes needed after `size` bytes of data to reach the next block boundary.
    public static func padding(forSize size: Int) -> Int {
        (blockSize - size % blockSize) % blockSize
    }

    /// The unsigned sum of the header bytes, counting the checksum field as eight spaces.
    static func checksum(of block: [UInt8]) -> Int {
        var sum = 0
        for (index, byte) in block.enumerated() {
            let inChecksumField = index >= checksumField.offset && index < checksumField.offset + checksumField.length
            sum += inChecksumField ? Int(UInt8(ascii: " ")) : Int(byte)
        }
        return sum
    }

    /// Splits a member name into the ustar prefix and name fields.
    static func splitName(_ name: String) throws -> (prefix: [UInt8], name: [UInt8]) {
        let bytes = Array(name.utf8)
        guard !bytes.isEmpty, !bytes.contains(0) else {
            throw TarError(.invalidName, offset: -1, "member name \(name.debugDescription) is empty or contains NUL")
        }
        if bytes.count <= nameField.length { return ([], bytes) }
        // Use the last '/' that leaves at most 155 bytes before it and 1...100 bytes after it.
        let slash = UInt8(ascii: "/")
        for index in stride(from: min(bytes.count - 2, prefixField.length), through: 1, by: -1) where bytes[index] == slash {
            let rest = bytes.count - index - 1
            if rest > nameField.length { break }
            return (Array(bytes[..<index]), Array(bytes[(index + 1)...]))
        }
        throw TarError(
            .invalidName, offset: -1,
            "member name \(name) (\(bytes.count) bytes) does not fit ustar's 155-byte prefix and 100-byte name fields")
    }

    private static func put(_ bytes: [UInt8], at offset: Int, in block: inout [UInt8]) {
        block.replaceSubrange(offset..<(offset + bytes.count), with: bytes)
    }

    /// Writes `value` as zero-padded octal filling the field, ended by a NUL.
    private static func putOctal(_ value: Int, field: (offset: Int, length: Int), in block: inout [UInt8]) {
        let digits = Array(String(value, radix: 8).utf8)
        let width = field.length - 1
        precondition(digits.count <= width)
        let text = [UInt8](repeating: UInt8(ascii: "0"), count: width - digits.count) + digits + [0]
        put(text, at: field.offset, in: &block)
    }
}

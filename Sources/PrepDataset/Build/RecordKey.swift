/// Record keys: the name every member of a record shares (`KEY.jpg`, `KEY.depth.png`, ...).
/// WebDataset splits a member name at its first dot, so a key never holds one.
public enum RecordKey {
    /// Longest key accepted, so that `KEY.<stage>.png` fits a ustar name field.
    public static let maximumLength = 80

    /// The key of a source row without a key column: its 0-based row number, zero-padded to 9
    /// digits (img2dataset's width), so keys sort in source order.
    public static func forRow(_ index: Int) -> String {
        let digits = String(index)
        return String(repeating: "0", count: max(0, 9 - digits.count)) + digits
    }

    /// The key of a source row (its key column, sanitised, or its row number), or why it has none.
    public static func candidate(for row: SourceRow) -> (key: String?, problem: String?) {
        let key: String
        if let raw = row.key {
            guard let sanitized = sanitize(raw) else { return (nil, "bad key: '\(raw)' is empty") }
            key = sanitized
        } else {
            key = forRow(row.index)
        }
        guard key.utf8.count <= maximumLength else {
            return (nil, "bad key: '\(key.prefix(20))...' is longer than \(maximumLength) bytes")
        }
        return (key, nil)
    }

    /// A stable 64-bit hash of a key (FNV-1a), the same on every machine: it assigns records to
    /// the parts of a distributed build.
    public static func hash(_ key: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in key.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        return hash
    }

    /// A user's key made safe: every character outside `A-Z a-z 0-9 _ -` becomes `_` (dots and
    /// slashes included). Returns nil for an empty key. Two keys that differ only in such
    /// characters collide; the later row then fails as a duplicate.
    public static func sanitize(_ raw: String) -> String? {
        var key = ""
        for scalar in raw.unicodeScalars {
            switch scalar {
            case "A"..."Z", "a"..."z", "0"..."9", "_", "-": key.unicodeScalars.append(scalar)
            default: key.append("_")
            }
        }
        return key.isEmpty ? nil : key
    }
}

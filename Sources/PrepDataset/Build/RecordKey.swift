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

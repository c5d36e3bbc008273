import Foundation

/// JSON for record members and index rows: keys sorted, no spaces, slashes unescaped, and every
/// `Double` written with a fraction or an exponent (`0.0`, `1.0`, `0.25`). `JSONSerialization`
/// writes an integral double as an integer (`0`), so a field that is `0` in one record and `0.25`
/// in the next gets two types, and pyarrow (HF `datasets`' WebDataset loader) refuses to merge
/// them ("Field density has incompatible types: double vs int64").
enum CanonicalJSON {
    /// Encodes dictionaries (`[String: Any]`), arrays, strings, `Bool`, `Int`, `UInt64` and `Double`.
    static func encode(_ value: Any) throws -> [UInt8] {
        var text = ""
        try write(value, to: &text)
        return Array(text.utf8)
    }

    private static func write(_ value: Any, to text: inout String) throws {
        switch value {
        case let object as [String: Any]:
            text += "{"
            for (i, key) in object.keys.sorted().enumerated() {
                if i > 0 { text += "," }
                text += try quoted(key) + ":"
                try write(object[key]!, to: &text)
            }
            text += "}"
        case let array as [Any]:
            text += "["
            for (i, element) in array.enumerated() {
                if i > 0 { text += "," }
                try write(element, to: &text)
            }
            text += "]"
        case let string as String: text += try quoted(string)
        case let bool as Bool: text += bool ? "true" : "false"
        case let int as Int: text += String(int)
        case let int as UInt64: text += String(int)
        case let double as Double: text += try number(double)
        default:
            throw RecordFailure("encoding failed: JSON cannot hold a value of type \(type(of: value))")
        }
    }

    /// Swift's shortest round-trip form, which always has a "." or an exponent (`1.0`, `1e-05`).
    static func number(_ value: Double) throws -> String {
        guard value.isFinite else { throw RecordFailure("encoding failed: JSON cannot hold \(value)") }
        return value.description
    }

    private static func quoted(_ string: String) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: string, options: [.fragmentsAllowed, .withoutEscapingSlashes]),
               as: UTF8.self)
    }
}

import Foundation

/// One JSON object on one line with its keys in the given order (HF `datasets` takes the column
/// order from the first object's keys; `JSONSerialization` has no order but sorted).
enum JSONLine {
    static func object(_ fields: [(key: String, value: String)]) -> String {
        "{" + fields.map { quoted($0.key) + ": " + quoted($0.value) }.joined(separator: ", ") + "}"
    }

    /// A JSON string literal (escapes quotes, backslashes and control characters; keeps UTF-8).
    static func quoted(_ text: String) -> String {
        let data = try! JSONSerialization.data(withJSONObject: text, options: [.fragmentsAllowed, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self)
    }
}

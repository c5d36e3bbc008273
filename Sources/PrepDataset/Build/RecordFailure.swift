/// Why a record failed, as the one line stored in `samples.error`: `category: detail`. Stats group
/// failures by category (the text before the first colon).
struct RecordFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }

    /// The part of an error message that names its kind: the text before the first ": ".
    static func category(of message: String) -> String {
        if let category = Deduplicator.category(of: message) { return category }
        guard let range = message.range(of: ": ") else { return message }
        return String(message[..<range.lowerBound])
    }
}

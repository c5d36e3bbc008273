import Foundation

/// Parsing of stage option values from their text form, with errors that name the option.
public enum StageOption {
    public static func int(_ text: String, option: String, in range: ClosedRange<Int>) throws -> Int {
        guard let value = Int(text.trimmingCharacters(in: .whitespaces)), range.contains(value) else {
            throw StageError("option \(option) must be an integer in \(range.lowerBound)...\(range.upperBound) (got '\(text)')")
        }
        return value
    }

    public static func double(_ text: String, option: String, in range: ClosedRange<Double>) throws -> Double {
        guard let value = Double(text.trimmingCharacters(in: .whitespaces)), range.contains(value) else {
            throw StageError("option \(option) must be a number in \(range.lowerBound)...\(range.upperBound) (got '\(text)')")
        }
        return value
    }

    /// An integer range written `LOW..HIGH` (or a single integer).
    public static func intRange(_ text: String, option: String, within bounds: ClosedRange<Int>) throws -> ClosedRange<Int> {
        let parts = text.split(separator: ".", omittingEmptySubsequences: true).map { String($0) }
        let numbers = parts.compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard numbers.count == parts.count, (1...2).contains(numbers.count),
              numbers.first! <= numbers.last!, bounds.contains(numbers.first!), bounds.contains(numbers.last!)
        else {
            throw StageError("option \(option) must be a range LOW..HIGH within \(bounds.lowerBound)..\(bounds.upperBound) (got '\(text)')")
        }
        return numbers.first!...numbers.last!
    }

    /// A number range written `LOW..HIGH` (or a single number).
    public static func doubleRange(_ text: String, option: String, within bounds: ClosedRange<Double>) throws -> ClosedRange<Double> {
        let parts = text.components(separatedBy: "..")
        let numbers = parts.compactMap { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard numbers.count == parts.count, (1...2).contains(numbers.count),
              numbers.first! <= numbers.last!, bounds.contains(numbers.first!), bounds.contains(numbers.last!)
        else {
            throw StageError("option \(option) must be a range LOW..HIGH within \(bounds.lowerBound)..\(bounds.upperBound) (got '\(text)')")
        }
        return numbers.first!...numbers.last!
    }

    public static func bool(_ text: String, option: String) throws -> Bool {
        switch text.lowercased() {
        case "true", "yes", "1", "on": return true
        case "false", "no", "0", "off": return false
        default: throw StageError("option \(option) must be true or false (got '\(text)')")
        }
    }

    public static func text(_ range: ClosedRange<Int>) -> String { "\(range.lowerBound)..\(range.upperBound)" }
    public static func text(_ range: ClosedRange<Double>) -> String { "\(range.lowerBound)..\(range.upperBound)" }
}

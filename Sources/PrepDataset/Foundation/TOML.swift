// reference: TOML v1.0.0, https://toml.io/en/v1.0.0
//
// A subset of TOML 1.0 for run manifests. Supported: comments; bare, quoted and dotted keys;
// `[table]` and `[a.b]` headers; basic strings with escapes (\b \t \n \f \r \" \\ \uXXXX
// \UXXXXXXXX) and literal 'strings'; decimal, hex (0x), octal (0o) and binary (0b) integers with
// `_` separators and signs; floats with fractions, exponents, inf and nan; booleans; arrays
// (multi-line, trailing comma, nested, mixed); inline tables `{ a = 1, b.c = 2 }`.
// Not supported, and rejected with a clear error: offset/local dates and times, multi-line
// strings (""" and '''), and arrays of tables ([[name]]).

/// A TOML value.
public enum TOMLValue: Equatable, Sendable {
    case string(String)
    case integer(Int)
    case float(Double)
    case bool(Bool)
    case array([TOMLValue])
    case table([String: TOMLValue])
}

extension TOMLValue {
    /// The value of a `.string`, otherwise nil.
    public var string: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    /// The value of an `.integer`, otherwise nil.
    public var int: Int? {
        if case .integer(let value) = self { return value }
        return nil
    }

    /// The value of a `.float`, or an `.integer` converted to `Double`; otherwise nil.
    public var double: Double? {
        switch self {
        case .float(let value): return value
        case .integer(let value): return Double(value)
        default: return nil
        }
    }

    /// The value of a `.bool`, otherwise nil.
    public var bool: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    /// The elements of an `.array`, otherwise nil.
    public var array: [TOMLValue]? {
        if case .array(let value) = self { return value }
        return nil
    }

    /// The entries of a `.table`, otherwise nil.
    public var table: [String: TOMLValue]? {
        if case .table(let value) = self { return value }
        return nil
    }

    /// The entry `key` of a `.table`; nil when absent or when this is not a table.
    public subscript(key: String) -> TOMLValue? {
        table?[key]
    }

    /// A short name of the value's type, for messages ("string", "integer", ...).
    public var typeName: String {
        switch self {
        case .string: return "string"
        case .integer: return "integer"
        case .float: return "float"
        case .bool: return "boolean"
        case .array: return "array"
        case .table: return "table"
        }
    }
}

/// A syntax error or unsupported construct in a TOML document.
public struct TOMLError: Error, CustomStringConvertible, Equatable, Sendable {
    /// 1-based line of the problem.
    public let line: Int
    public let message: String

    public init(line: Int, message: String) {
        self.line = line
        self.message = message
    }

    public var description: String { "TOML line \(line): \(message)" }
}

/// Parses the TOML subset described at the top of this file.
public enum TOML {
    /// Parses a document into its root table.
    public static func parse(_ text: String) throws -> [String: TOMLValue] {
        var parser = TOMLParser(text)
        return try parser.parseDocument()
    }
}

/// Builds nested tables from key paths, enforcing TOML's rules about defining things twice.
private struct TOMLTableBuilder {
    var root: [String: TOMLValue] = [:]
    /// Tables defined by a `[header]`.
    var headerTables: Set<[String]> = []
    /// Tables created by dotted keys (`a.b = 1` creates `a`).
    var dottedTables: Set<[String]> = []
    /// Inline tables: complete once written, they cannot be extended.
    var inlineTables: Set<[String]> = []

    func value(at path: [String]) -> TOMLValue? {
        var table = root
        for (position, key) in path.enumerated() {
            guard let value = table[key] else { return nil }
            if position == path.count - 1 { return value }
            guard case .table(let next) = value else { return nil }
            table = next
        }
        return .table(table)
    }

    private func isInsideInlineTable(_ path: [String]) -> Bool {
        (1...path.count).contains { inlineTables.contains(Array(path[..<$0])) }
    }

    private static func display(_ path: [String]) -> String {
        path.map { key in
            key.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }) && !key.isEmpty
                ? key : "\"\(key)\""
        }.joined(separator: ".")
    }

    /// Makes sure every table on `path` exists (creating missing ones) and can be added to.
    /// `dottedFrom` is the index from which tables are being created by dotted keys.
    private mutating func prepareTables(_ path: [String], dottedFrom: Int?) throws -> String? {
        for length in stride(from: 1, through: path.count, by: 1) {
            let prefix = Array(path[..<length])
            switch value(at: prefix) {
            case nil:
                setValue(.table([:]), at: prefix)
                if let dottedFrom, length > dottedFrom { dottedTables.insert(prefix) }
            case .table?:
                if isInsideInlineTable(prefix) {
                    return "cannot add to inline table '\(Self.display(prefix))'"
                }
                if let dottedFrom, length > dottedFrom, headerTables.contains(prefix) {
                    return "table '\(Self.display(prefix))' was defined by a [header]; dotted keys cannot add to it here"
                }
            case let other?:
                return "key '\(Self.display(prefix))' is already \(other.typeName.first == "i" || other.typeName.first == "a" ? "an" : "a") \(other.typeName), not a table"
            }
        }
        return nil
    }

    /// Handles `[path]`: returns an error message, or nil on success.
    mutating func defineHeaderTable(_ path: [String]) throws -> String? {
        if let problem = try prepareTables(Array(path.dropLast()), dottedFrom: nil) { return problem }
        switch value(at: path) {
        case nil:
            setValue(.table([:]), at: path)
        case .table?:
            if headerTables.contains(path) { return "table [\(Self.display(path))] is defined twice" }
            if dottedTables.contains(path) {
                return "table [\(Self.display(path))] was already defined with dotted keys"
            }
            if isInsideInlineTable(path) { return "table [\(Self.display(path))] was already defined as an inline table" }
        case let other?:
            return "key '\(Self.display(path))' is already \(other.typeName.first == "i" || other.typeName.first == "a" ? "an" : "a") \(other.typeName), not a table"
        }
        headerTables.insert(path)
        return nil
    }

    /// Handles `key = value` in the table at `tablePath`: returns an error message, or nil.
    mutating func insert(_ value: TOMLValue, tablePath: [String], key: [String]) throws -> String? {
        let path = tablePath + key
        if let problem = try prepareTables(Array(path.dropLast()), dottedFrom: tablePath.count) { return problem }
        if self.value(at: path) != nil { return "duplicate key '\(Self.display(path))'" }
        setValue(value, at: path)
        if case .table = value { inlineTables.insert(path) }
        return nil
    }

    private mutating func setValue(_ value: TOMLValue, at path: [String]) {
        Self.set(value, at: path[...], in: &root)
    }

    private static func set(_ value: TOMLValue, at path: ArraySlice<String>, in table: inout [String: TOMLValue]) {
        let key = path.first!
        if path.count == 1 {
            table[key] = value
            return
        }
        var child = table[key]?.table ?? [:]
        table[key] = nil  // keep `child` uniquely referenced while it is modified
        set(value, at: path.dropFirst(), in: &child)
        table[key] = .table(child)
    }
}

/// A recursive-descent parser over the document's UTF-8 bytes.
private struct TOMLParser {
    private let bytes: [UInt8]
    private var position = 0
    private var line = 1

    init(_ text: String) {
        bytes = Array(text.utf8)
    }

    // MARK: Document structure

    mutating func parseDocument() throws -> [String: TOMLValue] {
        var builder = TOMLTableBuilder()
        var currentTable: [String] = []
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { position = 3 }
        while true {
            skipSpaces()
            guard let byte = peek() else { break }
            switch byte {
            case UInt8(ascii: "#"), UInt8(ascii: "\n"), UInt8(ascii: "\r"):
                try expectEndOfLine()
            case UInt8(ascii: "["):
                let headerLine = line
                advance()
                if peek() == UInt8(ascii: "[") {
                    throw fail("arrays of tables ([[...]]) are not supported")
                }
                skipSpaces()
                let path = try parseKey()
                skipSpaces()
                try expect(UInt8(ascii: "]"), "expected ']' to close the table header")
                try expectEndOfLine()
                if let problem = try builder.defineHeaderTable(path) {
                    throw TOMLError(line: headerLine, message: problem)
                }
                currentTable = path
            default:
                let pairLine = line
                let (key, value) = try parseKeyValue()
                if let problem = try builder.insert(value, tablePath: currentTable, key: key) {
                    throw TOMLError(line: pairLine, message: problem)
                }
                try expectEndOfLine()
            }
        }
        return builder.root
    }

    /// `key = value`
    private mutating func parseKeyValue() throws -> ([String], TOMLValue) {
        let key = try parseKey()
        skipSpaces()
        guard peek() == UInt8(ascii: "=") else {
            if peek() == nil || isNewline(peek()) {
                throw fail("expected '=' after key '\(key.joined(separator: "."))'")
            }
            throw fail("expected '=' after key '\(key.joined(separator: "."))', found \(describeNext())")
        }
        advance()
        skipSpaces()
        let value = try parseValue()
        return (key, value)
    }

    /// A bare, quoted or dotted key, as its parts.
    private mutating func parseKey() throws -> [String] {
        var parts: [String] = []
        while true {
            skipSpaces()
            parts.append(try parseSimpleKey())
            skipSpaces()
            guard peek() == UInt8(ascii: ".") else { return parts }
            advance()
        }
    }

    private mutating func parseSimpleKey() throws -> String {
        switch peek() {
        case UInt8(ascii: "\"")?:
            if startsWith("\"\"\"") { throw fail("multi-line strings are not supported") }
            return try parseBasicString()
        case UInt8(ascii: "'")?:
            if startsWith("'''") { throw fail("multi-line strings are not supported") }
            return try parseLiteralString()
        default:
            let start = position
            while let byte = peek(), isBareKeyByte(byte) { advance() }
            guard position > start else {
                throw fail("expected a key, found \(describeNext())")
            }
            return String(decoding: bytes[start..<position], as: UTF8.self)
        }
    }

    // MARK: Values

    private mutating func parseValue() throws -> TOMLValue {
        guard let byte = peek() else { throw fail("expected a value, found end of file") }
        switch byte {
        case UInt8(ascii: "\""):
            if startsWith("\"\"\"") { throw fail("multi-line strings are not supported") }
            return .string(try parseBasicString())
        case UInt8(ascii: "'"):
            if startsWith("'''") { throw fail("multi-line strings are not supported") }
            return .string(try parseLiteralString())
        case UInt8(ascii: "["):
            return try parseArray()
        case UInt8(ascii: "{"):
            return try parseInlineTable()
        case UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: "#"):
            throw fail("expected a value after '='")
        default:
            return try parseScalarToken()
        }
    }

    /// Booleans, numbers, and (rejected) dates and times.
    private mutating func parseScalarToken() throws -> TOMLValue {
        let start = position
        while let byte = peek(), isTokenByte(byte) { advance() }
        let token = String(decoding: bytes[start..<position], as: UTF8.self)
        if token.isEmpty { throw fail("expected a value, found \(describeNext())") }
        switch token {
        case "true": return .bool(true)
        case "false": return .bool(false)
        case "inf", "+inf": return .float(.infinity)
        case "-inf": return .float(-.infinity)
        case "nan", "+nan", "-nan": return .float(.nan)
        default: break
        }
        if looksLikeDateOrTime(token) {
            throw fail("dates and times are not supported ('\(token)'); quote the value as a string")
        }
        if let value = try parseInteger(token) { return .integer(value) }
        if let value = parseFloat(token) { return .float(value) }
        if let first = token.unicodeScalars.first, first.properties.isAlphabetic {
            throw fail("invalid value '\(token)' (strings must be quoted)")
        }
        throw fail("invalid number '\(token)'")
    }

    private func looksLikeDateOrTime(_ token: String) -> Bool {
        let chars = Array(token.utf8)
        func digits(_ range: Range<Int>) -> Bool {
            range.upperBound <= chars.count && chars[range].allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
        }
        let isDate = digits(0..<4) && chars.count > 4 && chars[4] == UInt8(ascii: "-")
        let isTime = digits(0..<2) && chars.count > 2 && chars[2] == UInt8(ascii: ":")
        return isDate || isTime
    }

    /// Decimal, hex, octal or binary integers; nil if `token` is not integer-shaped.
    private func parseInteger(_ token: String) throws -> Int? {
        var text = Substring(token)
        for (prefix, radix) in [("0x", 16), ("0o", 8), ("0b", 2)] where text.hasPrefix(prefix) {
            let digits = text.dropFirst(2)
            guard Self.validUnderscores(digits, isDigit: { $0.isHexDigit && Int(String($0), radix: radix) != nil }) else {
                throw fail("invalid integer '\(token)'")
            }
            guard let value = Int(String(digits.filter { $0 != "_" }), radix: radix) else {
                throw fail("integer '\(token)' is out of range")
            }
            return value
        }
        var sign = ""
        if let first = text.first, first == "+" || first == "-" {
            sign = first == "-" ? "-" : ""
            text = text.dropFirst()
        }
        guard Self.validUnderscores(text, isDigit: { $0.isASCII && $0.isNumber }) else { return nil }
        if text.count > 1 && text.first == "0" { throw fail("leading zeros are not allowed in '\(token)'") }
        guard let value = Int(sign + text.filter { $0 != "_" }) else {
            throw fail("integer '\(token)' is out of range")
        }
        return value
    }

    /// Floats: integer part, then a fraction and/or an exponent; nil if not float-shaped.
    private func parseFloat(_ token: String) -> Double? {
        var text = Substring(token)
        if let first = text.first, first == "+" || first == "-" { text = text.dropFirst() }
        let isDigit: (Character) -> Bool = { $0.isASCII && $0.isNumber }
        var exponent: Substring?
        if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            var exp = text[text.index(after: e)...]
            if let first = exp.first, first == "+" || first == "-" { exp = exp.dropFirst() }
            guard Self.validUnderscores(exp, isDigit: isDigit) else { return nil }
            exponent = exp
            text = text[..<e]
        }
        var integerPart = text
        var fraction: Substring?
        if let dot = text.firstIndex(of: ".") {
            integerPart = text[..<dot]
            fraction = text[text.index(after: dot)...]
            guard Self.validUnderscores(fraction!, isDigit: isDigit) else { return nil }
        }
        guard fraction != nil || exponent != nil, Self.validUnderscores(integerPart, isDigit: isDigit) else { return nil }
        if integerPart.count > 1 && integerPart.first == "0" { return nil }
        return Double(token.filter { $0 != "_" })
    }

    /// Non-empty digits where each `_` sits between two digits.
    private static func validUnderscores(_ text: Substring, isDigit: (Character) -> Bool) -> Bool {
        guard let first = text.first, let last = text.last, isDigit(first), isDigit(last) else { return false }
        var previousWasUnderscore = false
        for character in text {
            if character == "_" {
                if previousWasUnderscore { return false }
                previousWasUnderscore = true
            } else if isDigit(character) {
                previousWasUnderscore = false
            } else {
                return false
            }
        }
        return true
    }

    private mutating func parseArray() throws -> TOMLValue {
        let openLine = line
        advance()  // [
        var elements: [TOMLValue] = []
        while true {
            try skipSpacesNewlinesAndComments()
            guard let byte = peek() else { throw TOMLError(line: openLine, message: "unterminated array") }
            if byte == UInt8(ascii: "]") {
                advance()
                return .array(elements)
            }
            elements.append(try parseValue())
            try skipSpacesNewlinesAndComments()
            switch peek() {
            case UInt8(ascii: ",")?:
                advance()
            case UInt8(ascii: "]")?:
                advance()
                return .array(elements)
            case nil:
                throw TOMLError(line: openLine, message: "unterminated array")
            default:
                throw fail("expected ',' or ']' in array, found \(describeNext())")
            }
        }
    }

    private mutating func parseInlineTable() throws -> TOMLValue {
        advance()  // {
        var builder = TOMLTableBuilder()
        skipSpaces()
        if peek() == UInt8(ascii: "}") {
            advance()
            return .table([:])
        }
        while true {
            skipSpaces()
            if isNewline(peek()) { throw fail("inline tables must be on one line") }
            let pairLine = line
            let (key, value) = try parseKeyValue()
            if let problem = try builder.insert(value, tablePath: [], key: key) {
                throw TOMLError(line: pairLine, message: problem + " in inline table")
            }
            skipSpaces()
            switch peek() {
            case UInt8(ascii: ",")?:
                advance()
                skipSpaces()
                if peek() == UInt8(ascii: "}") { throw fail("trailing comma is not allowed in an inline table") }
            case UInt8(ascii: "}")?:
                advance()
                return .table(builder.root)
            case nil:
                throw fail("unterminated inline table")
            default:
                if isNewline(peek()) { throw fail("inline tables must be on one line") }
                throw fail("expected ',' or '}' in inline table, found \(describeNext())")
            }
        }
    }

    // MARK: Strings

    private mutating func parseBasicString() throws -> String {
        advance()  // "
        var out: [UInt8] = []
        while true {
            guard let byte = peek() else { throw fail("unterminated string") }
            switch byte {
            case UInt8(ascii: "\""):
                advance()
                return String(decoding: out, as: UTF8.self)
            case UInt8(ascii: "\\"):
                advance()
                guard let escape = peek() else { throw fail("unterminated string") }
                advance()
                switch escape {
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "\""): out.append(0x22)
                case UInt8(ascii: "\\"): out.append(0x5C)
                case UInt8(ascii: "u"): out += try parseUnicodeEscape(digits: 4)
                case UInt8(ascii: "U"): out += try parseUnicodeEscape(digits: 8)
                default:
                    throw fail("invalid escape '\\\(String(decoding: [escape], as: UTF8.self))' in string")
                }
            case UInt8(ascii: "\n"), UInt8(ascii: "\r"):
                throw fail("unterminated string (strings cannot span lines)")
            default:
                if isControl(byte) { throw fail("control character U+\(hex4(byte)) in string; use an escape") }
                out.append(byte)
                advance()
            }
        }
    }

    private mutating func parseUnicodeEscape(digits: Int) throws -> [UInt8] {
        let end = min(position + digits, bytes.count)
        let text = String(decoding: bytes[position..<end], as: UTF8.self)
        guard end - position == digits, text.allSatisfy(\.isHexDigit), let code = UInt32(text, radix: 16) else {
            throw fail("invalid unicode escape '\(text)' (expected \(digits) hex digits)")
        }
        guard let scalar = Unicode.Scalar(code) else {
            throw fail("unicode escape '\(text)' is not a valid scalar value")
        }
        position += digits
        return Array(String(Character(scalar)).utf8)
    }

    private mutating func parseLiteralString() throws -> String {
        advance()  // '
        let start = position
        while true {
            guard let byte = peek() else { throw fail("unterminated literal string") }
            if byte == UInt8(ascii: "'") { break }
            if isNewline(byte) { throw fail("unterminated literal string (strings cannot span lines)") }
            if isControl(byte) { throw fail("control character U+\(hex4(byte)) in literal string") }
            advance()
        }
        let text = String(decoding: bytes[start..<position], as: UTF8.self)
        advance()  // '
        return text
    }

    // MARK: Lexical helpers

    private func peek() -> UInt8? {
        position < bytes.count ? bytes[position] : nil
    }

    private mutating func advance() {
        if bytes[position] == UInt8(ascii: "\n") { line += 1 }
        position += 1
    }

    private func startsWith(_ text: String) -> Bool {
        bytes[position...].starts(with: text.utf8)
    }

    private mutating func expect(_ byte: UInt8, _ message: String) throws {
        guard peek() == byte else { throw fail("\(message), found \(describeNext())") }
        advance()
    }

    private mutating func skipSpaces() {
        while let byte = peek(), byte == 0x20 || byte == 0x09 { advance() }
    }

    private mutating func skipComment() throws {
        guard peek() == UInt8(ascii: "#") else { return }
        while let byte = peek(), byte != UInt8(ascii: "\n") {
            if byte == UInt8(ascii: "\r"), position + 1 < bytes.count, bytes[position + 1] == UInt8(ascii: "\n") { break }
            if isControl(byte) { throw fail("control character U+\(hex4(byte)) in comment") }
            advance()
        }
    }

    /// After a value or header: optional spaces and comment, then a newline or end of file.
    private mutating func expectEndOfLine() throws {
        skipSpaces()
        try skipComment()
        switch peek() {
        case nil:
            return
        case UInt8(ascii: "\n")?:
            advance()
        case UInt8(ascii: "\r")? where position + 1 < bytes.count && bytes[position + 1] == UInt8(ascii: "\n"):
            advance()
            advance()
        default:
            throw fail("expected a new line after the value, found \(describeNext())")
        }
    }

    private mutating func skipSpacesNewlinesAndComments() throws {
        while true {
            skipSpaces()
            switch peek() {
            case UInt8(ascii: "#")?:
                try skipComment()
            case UInt8(ascii: "\n")?:
                advance()
            case UInt8(ascii: "\r")? where position + 1 < bytes.count && bytes[position + 1] == UInt8(ascii: "\n"):
                advance()
            default:
                return
            }
        }
    }

    private func isNewline(_ byte: UInt8?) -> Bool {
        byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r")
    }

    private func isBareKeyByte(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
            || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
    }

    private func isTokenByte(_ byte: UInt8) -> Bool {
        isBareKeyByte(byte) || byte == UInt8(ascii: "+") || byte == UInt8(ascii: ".") || byte == UInt8(ascii: ":")
    }

    /// Control characters other than tab are not allowed in strings and comments.
    private func isControl(_ byte: UInt8) -> Bool {
        (byte < 0x20 && byte != 0x09) || byte == 0x7F
    }

    private func hex4(_ byte: UInt8) -> String {
        let digits = String(byte, radix: 16, uppercase: true)
        return String(repeating: "0", count: 4 - digits.count) + digits
    }

    private func describeNext() -> String {
        guard let byte = peek() else { return "end of file" }
        if byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") { return "end of line" }
        var end = position
        while end < bytes.count, end - position < 20, !isNewline(bytes[end]) { end += 1 }
        return "'\(String(decoding: bytes[position..<end], as: UTF8.self))'"
    }

    private func fail(_ message: String) -> TOMLError {
        TOMLError(line: line, message: message)
    }
}

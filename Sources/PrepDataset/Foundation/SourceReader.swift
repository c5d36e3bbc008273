import Foundation

/// A source file that cannot be read as a whole: missing, empty, or with an unusable header.
public struct SourceError: Error, CustomStringConvertible, Sendable {
    public let path: String
    public let message: String

    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }

    public var description: String { "\(path): \(message)" }
}

/// Streams the rows of a TSV or JSONL source file without loading it into memory (64 KiB reads).
///
/// TSV: the first line is the header (a UTF-8 byte-order mark on it is dropped); fields are split
/// on tabs only, with no quoting (quotes are data) and no trimming except a trailing `\r`, which is
/// stripped from every line. Blank lines are skipped and not counted.
///
/// JSONL: each non-blank line is one JSON object. Besides the configured column names,
/// fill50k's layout is understood: `target` is the image and `prompt` the caption when the
/// default `image` / `caption` keys are absent; its `source` stays in ``SourceRow/fields``.
///
/// A malformed row is still returned, with ``SourceRow/problem`` set. An I/O error part-way
/// through ends the iteration and is kept in ``readError``; callers must check it.
public final class SourceReader: Sequence, IteratorProtocol {
    /// The file being read.
    public let path: String
    /// The format rows are parsed as.
    public let format: SourceFormat
    /// The column names in use.
    public let columns: SourceColumns
    /// The TSV header's column names; empty for JSONL.
    public let header: [String]
    /// The I/O error that ended iteration early, if any.
    public private(set) var readError: Error?

    private let file: InputFile
    private let lines: LineReader
    /// For JSONL, the first non-blank line, read during `init` to reject empty files.
    private var pendingLine: (bytes: [UInt8], number: Int)?
    private var nextIndex = 0
    private var finished = false

    /// Opens `path` (format inferred from its extension unless given) and, for TSV, reads and
    /// checks the header. Throws a ``SourceError`` if the file cannot be opened, has no data
    /// lines, or its header lacks the image or caption column.
    public init(path: String, format: SourceFormat? = nil, columns: SourceColumns = .init()) throws {
        self.path = path
        self.format = format ?? SourceFormat.infer(path: path)
        self.columns = columns
        do {
            file = try InputFile(path: path)
        } catch let error as FileError {
            throw SourceError(path: path, message: "cannot open source file: \(error.reason)")
        }
        lines = LineReader(file: file)

        // The first non-blank line: the TSV header, or the first JSONL row.
        var first: [UInt8]?
        do {
            while let line = try lines.nextLine() {
                var bytes = SourceReader.strippingCarriageReturn(line)
                if lines.lineNumber == 1 && bytes.starts(with: [0xEF, 0xBB, 0xBF]) {
                    bytes.removeFirst(3)
                }
                if !SourceReader.isBlank(bytes, format: self.format) {
                    first = bytes
                    break
                }
            }
        } catch {
            throw SourceError(path: path, message: "cannot read source file: \(error)")
        }
        guard let first else {
            throw SourceError(path: path, message: "source file is empty (no header or rows)")
        }

        switch self.format {
        case .jsonl:
            header = []
            pendingLine = (first, lines.lineNumber)
        case .tsv:
            guard let text = String(validating: first, as: UTF8.self) else {
                throw SourceError(path: path, message: "header line \(lines.lineNumber) is not valid UTF-8")
            }
            let names = text.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            var seen = Set<String>()
            for name in names where !seen.insert(name).inserted {
                throw SourceError(path: path, message: "header has the column '\(name)' twice")
            }
            let listed = names.map { "'\($0)'" }.joined(separator: ", ")
            for (role, name, option) in [("image", columns.image, "--image-col"), ("caption", columns.caption, "--caption-col")]
            where !seen.contains(name) {
                throw SourceError(
                    path: path,
                    message: "header has no '\(name)' column for the \(role) (header columns: \(listed)); "
                        + "name the right column with \(option), and check the file is tab-separated")
            }
            header = names
        }
    }

    /// The next data row, or nil at the end of the file (or after an I/O error: see
    /// ``readError``).
    public func next() -> SourceRow? {
        guard !finished else { return nil }
        while true {
            let bytes: [UInt8]
            let lineNumber: Int
            if let pending = pendingLine {
                pendingLine = nil
                (bytes, lineNumber) = pending
            } else {
                do {
                    guard let line = try lines.nextLine() else {
                        finish()
                        return nil
                    }
                    bytes = SourceReader.strippingCarriageReturn(line)
                    lineNumber = lines.lineNumber
                } catch {
                    readError = error
                    finish()
                    return nil
                }
            }
            if SourceReader.isBlank(bytes, format: format) { continue }
            let index = nextIndex
            nextIndex += 1
            switch format {
            case .tsv: return tsvRow(bytes, index: index, line: lineNumber)
            case .jsonl: return jsonRow(bytes, index: index, line: lineNumber)
            }
        }
    }

    private func finish() {
        finished = true
        file.close()
    }

    // MARK: TSV

    private func tsvRow(_ bytes: [UInt8], index: Int, line: Int) -> SourceRow {
        guard let text = String(validating: bytes, as: UTF8.self) else {
            return makeRow(index: index, line: line, fields: [:], problem: "line \(line): not valid UTF-8")
        }
        let values = text.split(separator: "\t", omittingEmptySubsequences: false)
        var fields: [String: String] = [:]
        fields.reserveCapacity(header.count)
        for (name, value) in zip(header, values) {
            fields[name] = String(value)
        }
        var problem: String?
        if values.count != header.count {
            problem = "line \(line): \(values.count) field\(values.count == 1 ? "" : "s"), header has \(header.count)"
        }
        return makeRow(index: index, line: line, fields: fields, problem: problem)
    }

    // MARK: JSONL

    private func jsonRow(_ bytes: [UInt8], index: Int, line: Int) -> SourceRow {
        guard String(validating: bytes, as: UTF8.self) != nil else {
            return makeRow(index: index, line: line, fields: [:], problem: "line \(line): not valid UTF-8")
        }
        let parsed: Any
        do {
            parsed = try JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])
        } catch {
            let detail = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String ?? "\(error)"
            return makeRow(index: index, line: line, fields: [:], problem: "line \(line): invalid JSON: \(detail)")
        }
        guard let object = parsed as? [String: Any] else {
            return makeRow(index: index, line: line, fields: [:], problem: "line \(line): not a JSON object")
        }
        var fields: [String: String] = [:]
        for (key, value) in object {
            if let text = SourceReader.stringify(value) { fields[key] = text }
        }
        var image = fields[columns.image]
        var caption = fields[columns.caption]
        // fill50k: {"source": condition, "target": image, "prompt": caption}
        if image == nil && columns.image == "image" { image = fields["target"] }
        if caption == nil && columns.caption == "caption" { caption = fields["prompt"] }
        var problem: String?
        if image == nil {
            problem = "line \(line): no '\(columns.image)' column (keys: \(object.keys.sorted().joined(separator: ", ")))"
        } else if caption == nil {
            problem = "line \(line): no '\(columns.caption)' column (keys: \(object.keys.sorted().joined(separator: ", ")))"
        }
        return SourceRow(
            index: index, line: line, fields: fields, image: image, caption: caption,
            depth: SourceReader.nonEmpty(fields[columns.depth]), key: SourceReader.nonEmpty(fields[columns.key]),
            problem: problem)
    }

    /// A JSON value as text: strings as-is, booleans as true/false, numbers in their usual form,
    /// arrays and objects as compact JSON; nil for `null`.
    private static func stringify(_ value: Any) -> String? {
        switch value {
        case let text as String:
            return text
        case is NSNull:
            return nil
        case let number as NSNumber:
            if String(cString: number.objCType) == "c" { return number.boolValue ? "true" : "false" }
            return number.stringValue
        default:
            guard JSONSerialization.isValidJSONObject(value),
                  let data = try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .withoutEscapingSlashes])
            else { return "\(value)" }
            return String(decoding: data, as: UTF8.self)
        }
    }

    // MARK: Shared

    private func makeRow(index: Int, line: Int, fields: [String: String], problem: String?) -> SourceRow {
        SourceRow(
            index: index, line: line, fields: fields,
            image: fields[columns.image], caption: fields[columns.caption],
            depth: SourceReader.nonEmpty(fields[columns.depth]), key: SourceReader.nonEmpty(fields[columns.key]),
            problem: problem)
    }

    private static func nonEmpty(_ text: String?) -> String? {
        guard let text, !text.isEmpty else { return nil }
        return text
    }

    private static func strippingCarriageReturn(_ line: [UInt8]) -> [UInt8] {
        guard line.last == 0x0D else { return line }
        return Array(line.dropLast())
    }

    /// TSV: an empty line. JSONL: a line of only spaces and tabs.
    private static func isBlank(_ bytes: [UInt8], format: SourceFormat) -> Bool {
        switch format {
        case .tsv: return bytes.isEmpty
        case .jsonl: return bytes.allSatisfy { $0 == 0x20 || $0 == 0x09 }
        }
    }
}

/// Which source columns (TSV header names or JSONL keys) hold each piece of a record.
/// Defaults: `image`, `caption`, `depth`, `key`; the command line's `--image-col` etc. rename them.
public struct SourceColumns: Equatable, Sendable, Codable {
    /// Path of the target image (relative to the source file's folder or absolute).
    public var image = "image"
    /// The caption text.
    public var caption = "caption"
    /// Optional path of a depth map supplied by the user.
    public var depth = "depth"
    /// Optional stable key for the record.
    public var key = "key"
    /// Optional path of a soft boundary map (real HED/PiDiNet output) for the scribble stage.
    public var boundary = "boundary"

    public init(image: String = "image", caption: String = "caption", depth: String = "depth", key: String = "key",
                boundary: String = "boundary") {
        self.image = image
        self.caption = caption
        self.depth = depth
        self.key = key
        self.boundary = boundary
    }
}

/// The format of a source file.
public enum SourceFormat: String, Sendable {
    /// Tab-separated values with a header line.
    case tsv
    /// One JSON object per line.
    case jsonl

    /// `.jsonl`, `.json` and `.ndjson` files (any case) are JSONL; everything else is TSV.
    public static func infer(path: String) -> SourceFormat {
        let name = path.split(separator: "/").last.map(String.init) ?? path
        guard let dot = name.lastIndex(of: ".") else { return .tsv }
        switch name[name.index(after: dot)...].lowercased() {
        case "jsonl", "json", "ndjson": return .jsonl
        default: return .tsv
        }
    }
}

/// One data row of a source file.
public struct SourceRow: Equatable, Sendable {
    /// 0-based data row number: header and blank lines are not counted; malformed rows are.
    public let index: Int
    /// 1-based line number in the file, for messages.
    public let line: Int
    /// Every column of the row, by TSV header name or JSON key (non-string JSON values are
    /// stringified; `null` values are left out).
    public let fields: [String: String]
    /// The image path, via the configured column (JSONL: falling back to fill50k's `target`).
    public let image: String?
    /// The caption, via the configured column (JSONL: falling back to fill50k's `prompt`).
    public let caption: String?
    /// The depth map path; nil when absent or empty.
    public let depth: String?
    /// The record key; nil when absent or empty.
    public let key: String?
    /// Why the row is malformed (e.g. "line 7: 2 fields, header has 3"), or nil when it is
    /// well-formed. Malformed rows keep their index so they can be recorded as failed; their
    /// other fields are best-effort and should not be trusted.
    public let problem: String?

    public init(
        index: Int, line: Int, fields: [String: String],
        image: String?, caption: String?, depth: String?, key: String?, problem: String?
    ) {
        self.index = index
        self.line = line
        self.fields = fields
        self.image = image
        self.caption = caption
        self.depth = depth
        self.key = key
        self.problem = problem
    }
}

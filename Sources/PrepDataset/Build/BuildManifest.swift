import Foundation
import PrepImage
import PrepStages

/// Run manifests: a TOML file holding every option of a build (`manifests/build-512.toml`).
/// `prep build --manifest FILE` applies it over the defaults; command-line options then override
/// it; the dataset keeps the effective manifest (`DIR/manifest.toml` and the index's `meta`).
/// Paths in a manifest are relative to the current directory, like on the command line.
public enum BuildManifest {
    /// Applies the manifest at `path` over `options`. Unknown sections or keys are errors, so a
    /// typo never silently falls back to a default.
    public static func apply(fileAt path: String, to options: inout BuildOptions) throws {
        let text: String
        do {
            text = String(decoding: try FileSystem.readFile(path), as: UTF8.self)
        } catch {
            throw DatasetError("cannot read manifest \(path): \(error)")
        }
        do {
            try apply(TOML.parse(text), to: &options)
        } catch let error as DatasetError {
            throw DatasetError("manifest \(path): \(error.description)")
        } catch {
            throw DatasetError("manifest \(path): \(error)")
        }
    }

    public static func apply(_ document: [String: TOMLValue], to options: inout BuildOptions) throws {
        for (section, value) in document {
            guard let table = value.table else {
                throw DatasetError("'\(section)' must be a [section]; sections are source, output, image, stages, dedup, run")
            }
            var reader = SectionReader(section: section, table: table)
            switch section {
            case "source":
                if let value = try reader.string("path") { options.source = value }
                if let value = try reader.string("format") {
                    guard value == "auto" || SourceFormat(rawValue: value) != nil else {
                        throw DatasetError("[source] format must be auto, tsv or jsonl (got '\(value)')")
                    }
                    options.sourceFormat = SourceFormat(rawValue: value)
                }
                if let value = try reader.string("image_col") { options.columns.image = value }
                if let value = try reader.string("caption_col") { options.columns.caption = value }
                if let value = try reader.string("depth_col") { options.columns.depth = value }
                if let value = try reader.string("key_col") { options.columns.key = value }
                if let value = try reader.string("boundary_col") { options.columns.boundary = value }
            case "output":
                if let value = try reader.string("dir") { options.output = value }
                if let value = try reader.int("shard_size") { options.shardSize = value }
                if let value = try reader.string("image_format") { options.imageFormat = try imageFormat(value) }
                if let value = try reader.int("jpeg_quality") { options.jpegQuality = value }
                if let value = try reader.int("png_compression") { options.pngCompression = value }
                if let value = try reader.string("part") { options.part = try BuildPart(parsing: value) }
            case "image":
                if let value = try reader.int("resolution") { options.resolution = value }
                if let value = try reader.string("crop") {
                    guard let crop = CropMode(rawValue: value) else {
                        throw DatasetError("[image] crop must be center or none (got '\(value)')")
                    }
                    options.crop = crop
                }
                if let value = try reader.int("max_pixels") { options.maxPixels = value }
            case "stages":
                if let value = table["enabled"] {
                    reader.consumed.insert("enabled")
                    if value.string == "auto" {
                        options.stages = nil
                    } else if let list = value.array?.compactMap(\.string), list.count == value.array?.count {
                        options.stages = list
                    } else {
                        throw DatasetError("[stages] enabled must be \"auto\" or a list of stage names")
                    }
                }
                if let value = try reader.int("seed") {
                    guard value >= 0 else { throw DatasetError("[stages] seed must be >= 0") }
                    options.seed = UInt64(value)
                }
                if let value = try reader.double("caption_dropout") { options.captionDropout = value }
                // [stages.NAME] tables: that stage's options.
                for (name, value) in table {
                    guard let stageTable = value.table else { continue }
                    reader.consumed.insert(name)
                    guard StageCatalog.names.contains(name) else {
                        throw DatasetError("unknown stage [stages.\(name)]; stages: \(StageCatalog.names.joined(separator: ", "))")
                    }
                    for (option, optionValue) in stageTable {
                        options.stageOptions[name, default: [:]][option] = try Self.text(of: optionValue, key: "stages.\(name).\(option)")
                    }
                }
            case "dedup":
                if let value = try reader.string("mode") {
                    guard let mode = DedupMode(rawValue: value) else {
                        throw DatasetError("[dedup] mode must be off, exact or near (got '\(value)')")
                    }
                    options.dedup = mode
                }
                if let value = try reader.int("max_distance") { options.dedupDistance = value }
            case "run":
                if let value = try reader.int("workers") { options.workers = value }
            default:
                throw DatasetError("unknown section [\(section)]; sections are source, output, image, stages, dedup, run")
            }
            try reader.rejectUnknownKeys()
        }
    }

    /// A scalar manifest value as the text stage options parse.
    static func text(of value: TOMLValue, key: String) throws -> String {
        switch value {
        case .string(let text): return text
        case .integer(let number): return String(number)
        case .float(let number): return String(number)
        case .bool(let flag): return String(flag)
        default: throw DatasetError("\(key) must be a string, number or boolean")
        }
    }

    public static func imageFormat(_ value: String) throws -> ImageFormat {
        switch value.lowercased() {
        case "jpg", "jpeg": return .jpeg
        case "png": return .png
        default: throw DatasetError("image format must be jpg or png (got '\(value)')")
        }
    }

    /// The effective manifest of a build, as TOML that `--manifest` reads back.
    public static func render(_ options: BuildOptions) -> String {
        func quoted(_ text: String) -> String {
            var escaped = ""
            for scalar in text.unicodeScalars {
                switch scalar {
                case "\"": escaped += "\\\""
                case "\\": escaped += "\\\\"
                case "\n": escaped += "\\n"
                case "\t": escaped += "\\t"
                case "\r": escaped += "\\r"
                default: escaped.unicodeScalars.append(scalar)
                }
            }
            return "\"\(escaped)\""
        }
        let stages = options.stages.map { "[" + $0.map(quoted).joined(separator: ", ") + "]" } ?? "\"auto\""
        // Every option of every stage (the enabled ones, or all when auto), defaults included.
        var stageSections = ""
        for name in options.stages ?? StageCatalog.names {
            guard let stage = try? options.stage(named: name), !stage.options.isEmpty else { continue }
            stageSections += "[stages.\(name)]\n"
            for (option, value) in stage.options { stageSections += "\(option) = \(quoted(value))\n" }
            stageSections += "\n"
        }
        return """
            # The effective options of a `prep build` (defaults < manifest < command line).
            # Rebuild with: prep build --manifest THIS_FILE

            [source]
            path = \(quoted(options.source))
            format = \(quoted(options.sourceFormat?.rawValue ?? "auto"))
            image_col = \(quoted(options.columns.image))
            caption_col = \(quoted(options.columns.caption))
            depth_col = \(quoted(options.columns.depth))
            key_col = \(quoted(options.columns.key))
            boundary_col = \(quoted(options.columns.boundary))

            [output]
            dir = \(quoted(options.output))
            shard_size = \(options.shardSize)
            image_format = \(quoted(options.imageMember))
            jpeg_quality = \(options.jpegQuality)
            png_compression = \(options.pngCompression)
            part = \(quoted(options.part.description))

            [image]
            resolution = \(options.resolution)
            crop = \(quoted(options.crop.rawValue))
            max_pixels = \(options.maxPixels)

            [stages]
            enabled = \(stages)
            seed = \(options.seed)
            caption_dropout = \(options.captionDropout)

            \(stageSections)[dedup]
            mode = \(quoted(options.dedup.rawValue))
            max_distance = \(options.dedupDistance)

            [run]
            workers = \(options.workers)

            """
    }
}

/// Reads typed keys of one manifest section and remembers which it read, to reject the rest.
private struct SectionReader {
    let section: String
    let table: [String: TOMLValue]
    var consumed: Set<String> = []

    init(section: String, table: [String: TOMLValue]) {
        self.section = section
        self.table = table
    }

    mutating func value(_ key: String) -> TOMLValue? {
        consumed.insert(key)
        return table[key]
    }

    mutating func string(_ key: String) throws -> String? {
        guard let value = value(key) else { return nil }
        guard let string = value.string else { throw DatasetError("[\(section)] \(key) must be a string") }
        return string
    }

    mutating func int(_ key: String) throws -> Int? {
        guard let value = value(key) else { return nil }
        guard let int = value.int else { throw DatasetError("[\(section)] \(key) must be an integer") }
        return int
    }

    mutating func double(_ key: String) throws -> Double? {
        guard let value = value(key) else { return nil }
        guard let double = value.double else { throw DatasetError("[\(section)] \(key) must be a number") }
        return double
    }

    func rejectUnknownKeys() throws {
        let unknown = Set(table.keys).subtracting(consumed).sorted()
        if let first = unknown.first {
            throw DatasetError("unknown key '\(first)' in [\(section)]; known: \(consumed.sorted().joined(separator: ", "))")
        }
    }
}

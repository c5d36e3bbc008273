import ArgumentParser
import Foundation
import PrepDataset
import PrepImage

struct Build: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Build conditioned shards and the index from a TSV or JSON Lines source.",
        discussion: """
            Options come from the defaults, then --manifest, then the command line. Re-running the same
            command resumes an interrupted build, and does nothing after a complete one. Records that
            fail (missing or corrupt image, empty caption, ...) are kept in the index with their reason;
            the exit status is non-zero only when the run itself cannot proceed.
            """)

    @Option(help: "The source: a TSV with a header row (image, caption; optional depth, key) or JSON Lines.")
    var source: String?
    @Option(help: "A TOML run manifest holding build options (see manifests/).")
    var manifest: String?
    @Option(name: .customLong("source-format"), help: "tsv or jsonl (default: from the file extension).")
    var sourceFormat: String?
    @Option(name: .customLong("image-col"), help: "Column holding image paths (default: image).")
    var imageColumn: String?
    @Option(name: .customLong("caption-col"), help: "Column holding captions (default: caption).")
    var captionColumn: String?
    @Option(name: .customLong("depth-col"), help: "Column holding depth map paths (default: depth).")
    var depthColumn: String?
    @Option(name: .customLong("key-col"), help: "Column holding record keys (default: key; else row numbers).")
    var keyColumn: String?
    @Option(name: .customLong("boundary-col"), help: "Column holding given soft boundary maps for scribble (default: boundary).")
    var boundaryColumn: String?

    @Option(name: .customLong("out"), help: "Dataset folder (default: dataset).")
    var output: String?
    @Option(name: .customLong("shard-size"), help: "Records per shard (default: 1000).")
    var shardSize: Int?
    @Option(name: .customLong("image-format"), help: "jpg or png (default: jpg).")
    var imageFormat: String?
    @Option(name: .customLong("jpeg-quality"), help: "JPEG quality 1-100 (default: 95).")
    var jpegQuality: Int?
    @Option(help: "Build only part i of N of the source (by key hash), for distributed builds; `prep merge` joins the parts.")
    var part: String?

    @Option(help: "Short side after resizing, in pixels (default: 512).")
    var resolution: Int?
    @Option(help: "center (square crop, like diffusers) or none (aspect kept, sides multiples of 64) (default: center).")
    var crop: String?
    @Option(name: .customLong("max-pixels"), help: "Refuse images with more pixels than this (default: 100000000).")
    var maxPixels: Int?

    @Option(help: "Comma-separated condition stages, or 'auto' (default: every stage whose input the source has).")
    var stages: String?
    @OptionGroup var stageSettings: StageSettings
    @Option(name: .customLong("hough-min-lines"), help: "Fail records with fewer Hough lines (hough.min_lines; ControlNet 1.1 kept > 16).")
    var houghMinLines: Int?
    @Option(name: .customLong("scribble-augment"), help: "paper (the paper's random augmentations) or none (scribble.augment).")
    var scribbleAugment: String?
    @Option(help: "Seed of every random choice (default: 0).")
    var seed: UInt64?
    @Option(name: .customLong("caption-dropout"), help: "Probability that a record's caption is marked dropped (default: 0.5).")
    var captionDropout: Double?
    @Option(help: "Repeated images: off, exact (same file sha256) or near (also a 64-bit dHash within --dedup-distance) (default: exact).")
    var dedup: String?
    @Option(name: .customLong("dedup-distance"), help: "--dedup near: largest Hamming distance of two dHashes that counts as a duplicate (default: 4).")
    var dedupDistance: Int?
    @Option(help: "Parallel workers; 0 = one per core (default: 0). Does not change the output.")
    var workers: Int?

    @Flag(help: "Delete the dataset in --out and build it anew.")
    var force = false
    @Flag(name: .customLong("retry-failed"), help: "Process again only the rows that failed.")
    var retryFailed = false
    @Flag(help: "No progress output.")
    var quiet = false
    @Flag(name: .customLong("print-manifest"), help: "Print the effective options as a manifest (TOML) and exit: a start for your own.")
    var printManifest = false

    func validate() throws {
        if force && retryFailed { throw ValidationError("--force and --retry-failed cannot be combined") }
    }

    func effectiveOptions() throws -> BuildOptions {
        var options = BuildOptions()
        if let manifest { try BuildManifest.apply(fileAt: manifest, to: &options) }
        if let source { options.source = source }
        if let sourceFormat {
            guard let format = SourceFormat(rawValue: sourceFormat) else {
                throw ValidationError("--source-format must be tsv or jsonl")
            }
            options.sourceFormat = format
        }
        if let imageColumn { options.columns.image = imageColumn }
        if let captionColumn { options.columns.caption = captionColumn }
        if let depthColumn { options.columns.depth = depthColumn }
        if let keyColumn { options.columns.key = keyColumn }
        if let boundaryColumn { options.columns.boundary = boundaryColumn }
        if let output { options.output = output }
        if let shardSize { options.shardSize = shardSize }
        if let imageFormat { options.imageFormat = try BuildManifest.imageFormat(imageFormat) }
        if let jpegQuality { options.jpegQuality = jpegQuality }
        if let part { options.part = try BuildPart(parsing: part) }
        if let resolution { options.resolution = resolution }
        if let crop {
            guard let mode = CropMode(rawValue: crop) else { throw ValidationError("--crop must be center or none") }
            options.crop = mode
        }
        if let maxPixels { options.maxPixels = maxPixels }
        if let stages {
            options.stages = stages == "auto" ? nil : stages.split(separator: ",").map {
                $0.trimmingCharacters(in: .whitespaces)
            }
        }
        for (stage, settings) in try stageSettings.parsed() {
            options.stageOptions[stage, default: [:]].merge(settings) { $1 }
        }
        if let houghMinLines { options.stageOptions["hough", default: [:]]["min_lines"] = String(houghMinLines) }
        if let scribbleAugment { options.stageOptions["scribble", default: [:]]["augment"] = scribbleAugment }
        if let seed { options.seed = seed }
        if let captionDropout { options.captionDropout = captionDropout }
        if let dedup {
            guard let mode = DedupMode(rawValue: dedup) else { throw ValidationError("--dedup must be off, exact or near (got '\(dedup)')") }
            options.dedup = mode
        }
        if let dedupDistance { options.dedupDistance = dedupDistance }
        if let workers { options.workers = workers }
        return options
    }

    func run() throws {
        let options = try effectiveOptions()
        if printManifest {
            print(BuildManifest.render(options), terminator: "")
            return
        }
        Interruption.install()
        let builder = DatasetBuilder(
            options: options, force: force, retryFailed: retryFailed,
            progress: ProgressReporter(label: "build", quiet: quiet))
        let summary: BuildSummary
        do {
            summary = try builder.run()
        } catch let error as DatasetError {
            throw CleanExit.failure(error.description)
        } catch {
            // I/O failures (disk full, a vanished folder): the run cannot go on.
            throw CleanExit.failure(
                "build stopped: \(error)\ncommitted shards are intact; fix the cause and run the same command again to resume")
        }
        if summary.upToDate {
            print("\(options.output) is up to date (\(summary.datasetOK) ok, \(summary.datasetFailed) failed, "
                  + "\(summary.shardCount) shards): nothing to do")
            return
        }
        let rate = summary.seconds > 0 ? Double(summary.ok + summary.failed) / summary.seconds : 0
        var lines = [String(format: "%d ok, %d failed in %.1f s (%.1f records/s)", summary.ok, summary.failed, summary.seconds, rate)]
        if summary.alreadyCommitted > 0 { lines[0] += " after \(summary.alreadyCommitted) rows already built" }
        for (reason, count) in summary.topReasons.prefix(5) { lines.append("  \(count) × \(reason)") }
        lines.append("\(options.output): \(summary.datasetOK) ok, \(summary.datasetFailed) failed in \(summary.shardCount) shards"
                     + " (`prep stats \(options.output)` for details)")
        print(lines.joined(separator: "\n"))
        if summary.interrupted {
            throw CleanExit.failure("interrupted: committed shards are kept; run the same command again to finish", code: 130)
        }
    }
}

/// Ends the process with a message on stderr and a status, without a stack of "Error:" prefixes.
enum CleanExit {
    static func failure(_ message: String, code: Int32 = 1) -> ExitCode {
        FileHandle.standardError.write(Data(("prep: " + message + "\n").utf8))
        return ExitCode(code)
    }
}

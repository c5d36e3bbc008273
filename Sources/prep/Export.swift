import ArgumentParser
import PrepDataset

struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Copy a dataset's records for one condition into the layout another trainer reads.",
        discussion: """
            imagefolder: images/, conditioning_images/ and metadata.jsonl (file_name, \
            conditioning_image_file_name, text), as diffusers' train_controlnet.py reads it with its default \
            column flags (HF datasets >= 3.4). jsonl: ControlNet's tutorial layout (fill50k): source/, target/, \
            prompt.json (source, target, prompt). Records whose condition stage was skipped are left out. \
            Prints the train_controlnet.py flags for the export and for the shards as they are.
            """)

    @Argument(help: "The dataset folder (default: dataset).")
    var directory = "dataset"
    @Option(help: "imagefolder or jsonl.")
    var format: String
    @Option(name: .customLong("out"), help: "The export folder (new or empty).")
    var output: String
    @Option(help: "The condition stage to export (canny, hough, ...); needed when the dataset has several.")
    var condition: String?
    @Flag(name: .customLong("bake-caption-dropout"), help: "Write the empty string for captions the build marked dropped.")
    var bakeCaptionDropout = false

    func run() throws {
        guard let format = ExportFormat(rawValue: format) else {
            throw CleanExit.failure("--format must be \(ExportFormat.allCases.map(\.rawValue).joined(separator: " or ")) (got '\(format)')")
        }
        let export = DatasetExport(
            dataset: directory, output: output, format: format, condition: condition, bakeCaptionDropout: bakeCaptionDropout)
        do {
            let summary = try export.run()
            var line = "\(summary.output): \(summary.records) records (\(summary.format.rawValue), condition \(summary.condition))"
            if summary.skippedCount > 0 { line += ", \(summary.skippedCount) left out (stage skipped)" }
            if bakeCaptionDropout { line += ", \(summary.emptiedCaptions) captions written empty" }
            print(line + "\n")
            print(summary.instructions)
        } catch let error as DatasetError {
            throw CleanExit.failure(error.description)
        }
    }
}

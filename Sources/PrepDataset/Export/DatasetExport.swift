/// `prep export`: copies a dataset's records for one condition into the layout another trainer
/// reads (`ExportFormat`). Member bytes are copied as they are (no re-encoding); the records are
/// those of `ExportSelection`, in source order. The metadata file is written last, under a
/// temporary name renamed into place, so a folder without it is an unfinished export.
public struct DatasetExport: Sendable {
    public var dataset: String
    public var output: String
    public var format: ExportFormat
    /// The condition stage to export; nil = the dataset's only one.
    public var condition: String?
    /// Write the empty string for captions the build marked dropped.
    public var bakeCaptionDropout = false

    public init(dataset: String, output: String, format: ExportFormat, condition: String? = nil, bakeCaptionDropout: Bool = false) {
        self.dataset = dataset
        self.output = output
        self.format = format
        self.condition = condition
        self.bakeCaptionDropout = bakeCaptionDropout
    }

    var layout: any ExportLayout {
        switch format {
        case .imagefolder: return ImageFolderExport()
        case .jsonl: return PromptJSONExport()
        }
    }

    public func run() throws -> ExportSummary {
        let index = try DatasetIndex(path: dataset + "/" + DatasetIndex.fileName, readOnly: true)
        defer { index.close() }
        let selection = try ExportSelection(index: index, directory: dataset, condition: condition)
        let options = try StoredOptions(index: index)
        guard !selection.records.isEmpty else {
            throw DatasetError("nothing to export: no ok record of \(dataset) has a \(selection.condition) condition"
                + (selection.skippedCount > 0 ? " (the stage skipped all \(selection.skippedCount))" : "")
                + "; see `prep stats \(dataset)`")
        }
        try prepareOutput()

        let reader = try DatasetReader(directory: dataset)
        let layout = self.layout
        for folder in layout.folders { try FileSystem.createDirectory(output + "/" + folder) }
        var metadata: [UInt8] = []
        var emptied = 0
        for record in selection.records {
            try write(try reader.read(key: record.key, member: record.imageMember), to: layout.imagePath(of: record))
            try write(try reader.read(key: record.key, member: record.conditionMember), to: layout.conditionPath(of: record))
            let text = record.text(bakingCaptionDropout: bakeCaptionDropout)
            if text.isEmpty && !record.caption.isEmpty { emptied += 1 }
            metadata += Array((layout.metadataLine(for: record, text: text) + "\n").utf8)
        }

        let instructions = ExportInstructions.text(
            format: format, output: output, dataset: dataset, selection: selection, options: options, baked: bakeCaptionDropout)
        try write(Array(ExportInstructions.readme(
            summary: "\(dataset) exported by `prep export --format \(format.rawValue)`", format: format,
            records: selection.records.count, condition: selection.condition, instructions: instructions).utf8), to: "README.md")
        try write(metadata, to: layout.metadataFileName + ".partial")
        try FileSystem.rename(output + "/" + layout.metadataFileName + ".partial", output + "/" + layout.metadataFileName)
        return ExportSummary(
            output: output, format: format, condition: selection.condition, records: selection.records.count,
            skipped: selection.skipped, emptiedCaptions: emptied, instructions: instructions)
    }

    /// The output folder must be new or empty: an export never mixes with other files.
    private func prepareOutput() throws {
        if FileSystem.exists(output) {
            guard FileSystem.isDirectory(output) else {
                throw DatasetError("--out \(output) is a file: export into a new or empty folder")
            }
            guard try FileSystem.contentsOfDirectory(output).isEmpty else {
                throw DatasetError("--out \(output) is not empty: export into a new or empty folder (or delete it first)")
            }
        }
        do {
            try FileSystem.createDirectory(output)
        } catch {
            throw DatasetError("cannot create the export folder \(output): \(error)")
        }
    }

    private func write(_ bytes: [UInt8], to relativePath: String) throws {
        let file = try OutputFile(path: output + "/" + relativePath)
        try file.write(bytes)
        try file.close()
    }
}

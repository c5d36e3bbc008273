/// ControlNet's tutorial layout (`training/fill50k`): `source/` holds the conditions, `target/`
/// the images, `prompt.json` one `{"source", "target", "prompt"}` object per line.
/// reference: lllyasviel/ControlNet docs/train.md, tutorial_dataset.py.
struct PromptJSONExport: ExportLayout {
    let metadataFileName = "prompt.json"
    let folders = ["source", "target"]

    func imagePath(of record: ExportRecord) -> String { "target/\(record.key).\(record.imageMember)" }
    func conditionPath(of record: ExportRecord) -> String { "source/\(record.key).png" }

    func metadataLine(for record: ExportRecord, text: String) -> String {
        JSONLine.object([
            ("source", conditionPath(of: record)),
            ("target", imagePath(of: record)),
            ("prompt", text),
        ])
    }
}

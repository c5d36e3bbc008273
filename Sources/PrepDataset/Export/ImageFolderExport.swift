/// HF `datasets`' imagefolder layout for diffusers' `train_controlnet.py` (datasets >= 3.4 loads
/// every `*_file_name` column as an image column named without the suffix: `file_name` ->
/// `image`, `conditioning_image_file_name` -> `conditioning_image`).
struct ImageFolderExport: ExportLayout {
    let metadataFileName = "metadata.jsonl"
    let folders = ["images", "conditioning_images"]

    func imagePath(of record: ExportRecord) -> String { "images/\(record.key).\(record.imageMember)" }
    func conditionPath(of record: ExportRecord) -> String { "conditioning_images/\(record.key).png" }

    func metadataLine(for record: ExportRecord, text: String) -> String {
        JSONLine.object([
            ("file_name", imagePath(of: record)),
            ("conditioning_image_file_name", conditionPath(of: record)),
            ("text", text),
        ])
    }
}

/// The layouts `prep export` writes.
public enum ExportFormat: String, CaseIterable, Sendable {
    /// HF `datasets`' imagefolder, as diffusers' `train_controlnet.py` reads it with its default
    /// column flags: `images/`, `conditioning_images/`, `metadata.jsonl` (`file_name`,
    /// `conditioning_image_file_name`, `text`).
    case imagefolder
    /// ControlNet's tutorial layout (fill50k): `source/`, `target/`, `prompt.json` (`source`,
    /// `target`, `prompt`).
    case jsonl
}

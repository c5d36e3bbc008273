/// The command lines that train a ControlNet with diffusers' `examples/controlnet/train_controlnet.py`
/// on an export or straight on a dataset's shards. The script loads `--train_data_dir` with
/// `datasets.load_dataset(DIR)`: a folder with `metadata.jsonl` is an imagefolder, a folder of
/// `.tar` files a WebDataset. It drops captions itself with probability
/// `--proportion_empty_prompts` (default 0), per sample and step.
/// reference: huggingface/diffusers examples/controlnet/train_controlnet.py (`make_train_dataset`).
public enum TrainerFlags {
    /// For an imagefolder export. Baked caption dropout needs no dropout of the trainer's own.
    public static func imageFolder(directory: String, resolution: Int, captionDropout: Double?, baked: Bool) -> [String] {
        var flags = [
            "--train_data_dir=\(directory)",
            "--image_column=image",
            "--conditioning_image_column=conditioning_image",
            "--caption_column=text",
            "--resolution=\(trainingResolution(resolution))",
        ]
        flags.append("--proportion_empty_prompts=\(baked ? "0" : probability(captionDropout))")
        return flags
    }

    /// For a dataset's shards as they are: members become columns (`jpg`, `txt`, `canny.png`).
    /// Every record is read, including those whose stage was skipped (all-black conditions).
    public static func webDataset(shards: String, imageMember: String, condition: String, resolution: Int, captionDropout: Double?) -> [String] {
        [
            "--train_data_dir=\(shards)",
            "--image_column=\(imageMember)",
            "--conditioning_image_column=\(condition).png",
            "--caption_column=txt",
            "--resolution=\(trainingResolution(resolution))",
            "--proportion_empty_prompts=\(probability(captionDropout))",
        ]
    }

    /// The whole `accelerate launch` line, one flag per line.
    public static func command(_ flags: [String]) -> String {
        (["accelerate launch train_controlnet.py", "--pretrained_model_name_or_path=$MODEL_DIR", "--output_dir=$OUTPUT_DIR"] + flags)
            .joined(separator: " \\\n    ")
    }

    /// The script refuses a resolution that is not a multiple of 8.
    static func trainingResolution(_ resolution: Int) -> Int { max(8, resolution / 8 * 8) }

    /// The build's dropout probability (ControlNet's 50% when unknown), as the shortest decimal.
    static func probability(_ value: Double?) -> String {
        let value = value ?? 0.5
        return value == value.rounded() ? String(Int(value)) : String(value)
    }
}

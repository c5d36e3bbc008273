/// The text `prep export` prints and writes to the export's `README.md`: what the folder holds and
/// the exact trainer command lines, for the export and for the dataset's shards as they are.
enum ExportInstructions {
    static func text(format: ExportFormat, output: String, dataset: String, selection: ExportSelection,
                     options: StoredOptions, baked: Bool) -> String {
        let resolution = options.resolution ?? 512
        let probability = TrainerFlags.probability(options.captionDropout)
        var lines: [String] = []
        switch format {
        case .imagefolder:
            lines.append("Train a ControlNet with diffusers (examples/controlnet/train_controlnet.py, HF datasets >= 3.4):")
            lines.append("")
            lines.append(TrainerFlags.command(TrainerFlags.imageFolder(
                directory: output, resolution: resolution, captionDropout: options.captionDropout, baked: baked)))
        case .jsonl:
            lines.append("ControlNet's tutorial (lllyasviel/ControlNet tutorial_train.py) reads this folder as")
            lines.append("./training/fill50k: copy it there, or change the paths in tutorial_dataset.py.")
        }
        lines.append("")
        if baked {
            lines.append("Captions the build dropped (caption_dropped, probability \(probability)) are written empty")
            lines.append("(--bake-caption-dropout): the trainer must not drop more (--proportion_empty_prompts=0).")
        } else {
            lines.append("Captions are written as they are. ControlNet drops \(probability == "0.5" ? "50%" : "a share") of captions")
            lines.append("during training; --proportion_empty_prompts=\(probability) (the build's --caption-dropout) makes")
            lines.append("train_controlnet.py do it, per sample and step. For a trainer that drops none, export with")
            lines.append("--bake-caption-dropout: the captions the build marked dropped are then written empty.")
        }
        if selection.skippedCount > 0 {
            lines.append("")
            lines.append("Left out: \(selection.skippedCount) records whose \(selection.condition) stage was skipped (an all-black")
            lines.append("placeholder): " + selection.skipped.map { "\($0.count) × \($0.reason)" }.joined(separator: ", ") + ".")
        }
        lines.append("")
        lines.append("Or train straight from the dataset's WebDataset shards (no export; every ok record, captions as")
        lines.append("written\(selection.skippedCount > 0 ? ", also the records with a skipped stage" : "")):")
        lines.append("")
        lines.append(TrainerFlags.command(TrainerFlags.webDataset(
            shards: dataset + "/shards", imageMember: selection.records.first?.imageMember ?? "jpg",
            condition: selection.condition, resolution: resolution, captionDropout: options.captionDropout)))
        return lines.joined(separator: "\n")
    }

    /// The export's README.md: a dataset card (the YAML block HF `datasets` looks for) and the text.
    static func readme(summary: String, format: ExportFormat, records: Int, condition: String, instructions: String) -> String {
        """
        ---
        pretty_name: prep export (\(format.rawValue), \(condition))
        ---
        # \(summary)

        \(records) records; condition: \(condition).

        ```
        \(instructions)
        ```

        """
    }
}

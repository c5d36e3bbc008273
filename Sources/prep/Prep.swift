import ArgumentParser

@main
struct Prep: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prep",
        abstract: "ControlNet training data, built right: images + captions -> conditioned WebDataset shards + an SQLite index.",
        subcommands: [Build.self, Stats.self, Verify.self, Annotate.self, Cat.self, Merge.self, Export.self, Preview.self, Train.self, Sample.self, Bench.self, Synth.self]
    )
}

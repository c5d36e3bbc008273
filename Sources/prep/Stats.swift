import ArgumentParser
import PrepDataset

struct Stats: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show what a dataset holds: records, failures by reason, caption dropout, sizes, stages, shards.")

    @Argument(help: "The dataset folder (default: dataset).")
    var directory = "dataset"
    @Flag(help: "Print JSON instead of a table.")
    var json = false

    func run() throws {
        do {
            let stats = try DatasetStats.read(directory: directory)
            print(json ? try stats.json() : stats.table())
        } catch let error as DatasetError {
            throw CleanExit.failure(error.description)
        }
    }
}

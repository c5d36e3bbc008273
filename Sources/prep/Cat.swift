import ArgumentParser
import Foundation
import PrepDataset

struct Cat: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write one member of a record to stdout, read by key through the index (no tar scan).",
        discussion: "Without --member, lists the record's members with their shard, offset and size.")

    @Argument(help: "The record's key.")
    var key: String
    @Option(help: "The member: jpg, txt, json, canny.png, ...")
    var member: String?
    @Option(name: .customLong("dir"), help: "The dataset folder (default: dataset).")
    var directory = "dataset"

    func run() throws {
        do {
            let reader = try DatasetReader(directory: directory)
            guard let member else {
                let members = try reader.members(of: key)
                if members.isEmpty { throw DatasetError("no record with key '\(key)' in \(directory)") }
                for row in members { print("\(row.member)\t\(row.shard)\t\(row.offset)\t\(row.size)") }
                return
            }
            FileHandle.standardOutput.write(Data(try reader.read(key: key, member: member)))
        } catch let error as DatasetError {
            throw CleanExit.failure(error.description)
        }
    }
}

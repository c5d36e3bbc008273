import PrepStages
import Testing
@testable import PrepDataset

struct ManifestTests {
    @Test func theShippedManifestHoldsTheDefaults() throws {
        let path = String(#filePath).components(separatedBy: "/Tests/")[0] + "/manifests/build-512.toml"
        var options = BuildOptions()
        options.resolution = 1  // proves the manifest sets it back
        try BuildManifest.apply(fileAt: path, to: &options)
        // Every stage section lists exactly that stage's default options.
        #expect(Set(options.stageOptions.keys) == Set(StageCatalog.names.filter { (try? StageCatalog.stage(named: $0).options.isEmpty) == false }))
        for (name, values) in options.stageOptions {
            let defaults = try StageCatalog.stage(named: name).options
            #expect(Dictionary(uniqueKeysWithValues: defaults.map { ($0.name, $0.value) }) == values, "[stages.\(name)]")
        }
        options.stageOptions = [:]
        #expect(options == BuildOptions())
    }

    @Test func renderedManifestReadsBackToTheSameOptions() throws {
        var options = BuildOptions()
        options.source = "data/\"quoted\" captions.tsv"
        options.stages = ["depth"]
        options.resolution = 768
        options.crop = .none
        options.imageFormat = .png
        options.seed = 42
        options.captionDropout = 0.25
        options.columns.image = "url"
        var readBack = BuildOptions()
        try BuildManifest.apply(TOML.parse(BuildManifest.render(options)), to: &readBack)
        #expect(readBack == options)
    }

    @Test func unknownKeysAndBadValuesAreErrorsThatSayWhere() throws {
        var options = BuildOptions()
        let typo = #expect(throws: DatasetError.self) {
            try BuildManifest.apply(TOML.parse("[image]\nresolutoin = 512\n"), to: &options)
        }
        #expect(typo?.description.contains("unknown key 'resolutoin' in [image]") == true)
        let section = #expect(throws: DatasetError.self) {
            try BuildManifest.apply(TOML.parse("[images]\nresolution = 512\n"), to: &options)
        }
        #expect(section?.description.contains("unknown section [images]") == true)
        #expect(throws: DatasetError.self) {
            try BuildManifest.apply(TOML.parse("[image]\ncrop = \"square\"\n"), to: &options)
        }
        #expect(throws: DatasetError.self) {
            try BuildManifest.apply(TOML.parse("[output]\nshard_size = \"big\"\n"), to: &options)
        }
    }

    @Test func validationNamesTheOption() throws {
        var options = BuildOptions()
        options.source = "x.tsv"
        options.resolution = 10
        let error = #expect(throws: DatasetError.self) { try options.validate() }
        #expect(error?.description.contains("--resolution") == true)
        options.resolution = 512
        options.stages = ["cany"]
        #expect(throws: (any Error).self) { try options.validate() }
    }
}

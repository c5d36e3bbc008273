import ArgumentParser

/// `--set STAGE.OPTION=VALUE`, shared by `build` and `annotate`.
struct StageSettings: ParsableArguments {
    @Option(name: .customLong("set"), help: ArgumentHelp(
        "A stage option, STAGE.OPTION=VALUE (repeatable), e.g. canny.low=60..150, normal.background_threshold=0.4.",
        valueName: "stage.option=value"))
    var settings: [String] = []

    /// stage -> option -> value.
    func parsed() throws -> [String: [String: String]] {
        var result: [String: [String: String]] = [:]
        for setting in settings {
            guard let equals = setting.firstIndex(of: "="),
                  let dot = setting[..<equals].firstIndex(of: ".") else {
                throw ValidationError("--set takes STAGE.OPTION=VALUE (got '\(setting)')")
            }
            let stage = String(setting[..<dot])
            let option = String(setting[setting.index(after: dot)..<equals])
            result[stage, default: [:]][option] = String(setting[setting.index(after: equals)...])
        }
        return result
    }
}

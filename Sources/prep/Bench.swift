import ArgumentParser
import Foundation
import PrepNN

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure prep's bundled trainer.",
        subcommands: [TrainStep.self])

    struct TrainStep: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "train-step",
            abstract: "Milliseconds per training step of the bundled model: fine-tuning the base U-Net, and a ControlNet on the locked base.",
            discussion: """
                One line per case, `base ms_per_step=... peak_rss_mb=...` and `control ms_per_step=... \
                peak_rss_mb=...`, then their ratio. A step is forward, backward and AdamW on a batch of \
                random latents, noise, context and condition images, timed over --steps steps after two \
                warm-up steps, as ../shared/reference/torch_tiny_controlnet.py times PyTorch (bench/train-step \
                runs both). Each case runs in its own process so that its peak memory is its own.
                """)

        @Option(help: "Samples per step.")
        var batch = 8
        @Option(help: "Image resolution in pixels (the latent is resolution/4).")
        var resolution = 64
        @Option(help: "Model width, channels of the first level.")
        var width = 32
        @Option(help: "Threads (default: one per core).")
        var threads: Int?
        @Option(help: "Timed steps per case.")
        var steps = 10
        @Option(help: .hidden)
        var only: String?

        func validate() throws {
            guard batch > 0, steps > 0 else { throw ValidationError("--batch and --steps must be positive") }
            guard width > 0, width % 8 == 0 else { throw ValidationError("--width must be a positive multiple of 8 (the group norm's 8 groups)") }
            guard resolution > 0, resolution % 16 == 0 else { throw ValidationError("--resolution must be a positive multiple of 16") }
            if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
            if let only, !["base", "control"].contains(only) { throw ValidationError("unknown case '\(only)'") }
        }

        func run() throws {
            if let only {
                try applyThreadOption(threads)
                var config = ModelConfig()
                config.width = width
                let mode = only == "base" ? "base" : "control"
                // The control case builds the base U-Net too; its peak includes both models, as PyTorch's does.
                let result = TrainingBenchmark.run(config: config, steps: steps, batch: batch, resolution: resolution, modes: [mode])
                var usage = rusage()
                getrusage(RUSAGE_SELF.rawValue, &usage)
                let peak = Double(usage.ru_maxrss) / 1024
                print("\(only) ms_per_step=\(String(format: "%.1f", result[0].milliseconds)) peak_rss_mb=\(String(format: "%.0f", peak))")
                return
            }
            var milliseconds: [String: Double] = [:]
            for name in ["base", "control"] {
                let line = try runCase(name)
                print(line)
                if let field = line.split(separator: " ").first(where: { $0.hasPrefix("ms_per_step=") }) {
                    milliseconds[name] = Double(field.dropFirst("ms_per_step=".count))
                }
            }
            if let base = milliseconds["base"], let control = milliseconds["control"], base > 0 {
                print("control/base step time: \(String(format: "%.2f", control / base)) (batch \(batch), \(resolution)px, width \(width), \(threads.map(String.init) ?? "all") threads)")
            }
        }

        /// This executable again with `--only NAME`, its one output line.
        private func runCase(_ name: String) throws -> String {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL
            if !FileManager.default.isExecutableFile(atPath: process.executableURL!.path) {
                process.executableURL = Bundle.main.executableURL
            }
            var arguments = ["bench", "train-step", "--only", name, "--batch", "\(batch)", "--resolution", "\(resolution)",
                             "--width", "\(width)", "--steps", "\(steps)"]
            if let threads { arguments += ["--threads", "\(threads)"] }
            process.arguments = arguments
            let pipe = Pipe()
            process.standardOutput = pipe
            try process.run()
            let output = pipe.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            guard process.terminationStatus == 0 else {
                throw CleanExit.failure("prep bench train-step: the \(name) case failed (exit \(process.terminationStatus))")
            }
            return String(decoding: output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        }
    }
}

import Foundation
import PrepImage
import PrepNN
import Testing
@testable import PrepTrain

struct CurriculumTests {
    static let manifests = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../manifests").standardized.path

    @Test func theBuiltInCurriculaAreTheirManifests() throws {
        for (name, builtIn) in [("default", Curriculum.standard), ("small", .small), ("large", .large)] {
            let path = Self.manifests + "/curriculum-\(name).toml"
            #expect(try Curriculum.named(path) == builtIn, "\(path)")
            #expect(try Curriculum.named(name) == builtIn)
        }
        #expect(Curriculum.small.phases[0].connections == .middleOnly && Curriculum.small.phases[1].connections == .all)
        #expect(Curriculum.large.phases[1].trainsBaseDecoder && Curriculum.large.phases[1].learningRateScale == 0.2)
    }

    @Test func badManifestsAreClearErrors() {
        let cases: [(String, String)] = [
            ("name = \"x\"\n[phase.1]\nname = \"a\"\n[phase.2]\nname = \"b\"\n", "needs until_step or until_metric"),
            ("name = \"x\"\n[phase.1]\nconnections = \"sideways\"\n", "connections must be \"middle\" or \"all\""),
            ("name = \"x\"\n[phase.1]\nspeed = 3\n", "unknown key 'speed'"),
            ("name = \"x\"\n[phase.2]\nname = \"a\"\n", "numbered 1 to 1"),
            ("name = \"x\"\n[phase.1]\nbase_decoder = true\nuntil_step = 5\n[phase.2]\nbase_decoder = false\n", "locks the base decoder again"),
            ("name = \"x\"\n[phase.1]\nuntil_step = 9\n[phase.2]\nuntil_step = 4\n[phase.3]\n", "must come after"),
            ("name = \"x\"\n[phase.1]\nuntil_metric = 2.0\n", "until_metric must be a number in [0, 1]"),
            ("[phase.1]\n", "needs name"),
        ]
        for (text, message) in cases {
            let error = #expect(throws: TrainingError.self) { try Curriculum.parse(text, source: "test.toml") }
            #expect(error?.description.contains(message) == true, "\(error?.description ?? "no error") for \(text)")
        }
        let unknown = #expect(throws: TrainingError.self) { try Curriculum.named("medium") }
        #expect(unknown?.description.contains("not a built-in curriculum") == true)
    }

    /// A tiny U-Net with a ControlNet whose zero convolutions are perturbed (so every output is non-zero).
    func models() -> (UNet, ControlNet, Tensor, Tensor, Tensor) {
        let unet = UNet(config: .tiny, seed: 1)
        let controlNet = ControlNet(copying: unet, seed: 2)
        var random = SeededRandom(seed: 3)
        controlNet.arena.allValues = controlNet.arena.allValues.map { $0 + random.uniform(-0.1, 0.1) }
        let x = Tensor(shape: [2, 48, 4, 4], values: random.normals(2 * 48 * 16))
        let context = Tensor(shape: [2, 4, 16], values: random.normals(2 * 4 * 16))
        let condition = Tensor(shape: [2, 3, 16, 16], values: (0..<(2 * 3 * 256)).map { _ in random.uniform(0, 1) })
        return (unet, controlNet, x, context, condition)
    }

    @Test func middleOnlyConnectsExactlyTheMiddleBlock() {
        let (unet, controlNet, x, context, condition) = models()
        unet.arena.requiresGradients = false
        let control = controlNet.forward(x, timesteps: [10, 500], context: context, condition: condition)
            .map { Tensor(shape: $0.shape, values: $0.values) }
        let all = unet.forward(x, timesteps: [10, 500], context: context, control: control).values
        unet.controlConnections = .middleOnly
        let middle = unet.forward(x, timesteps: [10, 500], context: context, control: control).values
        // The same as every skip's control replaced by zeros, and not the same as all connections.
        let zeroedSkips = control.enumerated().map { k, c in
            k == control.count - 1 ? c : Tensor(shape: c.shape, values: [Float](repeating: 0, count: c.values.count))
        }
        unet.controlConnections = .all
        let manual = unet.forward(x, timesteps: [10, 500], context: context, control: zeroedSkips).values
        #expect(bits(middle) == bits(manual))
        #expect(bits(middle) != bits(all))

        unet.controlConnections = .middleOnly
        _ = unet.forward(x, timesteps: [10, 500], context: context, control: control)
        unet.backward(Tensor(shape: [2, 48, 4, 4], values: [Float](repeating: 0.01, count: 2 * 48 * 16)))
        let gradients = unet.controlGradients
        #expect(gradients.count == control.count)
        #expect(gradients.dropLast().allSatisfy { $0.values.allSatisfy { $0 == 0 } })
        #expect(gradients.last!.values.contains { $0 != 0 })
    }

    @Test func unlockingTheBaseDecoderTrainsTheDecoderAlone() {
        let (unet, controlNet, x, _, condition) = models()
        let text = TextEncoder(config: .tiny, seed: 4)
        let step = ControlTrainingStep(unet: unet, controlNet: controlNet, textEncoder: text, optimizer: AdamW(learningRate: 1e-3))
        var random = SeededRandom(seed: 5)
        let batch = DiffusionBatch(latents: x, noise: Tensor(shape: x.shape, values: random.normals(x.count)), timesteps: [10, 700],
                                   tokenIDs: [1, 2, 3, 0, 4, 5, 0, 0], condition: condition)
        let unetBefore = unet.arena.allValues, textBefore = text.arena.allValues
        step.run(batch)
        #expect(bits(unet.arena.allValues) == bits(unetBefore))

        step.unlockBaseDecoder(optimizer: AdamW(learningRate: 1e-3))
        let controlBefore = controlNet.arena.allValues
        step.run(batch)
        let after = unet.arena.allValues
        let decoder = unet.decoderParameterRange
        #expect(decoder.lowerBound > 0 && decoder.upperBound == unet.arena.count)
        #expect(unet.parameterNames.filter { unet.arena.entry(named: $0)!.offset >= decoder.lowerBound }
            .allSatisfy { $0.hasPrefix("dec.") || $0.hasPrefix("out.") })
        #expect(bits(Array(after[..<decoder.lowerBound])) == bits(Array(unetBefore[..<decoder.lowerBound])))
        #expect(bits(Array(after[decoder])) != bits(Array(unetBefore[decoder])))
        #expect(bits(text.arena.allValues) == bits(textBefore))
        #expect(bits(controlNet.arena.allValues) != bits(controlBefore))
        #expect(step.baseDecoderOptimizer?.stepCount == 1 && step.optimizer.stepCount == 2)
    }

    /// Phase 1: middle only for 2 steps; phase 2: every connection and the base decoder at half the rate.
    static let twoPhases = Curriculum(name: "test", phases: [
        CurriculumPhase(name: "middle", connections: .middleOnly, untilStep: 2),
        CurriculumPhase(name: "joint", trainsBaseDecoder: true, learningRateScale: 0.5),
    ])

    func controlOptions(_ fixture: TrainingFixture, run: String, steps: Int, curriculum: Curriculum) -> TrainingOptions {
        var options = fixture.options(stage: .control, run: run, steps: steps)
        options.curriculum = curriculum
        options.evaluateEvery = 0
        return options
    }

    @Test func phaseSwitchingChangesWhatTrainsAndWhatConnects() throws {
        let fixture = try TrainingFixture()
        let base = try fixture.trainBase()
        let trainer = try Trainer(options: controlOptions(fixture, run: "run", steps: 4, curriculum: Self.twoPhases))
        let controlNet = try #require(trainer.controlNet)
        let skipWeights = controlNet.parameterNames.filter { $0.hasPrefix("zc.") }
        try trainer.run(until: 2)
        #expect(trainer.phaseIndex == 0 && trainer.unet.controlConnections == .middleOnly)
        // The skips' zero convolutions got no gradient: still zero; the middle one opened.
        #expect(skipWeights.allSatisfy { controlNet.arena.value(named: $0).allSatisfy { $0 == 0 } })
        #expect(controlNet.arena.value(named: "zmid.weight").contains { $0 != 0 })
        #expect(bits(trainer.unet.arena.allValues) == bits(base.unet.arena.allValues))
        #expect(trainer.optimizer.learningRate == 1e-3)

        try trainer.run()
        #expect(trainer.phaseIndex == 1 && trainer.unet.controlConnections == .all)
        #expect(trainer.phaseSpans == [PhaseSpan(name: "middle", startStep: 0, endStep: 2), PhaseSpan(name: "joint", startStep: 2, endStep: 4)])
        #expect(skipWeights.filter { $0.hasSuffix(".weight") }.allSatisfy { controlNet.arena.value(named: $0).contains { $0 != 0 } })
        let decoder = trainer.unet.decoderParameterRange
        let (now, then) = (trainer.unet.arena.allValues, base.unet.arena.allValues)
        #expect(bits(Array(now[..<decoder.lowerBound])) == bits(Array(then[..<decoder.lowerBound])))
        #expect(bits(Array(now[decoder])) != bits(Array(then[decoder])))
        #expect(bits(trainer.textEncoder.arena.allValues) == bits(base.textEncoder.arena.allValues))
        #expect(trainer.optimizer.learningRate == 5e-4)

        let (file, info) = try Checkpoint.open(trainer.checkpoints.latest)
        #expect(info.training["phase"] == "1" && info.training["phase-starts"] == "0,2")
        #expect(info.training["base-decoder-optimizer"]?.contains("\"stepCount\":2") == true)
        #expect(file.tensorNames.contains { $0.hasPrefix("optimizer.m.unet.dec.") })
    }

    @Test func aResumedCurriculumEqualsAnUninterruptedOne() throws {
        let fixture = try TrainingFixture()
        try fixture.trainBase()
        let straight = try Trainer(options: controlOptions(fixture, run: "straight", steps: 4, curriculum: Self.twoPhases))
        try straight.run()
        let split = controlOptions(fixture, run: "split", steps: 4, curriculum: Self.twoPhases)
        try Trainer(options: split).run(until: 3)
        let resumed = try Trainer(options: split, resume: true)
        #expect(resumed.phaseIndex == 1 && resumed.unet.controlConnections == .all)
        try resumed.run()
        for (a, b) in zip(resumed.checkpointArenas, straight.checkpointArenas) {
            #expect(bits(a.arena.allValues) == bits(b.arena.allValues), "\(a.prefix)")
            #expect(bits(a.arena.allMoments.first) == bits(b.arena.allMoments.first), "\(a.prefix)")
        }
        // Another curriculum is another run.
        var other = split
        other.curriculum = .small
        other.evaluateEvery = 1
        let error = #expect(throws: TrainingError.self) { try Trainer(options: other, resume: true) }
        #expect(error?.description.contains("--curriculum") == true)
    }

    @Test func aMetricThresholdEndsThePhaseAtThatEvaluation() throws {
        let fixture = try TrainingFixture()
        try fixture.trainBase()
        let curriculum = Curriculum(name: "metric", phases: [
            CurriculumPhase(name: "first", connections: .middleOnly, untilMetric: 0, untilStep: 100),
            CurriculumPhase(name: "second"),
        ])
        var options = controlOptions(fixture, run: "run", steps: 2, curriculum: curriculum)
        options.evaluateEvery = 1
        options.metric.count = 2
        options.metric.ddimSteps = 2
        let trainer = try Trainer(options: options)
        let summary = try trainer.run()
        // The step-0 evaluation passes the threshold 0: phase 2 begins at step 0.
        #expect(trainer.phaseStarts == [0, 0])
        let entries = try #require(trainer.metricLog).entries
        #expect(entries.map(\.step) == [0, 1, 2])
        #expect(entries.map(\.phase) == ["first", "second", "second"])
        #expect(entries.allSatisfy { (0...1).contains($0.metric) })
        let report = try #require(summary.report)
        #expect(report.curriculum == "metric" && report.steps == 2 && report.initialMetric == entries[0].metric)
        let written = try JSONDecoder().decode(RunReport.self, from: Data(contentsOf: trainer.runDirectory.appendingPathComponent(RunReport.fileName)))
        #expect(written == report)
        let chart = try ImageDecoder.decode([UInt8](Data(contentsOf: trainer.runDirectory.appendingPathComponent(RunReport.chartName))))
        #expect(chart.width == 900)
        // Three sample grids (steps 0, 1, 2) of two condition | sample pairs at 16 px.
        let sample = try ImageDecoder.decode([UInt8](Data(contentsOf: trainer.metricLog!.sampleURL(step: 1))))
        #expect(sample.width == 4 * 16 && sample.height == 16)
    }
}

struct ControlMetricTests {
    /// The slow definition: for each edge pixel, look for an edge of the other map in the square around it.
    func oracle(_ p: [UInt8], _ r: [UInt8], width: Int, height: Int, d: Int) -> (Double, Double) {
        func matched(_ a: [UInt8], _ b: [UInt8]) -> Double {
            var hits = 0, total = 0
            for y in 0..<height {
                for x in 0..<width where a[y * width + x] != 0 {
                    total += 1
                    var found = false
                    for yy in (y - d)...(y + d) where yy >= 0 && yy < height {
                        for xx in (x - d)...(x + d) where xx >= 0 && xx < width && b[yy * width + xx] != 0 { found = true }
                    }
                    if found { hits += 1 }
                }
            }
            return total == 0 ? 0 : Double(hits) / Double(total)
        }
        return (matched(p, r), matched(r, p))
    }

    @Test func edgeF1MatchesTheSlowDefinition() {
        var random = SeededRandom(seed: 7)
        for d in 0...3 {
            let (w, h) = (23, 17)
            let p = (0..<(w * h)).map { _ in random.uniform(0, 1) < 0.08 ? UInt8(255) : 0 }
            let r = (0..<(w * h)).map { _ in random.uniform(0, 1) < 0.05 ? UInt8(255) : 0 }
            let score = EdgeF1.measure(predicted: p, reference: r, width: w, height: h, tolerance: d)
            let (precision, recall) = oracle(p, r, width: w, height: h, d: d)
            #expect(score.precision == precision && score.recall == recall)
        }
    }

    @Test func edgeF1OfKnownMaps() {
        let (w, h) = (16, 16)
        func column(_ x: Int) -> [UInt8] { (0..<(w * h)).map { $0 % w == x ? 255 : 0 } }
        #expect(EdgeF1.measure(predicted: column(5), reference: column(5), width: w, height: h, tolerance: 0).f1 == 1)
        #expect(EdgeF1.measure(predicted: column(7), reference: column(5), width: w, height: h, tolerance: 2).f1 == 1)
        #expect(EdgeF1.measure(predicted: column(8), reference: column(5), width: w, height: h, tolerance: 2).f1 == 0)
        let empty = [UInt8](repeating: 0, count: w * h)
        #expect(EdgeF1.measure(predicted: empty, reference: column(5), width: w, height: h, tolerance: 2).f1 == 0)
        // Twice the edges, half of them right: precision 1/2, recall 1, F1 2/3.
        let both = zip(column(5), column(12)).map { max($0, $1) }
        let score = EdgeF1.measure(predicted: both, reference: column(5), width: w, height: h, tolerance: 1)
        #expect(score.precision == 0.5 && score.recall == 1 && abs(score.f1 - 2.0 / 3) < 1e-12)
    }

    @Test func theConvergenceStepIsTheHalfwayCrossingThatHolds() {
        func series(_ values: [Double]) -> [(step: Int, metric: Double)] { values.enumerated().map { ($0 * 100, $1) } }
        // start 0.1, plateau mean(0.6, 0.58, 0.62) = 0.6, halfway 0.35.
        #expect(ConvergenceDetector.convergenceStep(series([0.1, 0.1, 0.12, 0.5, 0.55, 0.6, 0.58, 0.62])) == 300)
        // A crossing that falls back does not count.
        #expect(ConvergenceDetector.convergenceStep(series([0.1, 0.4, 0.2, 0.15, 0.5, 0.6, 0.58, 0.62])) == 400)
        // Flat, or too small a rise: no convergence.
        #expect(ConvergenceDetector.convergenceStep(series([0.2, 0.21, 0.2, 0.22, 0.21])) == nil)
        #expect(ConvergenceDetector.convergenceStep(series([0.02, 0.03, 0.04, 0.05])) == nil)
        #expect(ConvergenceDetector.convergenceStep(series([0.1, 0.9])) == nil)
    }

    @Test func chartsHaveTheirPanelsAndGrids() {
        #expect(TrainingChart.gridSteps([0, 250, 500, 750, 1000, 1250, 1500]) == [0, 500, 1000, 1500])
        #expect(TrainingChart.gridSteps([0, 250]) == [0, 250])
        let grid = Image(width: 1024, height: 64, channels: 3)
        let losses = (1...300).map { (step: $0, loss: 1.0 / Double($0)) }
        let chart = TrainingChart.render(title: "T", losses: losses, evaluations: [(0, 0.1), (300, 0.5)],
                                         phases: [PhaseSpan(name: "a", startStep: 0, endStep: 100), PhaseSpan(name: "b", startStep: 100, endStep: 300)],
                                         convergenceStep: 300, grids: [(0, grid), (300, grid)])
        #expect(chart.width == 1024 + 32)
        #expect(chart.height == 26 + 2 * (170 + 30) + 2 * (64 + 22) + 16)
        let lossOnly = TrainingChart.render(title: "T", losses: losses, evaluations: [], phases: [], convergenceStep: nil, grids: [])
        #expect(lossOnly.width == 900 && lossOnly.height == 26 + 170 + 30 + 16)
        #expect(lossOnly.pixels.contains { $0 != 255 })
    }

    @Test func canvasLinesReachBothEnds() {
        var canvas = Canvas(width: 10, height: 10)
        canvas.line(1, 2, 8, 7, .black)
        #expect(canvas.image[1, 2].allSatisfy { $0 == 0 } && canvas.image[8, 7].allSatisfy { $0 == 0 })
        #expect(canvas.image[0, 9].allSatisfy { $0 == 255 })
        canvas.line(-5, 0, 20, 0, .red)
        #expect(Array(canvas.image[9, 0]) == [200, 30, 30])
    }
}

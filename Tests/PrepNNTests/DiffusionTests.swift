import Foundation
import Testing
@testable import PrepNN

@Suite struct DiffusionTests {
    @Test func scaledLinearScheduleEndpoints() {
        let schedule = NoiseSchedule()
        #expect(schedule.trainingSteps == 1000)
        #expect(abs(schedule.betas[0] - 0.00085) < 1e-12)
        #expect(abs(schedule.betas[999] - 0.012) < 1e-12)
        let middle = 0.00085.squareRoot() + (0.012.squareRoot() - 0.00085.squareRoot()) * 500 / 999
        #expect(abs(schedule.betas[500] - middle * middle) < 1e-12)
        #expect(abs(schedule.alphasCumulative[0] - 0.99915) < 1e-12)
        // diffusers' value for Stable Diffusion: alphas_cumprod[-1] = 0.0047 (to 4 places).
        #expect(abs(schedule.alphasCumulative[999] - 0.0047) < 5e-5)
    }

    @Test func addNoiseMixesPerSample() {
        let schedule = NoiseSchedule()
        let x0 = Tensor(shape: [2, 2], values: [1, 2, 3, 4]), noise = Tensor(shape: [2, 2], values: [-1, 0, 1, 2])
        let y = schedule.addNoise(clean: x0, noise: noise, timesteps: [0, 999]).values
        let a0 = schedule.alphasCumulative[0], a1 = schedule.alphasCumulative[999]
        let expected = [a0.squareRoot() - (1 - a0).squareRoot(), 2 * a0.squareRoot(),
                        3 * a1.squareRoot() + (1 - a1).squareRoot(), 4 * a1.squareRoot() + 2 * (1 - a1).squareRoot()]
        for i in 0..<4 { #expect(abs(Double(y[i]) - expected[i]) < 1e-6) }
    }

    @Test func timeEmbeddingIsCosThenSin() {
        let out = Tensor(shape: [0])
        TimeEmbedding.sinusoidal([0, 10], dimension: 8, into: out)
        #expect(Array(out.values[0..<8]) == [1, 1, 1, 1, 0, 0, 0, 0])
        for i in 0..<4 {
            let angle = 10 * exp(-log(10000.0) * Double(i) / 4)
            #expect(abs(Double(out[8 + i]) - cos(angle)) < 1e-5)
            #expect(abs(Double(out[12 + i]) - sin(angle)) < 1e-5)
        }
    }

    @Test func tokenizerHashesLowercasedAlphanumericWords() {
        let tokenizer = CaptionTokenizer(vocabularySize: 4096, length: 16)
        #expect(CaptionTokenizer.fnv1a64("") == 0xCBF2_9CE4_8422_2325)
        #expect(CaptionTokenizer.fnv1a64("a") == 0xAF63_DC4C_8601_EC8C)  // the published FNV-1a 64 test vector
        #expect(tokenizer.words("A red-Car, 2 dogs!") == ["a", "red", "car", "2", "dogs"])
        let ids = tokenizer.encode("A red-Car")
        #expect(ids.count == 16)
        #expect(ids[0] == Int32(1 + UInt64(0xAF63_DC4C_8601_EC8C) % 4095))
        #expect(ids[1] == Int32(1 + CaptionTokenizer.fnv1a64("red") % 4095))
        #expect(ids[3...].allSatisfy { $0 == 0 })
        #expect(tokenizer.encode("") == [Int32](repeating: 0, count: 16))
        #expect(tokenizer.encode("  ...  ") == [Int32](repeating: 0, count: 16))
        let long = tokenizer.encode((0..<20).map { "w\($0)" }.joined(separator: " "))
        #expect(long.count == 16 && long.allSatisfy { $0 >= 1 && $0 < 4096 })
        #expect(long[15] == Int32(1 + CaptionTokenizer.fnv1a64("w15") % 4095))
    }
}

// ChannelConcat: torch.cat([a, b], 1) for NCHW tensors, and its split for backward.
//   a [N, Ca, H, W], b [N, Cb, H, W] -> y [N, Ca + Cb, H, W]

final class ChannelConcat {
    let output = Tensor(shape: [0])
    let firstGradient = Tensor(shape: [0])
    let secondGradient = Tensor(shape: [0])
    private var firstShape: [Int] = []
    private var secondShape: [Int] = []

    init() {}

    func forward(_ a: Tensor, _ b: Tensor) -> Tensor {
        let N = a.shape[0]
        precondition(b.shape[0] == N && a.shape[2...] == b.shape[2...], "ChannelConcat: \(a.shape) with \(b.shape)")
        firstShape = a.shape
        secondShape = b.shape
        let sizeA = a.count / N, sizeB = b.count / N
        output.resize([N, a.shape[1] + b.shape[1]] + Array(a.shape[2...]))
        for n in 0..<N {
            let dst = output.data + n * (sizeA + sizeB)
            dst.update(from: a.data + n * sizeA, count: sizeA)
            (dst + sizeA).update(from: b.data + n * sizeB, count: sizeB)
        }
        return output
    }

    /// Splits dy into `firstGradient` and `secondGradient`.
    func backward(_ dy: Tensor) -> (Tensor, Tensor) {
        let N = firstShape[0]
        firstGradient.resize(firstShape)
        secondGradient.resize(secondShape)
        let sizeA = firstGradient.count / N, sizeB = secondGradient.count / N
        for n in 0..<N {
            let src = dy.data + n * (sizeA + sizeB)
            (firstGradient.data + n * sizeA).update(from: src, count: sizeA)
            (secondGradient.data + n * sizeB).update(from: src + sizeA, count: sizeB)
        }
        return (firstGradient, secondGradient)
    }
}

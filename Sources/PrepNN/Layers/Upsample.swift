// Upsample: nearest-neighbour 2x (F.interpolate(x, scale_factor = 2), mode "nearest").
//   x [N, C, H, W] -> y [N, C, 2H, 2W], y[n, c, 2i + a, 2j + b] = x[n, c, i, j]
// Backward sums the four copies.

final class Upsample {
    let output = Tensor(shape: [0])
    let inputGradient = Tensor(shape: [0])
    private var inputShape: [Int] = []

    init() {}

    func forward(_ x: Tensor) -> Tensor {
        let (N, C, H, W) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        inputShape = x.shape
        output.resize([N, C, 2 * H, 2 * W])
        for plane in 0..<(N * C) {
            let src = x.data + plane * H * W, dst = output.data + plane * 4 * H * W
            for i in 0..<H {
                let row0 = dst + (2 * i) * 2 * W, row1 = row0 + 2 * W
                for j in 0..<W {
                    let v = src[i * W + j]
                    row0[2 * j] = v; row0[2 * j + 1] = v
                    row1[2 * j] = v; row1[2 * j + 1] = v
                }
            }
        }
        return output
    }

    func backward(_ dy: Tensor) -> Tensor {
        let (N, C, H, W) = (inputShape[0], inputShape[1], inputShape[2], inputShape[3])
        inputGradient.resize(inputShape)
        for plane in 0..<(N * C) {
            let src = dy.data + plane * 4 * H * W, dst = inputGradient.data + plane * H * W
            for i in 0..<H {
                let row0 = src + (2 * i) * 2 * W, row1 = row0 + 2 * W
                for j in 0..<W {
                    dst[i * W + j] = row0[2 * j] + row0[2 * j + 1] + row1[2 * j] + row1[2 * j + 1]
                }
            }
        }
        return inputGradient
    }
}

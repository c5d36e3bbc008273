// HintEncoder: the reference's `ControlNet.hint`, the condition image down to the latent grid.
//   conv 3->16, SiLU, 16->16, SiLU, 16->32 stride 2, SiLU, 32->32, SiLU, 32->96 stride 2, SiLU,
//   zero conv 96->width (all 3x3, padding 1): parameters hint.0, 2, 4, 6, 8, 10.
//   cond [N, 3, 4H, 4W] -> hint [N, width, H, W]

final class HintEncoder {
    let convolutions: [Conv2d]
    let activations: [SiLU]

    init(_ scope: ParameterScope, inputChannels: Int, width: Int, workspace: Workspace, random: inout SeededRandom) {
        let layout: [(input: Int, output: Int, stride: Int)] = [
            (inputChannels, 16, 1), (16, 16, 1), (16, 32, 2), (32, 32, 1), (32, 96, 2), (96, width, 1),
        ]
        convolutions = layout.enumerated().map { index, layer in
            Conv2d(scope.child(2 * index), inputChannels: layer.input, outputChannels: layer.output, kernelSize: 3,
                   stride: layer.stride, padding: 1, zeroInitialized: index == layout.count - 1,
                   workspace: workspace, random: &random)
        }
        activations = (0..<(layout.count - 1)).map { _ in SiLU() }
    }

    func forward(_ condition: Tensor) -> Tensor {
        var h = condition
        for (index, conv) in convolutions.enumerated() {
            h = conv.forward(h)
            if index < activations.count { h = activations[index].forward(h) }
        }
        return h
    }

    /// Accumulates parameter gradients; the condition image needs no gradient.
    func backward(_ dy: Tensor) {
        var d = dy
        for index in convolutions.indices.reversed() {
            if index < activations.count { d = activations[index].backward(d) }
            guard let dx = convolutions[index].backward(d, computeInputGradient: index > 0) else { break }
            d = dx
        }
    }
}

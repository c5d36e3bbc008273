// MSELoss: mean of squared differences (F.mse_loss, reduction "mean").
//   loss = sum((p - y)^2) / count;  dloss/dp = 2 (p - y) / count

final class MSELoss {
    let inputGradient = Tensor(shape: [0])
    private var prediction: Tensor?
    private var target: Tensor?

    init() {}

    func forward(_ prediction: Tensor, _ target: Tensor) -> Float {
        precondition(prediction.count == target.count, "MSELoss: prediction \(prediction.shape), target \(target.shape)")
        self.prediction = prediction
        self.target = target
        var sum = 0.0
        let p = prediction.data, y = target.data
        for i in 0..<prediction.count {
            let d = Double(p[i] - y[i])
            sum += d * d
        }
        return Float(sum / Double(prediction.count))
    }

    /// The gradient of the last forward's loss (times `scale`) with respect to the prediction.
    func backward(scale: Float = 1) -> Tensor {
        guard let prediction, let target else { preconditionFailure("MSELoss.backward before forward") }
        inputGradient.resize(prediction.shape)
        let factor = 2 * scale / Float(prediction.count)
        let p = prediction.data, y = target.data, g = inputGradient.data
        for i in 0..<prediction.count { g[i] = factor * (p[i] - y[i]) }
        return inputGradient
    }
}

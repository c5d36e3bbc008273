// ControlConnections: which ControlNet outputs the U-Net adds.
//   all:        every encoder skip and the middle block (the ControlNet paper's default)
//   middleOnly: the middle block alone; the skips pass as without control (the reference's
//               `only_mid_control`, the small-scale curriculum's first phase)
// reference: lllyasviel/ControlNet cldm/cldm.py (ControlledUnetModel.forward, only_mid_control)

public enum ControlConnections: String, Sendable, Codable, CaseIterable {
    case all
    case middleOnly = "middle"
}

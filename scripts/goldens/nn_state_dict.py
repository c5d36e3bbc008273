#!/usr/bin/env python3
"""Writes Tests/PrepNNTests/Goldens/{unet,controlnet}_state_dict.txt: every state_dict() name and
shape of the reference U-Net and ControlNet (/work/shared/reference/torch_tiny_controlnet.py, default
sizes), one `name dim,dim,...` per line, in order. PrepNN's parameter tables must match them exactly.
Needs torch. Usage: scripts/goldens/nn_state_dict.py [REFERENCE_SCRIPT]"""
import os, sys
here = os.path.dirname(os.path.abspath(__file__))
reference = sys.argv[1] if len(sys.argv) > 1 else "/work/shared/reference/torch_tiny_controlnet.py"
out = os.path.join(here, "..", "..", "Tests", "PrepNNTests", "Goldens")
sys.argv = [reference, "--steps", "0", "--mode", "none"]
namespace = {"__name__": "reference"}
exec(compile(open(reference).read(), reference, "exec"), namespace)
unet = namespace["unet"]
control = namespace["ControlNet"](unet)
for name, model in (("unet", unet), ("controlnet", control)):
    with open(os.path.join(out, f"{name}_state_dict.txt"), "w") as f:
        f.write("# version 1: name shape (state_dict order), from " + os.path.basename(reference) + "\n")
        for key, value in model.state_dict().items():
            f.write(f"{key} {','.join(str(d) for d in value.shape)}\n")

#!/usr/bin/env python3
"""Opens a safetensors file with the Python `safetensors` package (e.g. one written by PrepNN's
SafetensorsWriter) and prints its metadata and tensors; then re-saves the tensors with the same
package and says whether the bytes are identical (they are for PrepNN files with at most one
metadata key; with more, Python orders `__metadata__` by hash, so only the data is compared).

    pip install safetensors numpy
    python3 scripts/nn/check_safetensors.py FILE.safetensors
"""
import struct
import sys
import tempfile

from safetensors import safe_open
from safetensors.numpy import load_file, save_file


def main(path):
    with safe_open(path, "np") as f:
        metadata = f.metadata() or {}
        print(f"metadata: {metadata}")
        for name in f.keys():
            t = f.get_tensor(name)
            print(f"{name}: {t.dtype} {list(t.shape)} first {t.reshape(-1)[:4].tolist()}")
    original = open(path, "rb").read()
    with tempfile.NamedTemporaryFile(suffix=".safetensors") as tmp:
        save_file(load_file(path), tmp.name, metadata=metadata or None)
        again = open(tmp.name, "rb").read()
    if again == original:
        print("re-saved by Python: identical bytes")
        return 0
    n, m = struct.unpack("<Q", original[:8])[0], struct.unpack("<Q", again[:8])[0]
    same_data = original[8 + n:] == again[8 + m:]
    print(f"re-saved by Python: headers differ, data {'identical' if same_data else 'DIFFERS'}")
    return 0 if same_data and len(metadata) > 1 else 1


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1]))

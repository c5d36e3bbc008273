#!/usr/bin/env python3
"""Checks that Python's own readers take a prep dataset as it is.

    pip install webdataset datasets      # once, in any Python environment
    python3 scripts/check-python-loaders.py Examples/dataset

Reads the shards with `tarfile`, `webdataset` and `datasets.load_dataset("webdataset", ...)`,
checks every `members` row of the index against the tar, and prints one line per check.
Exits non-zero on the first mismatch. Loaders that are not installed are reported and skipped.
"""
import glob
import json
import os
import sqlite3
import sys
import tarfile


def main(directory):
    shards = sorted(glob.glob(os.path.join(directory, "shards", "*.tar")))
    assert shards, f"no shards in {directory}/shards"
    db = sqlite3.connect(f"file:{os.path.join(directory, 'index.sqlite')}?mode=ro", uri=True)

    # tarfile: every member, and every index row's offset/size returns exactly its bytes.
    names = {}
    for shard in shards:
        with tarfile.open(shard) as tar:
            for info in tar.getmembers():
                names[(os.path.basename(shard), info.name)] = (info.offset_data, info.size, tar.extractfile(info).read())
    rows = db.execute("SELECT key, member, shard, offset, size FROM members").fetchall()
    assert len(rows) == len(names), f"index has {len(rows)} members, tars have {len(names)}"
    for key, member, shard, offset, size in rows:
        data_offset, data_size, data = names[(shard, f"{key}.{member}")]
        assert (data_offset, data_size) == (offset, size), (key, member)
        with open(os.path.join(directory, "shards", shard), "rb") as f:
            f.seek(offset)
            assert f.read(size) == data, (key, member)
    print(f"tarfile: {len(shards)} shards, {len(rows)} members, every offset/size matches the index")

    ok = db.execute("SELECT COUNT(*) FROM samples WHERE status = 'ok'").fetchone()[0]
    members = sorted(m for (m,) in db.execute("SELECT DISTINCT member FROM members"))

    try:
        import webdataset as wds
    except ImportError:
        print("webdataset: not installed, skipped")
    else:
        dataset = wds.WebDataset(shards, shardshuffle=False).decode("rgb")
        samples = list(dataset)
        assert len(samples) == ok, f"webdataset read {len(samples)} samples, index has {ok} ok"
        for sample in samples:
            assert sorted(k for k in sample if not k.startswith("__")) == members, sample.keys()
            assert sample["jpg" if "jpg" in members else "png"].shape[2] == 3
            assert sample["json"]["key"] == sample["__key__"]
        print(f"webdataset: {len(samples)} samples with members {members}")

    try:
        from datasets import load_dataset
    except ImportError:
        print("datasets: not installed, skipped")
    else:
        dataset = load_dataset("webdataset", data_files={"train": shards}, split="train")
        assert len(dataset) == ok, f"datasets read {len(dataset)} rows, index has {ok} ok"
        columns = sorted(c for c in dataset.column_names if not c.startswith("__"))
        assert columns == members, (columns, members)
        first = dataset[0]
        assert first["json"]["key"] == first["__key__"]
        print(f"datasets: {len(dataset)} rows, columns {columns}, first image {first[columns[members.index('jpg')] if 'jpg' in members else 'png'].size}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "dataset"))

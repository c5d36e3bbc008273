#!/usr/bin/env python3
"""Checks that HF `datasets` reads a `prep export` and the dataset's shards as train_controlnet.py would.

    pip install datasets webdataset pillow numpy     # once, in any Python environment
    prep export DATASET --format imagefolder --condition canny --out EXPORT
    python3 scripts/check-export.py DATASET EXPORT

1. load_dataset("imagefolder", data_dir=EXPORT) and load_dataset(EXPORT) (what train_controlnet.py
   calls with --train_data_dir) give the columns image, conditioning_image, text; row i holds the
   pictures of metadata line i, whose files hold exactly the dataset's member bytes (read through
   the index), and the caption of the index (or "" for a baked dropped caption).
2. load_dataset("webdataset", data_files=shards) and load_dataset(DATASET/shards) read every ok
   record with the members as columns (jpg, txt, json, CONDITION.png).
Prints one line per check; exits non-zero at the first mismatch.
"""
import glob
import io
import json
import os
import sqlite3
import sys

import numpy as np
from datasets import load_dataset
from PIL import Image


def member_bytes(db, directory, key, member):
    shard, offset, size = db.execute(
        "SELECT shard, offset, size FROM members WHERE key = ? AND member = ?", (key, member)).fetchone()
    with open(os.path.join(directory, "shards", shard), "rb") as f:
        f.seek(offset)
        return f.read(size)


def main(directory, export):
    db = sqlite3.connect(f"file:{os.path.join(directory, 'index.sqlite')}?mode=ro", uri=True)
    with open(os.path.join(export, "metadata.jsonl")) as f:
        lines = [json.loads(line) for line in f]
    condition_stage = None  # found from the first record: the stage whose member the export copied

    for how, load in [("imagefolder, data_dir", lambda: load_dataset("imagefolder", data_dir=export, split="train")),
                      ("train_data_dir", lambda: load_dataset(export, split="train"))]:
        dataset = load()
        assert dataset.column_names == ["image", "conditioning_image", "text"], dataset.column_names
        assert len(dataset) == len(lines), (len(dataset), len(lines))
        emptied = 0
        for row, line in zip(dataset, lines):
            key = os.path.splitext(os.path.basename(line["file_name"]))[0]
            image_member = os.path.splitext(line["file_name"])[1][1:]
            stages = [s for (s,) in db.execute("SELECT stage FROM stages WHERE key = ? AND status = 'ok'", (key,))]
            if condition_stage is None:
                with open(os.path.join(export, line["conditioning_image_file_name"]), "rb") as f:
                    copied = f.read()
                condition_stage = next(s for s in stages if copied == member_bytes(db, directory, key, s + ".png"))
            for column, name, member in [("image", "file_name", image_member),
                                         ("conditioning_image", "conditioning_image_file_name", condition_stage + ".png")]:
                with open(os.path.join(export, line[name]), "rb") as f:
                    data = f.read()
                assert data == member_bytes(db, directory, key, member), (key, member)
                expected = np.asarray(Image.open(io.BytesIO(data)))
                assert np.array_equal(np.asarray(row[column]), expected), (key, column)
            caption, dropped = db.execute("SELECT caption, caption_dropped FROM samples WHERE key = ?", (key,)).fetchone()
            assert row["text"] in (caption, "") and (row["text"] == caption or dropped == 1), (key, row["text"])
            emptied += row["text"] == "" and caption != ""
        first = dataset[0]
        print(f"{how}: {len(dataset)} rows, columns {dataset.column_names}, image {first['image'].size} "
              f"{first['image'].mode}, conditioning_image {first['conditioning_image'].size} "
              f"{first['conditioning_image'].mode} ({condition_stage}), every picture equals the dataset's member, "
              f"{emptied} captions empty")

    ok = db.execute("SELECT COUNT(*) FROM samples WHERE status = 'ok'").fetchone()[0]
    shards = sorted(glob.glob(os.path.join(directory, "shards", "*.tar")))
    for how, load in [("webdataset, data_files", lambda: load_dataset("webdataset", data_files={"train": shards}, split="train")),
                      ("train_data_dir=shards", lambda: load_dataset(os.path.join(directory, "shards"), split="train"))]:
        dataset = load()
        assert len(dataset) == ok, (len(dataset), ok)
        for column in ["jpg", "txt", "json", condition_stage + ".png", "__key__"]:
            assert column in dataset.column_names, (column, dataset.column_names)
        row = dataset[0]
        assert row["json"]["key"] == row["__key__"]
        caption = db.execute("SELECT caption FROM samples WHERE key = ?", (row["__key__"],)).fetchone()[0]
        assert row["txt"] == caption
        print(f"{how}: {len(dataset)} rows (= ok records), columns {dataset.column_names}")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])

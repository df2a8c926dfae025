#!/usr/bin/env python3
"""Regenerates the tiny data-reader fixtures (tests/training/data_*_test.cc check these formulas).

data_idx_tiny/   IDX files, 3x2 images: train 5 images (images gz, labels raw), t10k 2 images
                 (images raw, labels gz). Pixel t of image i = (40*i + 7*t) % 256 (t10k: + 100).
                 Labels: train [0, 1, 9, 3, 4], t10k [7, 2].
data_cifar10_two_records.bin
                 2 CIFAR-10 records. Record 0: label 3, R_p = p % 256, G_p = (2p+1) % 256,
                 B_p = 255 - p % 256. Record 1: label 9, R_p = 7, G_p = 3p % 256, B_p = p // 4.
gzip headers carry mtime 0 so the files are byte-reproducible.
"""
import gzip
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))


def idx_images(images, rows, cols):
    body = bytes(v for image in images for v in image)
    return struct.pack(">BBBBIII", 0, 0, 8, 3, len(images), rows, cols) + body


def idx_labels(labels):
    return struct.pack(">BBBBI", 0, 0, 8, 1, len(labels)) + bytes(labels)


def write(path, data, compress):
    with open(path, "wb") as f:
        f.write(gzip.compress(data, mtime=0) if compress else data)


def main():
    d = os.path.join(HERE, "data_idx_tiny")
    os.makedirs(d, exist_ok=True)
    train = [[(40 * i + 7 * t) % 256 for t in range(6)] for i in range(5)]
    test = [[(40 * i + 7 * t + 100) % 256 for t in range(6)] for i in range(2)]
    write(os.path.join(d, "train-images-idx3-ubyte.gz"), idx_images(train, 3, 2), True)
    write(os.path.join(d, "train-labels-idx1-ubyte"), idx_labels([0, 1, 9, 3, 4]), False)
    write(os.path.join(d, "t10k-images-idx3-ubyte"), idx_images(test, 3, 2), False)
    write(os.path.join(d, "t10k-labels-idx1-ubyte.gz"), idx_labels([7, 2]), True)

    records = bytearray()
    records += bytes([3]) + bytes(p % 256 for p in range(1024)) + bytes((2 * p + 1) % 256 for p in range(1024)) \
        + bytes(255 - p % 256 for p in range(1024))
    records += bytes([9]) + bytes([7] * 1024) + bytes((3 * p) % 256 for p in range(1024)) \
        + bytes(p // 4 for p in range(1024))
    write(os.path.join(HERE, "data_cifar10_two_records.bin"), bytes(records), False)


if __name__ == "__main__":
    main()

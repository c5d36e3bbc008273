// swift-tools-version:6.0
import PackageDescription

// One settings array for every Swift target (the Swift server packages' habit).
let swiftSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v5),
]

let package = Package(
    name: "prep",
    products: [
        .executable(name: "prep", targets: ["prep"]),
        .library(name: "PrepImage", targets: ["PrepImage"]),
        .library(name: "PrepStages", targets: ["PrepStages"]),
        .library(name: "PrepDataset", targets: ["PrepDataset"]),
        .library(name: "PrepNN", targets: ["PrepNN"]),
        .library(name: "PrepTrain", targets: ["PrepTrain"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // C libraries. libpng and libjpeg report errors with setjmp/longjmp, which Swift cannot
        // call: each shim keeps every longjmp inside C and returns an error code and message.
        .target(name: "CPNG", linkerSettings: [.linkedLibrary("png16"), .linkedLibrary("z"), .linkedLibrary("isal"),
                                               .linkedLibrary("deflate")]),
        .target(name: "CJPEG", linkerSettings: [.linkedLibrary("jpeg")]),
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        // Vector kernels needing FMA3, compiled for AVX2+FMA and chosen at run time.
        .target(name: "CVectorKernels"),
        // libdeflate: the zlib streams of the PNG members prep writes.
        .systemLibrary(name: "CDeflate", providers: [.apt(["libdeflate-dev"])]),
        // SHA-256 through OpenSSL's libcrypto (the processor's SHA extensions where it has them).
        .target(name: "CCrypto", linkerSettings: [.linkedLibrary("crypto")]),
        .systemLibrary(name: "COpenBLAS", providers: [.apt(["libopenblas-dev"])]),
        // glibc's malloc thresholds (mallopt), for builds that reuse the same working set per record.
        .target(name: "CMalloc"),

        // Images and codecs: decode, encode, EXIF orientation, resize.
        .target(name: "PrepImage", dependencies: ["CPNG", "CJPEG", "CDeflate", "CVectorKernels"], swiftSettings: swiftSettings),
        // Stages: pure functions from a record's images to conditions, seeded per record.
        .target(name: "PrepStages", dependencies: ["PrepImage", "CVectorKernels"], swiftSettings: swiftSettings),
        // Pipeline and index: sources, records, tar shards, SQLite index, build, stats, verify.
        .target(
            name: "PrepDataset",
            dependencies: ["PrepImage", "PrepStages", "CSQLite", "CCrypto", "CMalloc"],
            swiftSettings: swiftSettings
        ),
        // Neural network: tensors, layers with forward and backward, the U-Net, text encoder and
        // ControlNet, AdamW, the diffusion noise schedule. CPU only, float32, matrix products in OpenBLAS.
        // Optimised in debug builds too: its tests run whole models, and unoptimised SIMD code is
        // a hundred times slower.
        .target(
            name: "PrepNN",
            dependencies: ["COpenBLAS"],
            swiftSettings: swiftSettings + [.unsafeFlags(["-O"], .when(configuration: .debug))]
        ),
        // The trainer: a dataset's records as batches, the training loop, checkpoints, the loss log.
        .target(name: "PrepTrain", dependencies: ["PrepNN", "PrepDataset", "PrepStages", "PrepImage"], swiftSettings: swiftSettings),
        // The command line: argument parsing only.
        .executableTarget(
            name: "prep",
            dependencies: [
                "PrepDataset",
                "PrepTrain",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),

        // Per-stage timings for bench/stages (release builds only make sense).
        .executableTarget(name: "prep-bench", dependencies: ["PrepImage", "PrepStages", "PrepDataset", "PrepNN"], swiftSettings: swiftSettings),

        .testTarget(
            name: "PrepImageTests",
            dependencies: ["PrepImage"],
            exclude: ["Fixtures"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "PrepStagesTests",
            dependencies: ["PrepStages"],
            exclude: ["Goldens"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "PrepDatasetTests",
            dependencies: ["PrepDataset", "PrepImage", "PrepStages"],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "PrepNNTests", dependencies: ["PrepNN"], exclude: ["Goldens", "Fixtures"], swiftSettings: swiftSettings),
        .testTarget(name: "PrepTrainTests", dependencies: ["PrepTrain", "PrepNN", "PrepDataset", "PrepImage"], swiftSettings: swiftSettings),
        .testTarget(name: "PrepCLITests", dependencies: ["prep"], swiftSettings: swiftSettings),
    ]
)

# The GPU harness (image-tests/): `megapak-smoke` and its three checks, built against the
# libtorch of the image's own Python package set, so that `check-torch` tests the torch the
# image ships.
{
  lib,
  rustPlatform,
  runCommand,
  python3Packages,
}:

let
  torch = python3Packages.torch;

  src = lib.fileset.toSource {
    root = ../.;
    fileset = lib.fileset.difference ../image-tests (lib.fileset.maybeMissing ../image-tests/target);
  };

  meta = {
    description = "megapak's GPU harness: CUDA, PyTorch and onnxruntime kernels, no silent CPU fallback";
    license = with lib.licenses; [
      mit
      asl20
    ];
    platforms = lib.platforms.linux;
  };

  # `megapak-smoke`, `check-cuda` and `check-ort` load the driver, NVRTC and onnxruntime at run
  # time: they link nothing of CUDA.
  checks = rustPlatform.buildRustPackage {
    pname = "megapak-smoke";
    version = "0.1.0";
    inherit src meta;
    cargoRoot = "image-tests";
    buildAndTestSubdir = "image-tests";
    cargoLock.lockFile = ../image-tests/Cargo.lock;
    cargoBuildFlags = [
      "-p"
      "megapak-smoke"
      "-p"
      "megapak-check-cuda"
      "-p"
      "megapak-check-ort"
    ];
    # The tests provoke each diagnosis with real libraries fetched by image-tests/ci.sh.
    doCheck = false;
  };

  # tch follows libtorch's minor version (tch 0.23 = torch 2.10, tch 0.24 = torch 2.11), and
  # each has its own manifest and lockfile (see image-tests/torch-2.10/Cargo.toml).
  torchManifest = if lib.versionAtLeast torch.version "2.11" then "image-tests" else "image-tests/torch-2.10";

  # nixpkgs builds torch from source and splits its headers and libraries into outputs of their
  # own; a wheel (megapak's definition of torch from PyPI or a custom wheel, or nixpkgs'
  # torch-bin) keeps them in `site-packages/torch/{include,lib}`, where `LIBTORCH` alone finds
  # them.
  torchIsWheel = lib.hasSuffix ".whl" (torch.src.name or "");
  libtorch = {
    LIBTORCH = "${torch}/${python3Packages.python.sitePackages}/torch";
  }
  // lib.optionalAttrs (!torchIsWheel) {
    LIBTORCH_INCLUDE = "${lib.getDev torch}";
    LIBTORCH_LIB = "${lib.getLib torch}";
  };

  checkTorch = rustPlatform.buildRustPackage (libtorch // {
    pname = "megapak-check-torch";
    version = "0.1.0";
    inherit src meta;
    cargoRoot = torchManifest;
    buildAndTestSubdir = torchManifest;
    cargoLock.lockFile = ../. + "/${torchManifest}/Cargo.lock";
    cargoBuildFlags = [
      "-p"
      "megapak-check-torch"
    ];
    # A hard dependency on libtorch_cuda.so: in the image the CUDA libraries are always there.
    buildFeatures = [ "link-cuda" ];
    LIBTORCH_BYPASS_VERSION_CHECK = "1";
    doCheck = false;
  });
in
# One folder of real files, not a `symlinkJoin`: `megapak-smoke` looks for its checks beside its
# resolved executable, which for a link is the folder of the derivation it points into (and
# check-torch lives in another).
runCommand "megapak-smoke-${checks.version}"
  {
    passthru = {
      inherit checks checkTorch torch;
    };
    inherit meta;
  }
  ''
    mkdir -p $out/bin
    cp ${checks}/bin/* ${checkTorch}/bin/* $out/bin/
  ''

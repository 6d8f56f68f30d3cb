# The image of this workspace, built by Nix: the Python environment of `megapak.lock` (the files
# `megapak resolve` writes under `nix/`), the GPU harness built against that environment's
# torch, and an entrypoint that finds the driver the NVIDIA container toolkit injects.
# Written by `megapak init`; yours to edit.
#
#   megapak build --load        # `nix build .#image` with progress, then `docker load`
#   nix develop                 # a shell with the environment
#   nix flake check             # every package imports; every ELF file's libraries resolve
#
# The target (Python, CUDA, system) is the lock's `[target]`, so the flake builds what was
# resolved: `python = "3.14"` is `python314`, `cuda = "13.0"` is `cudaPackages_13_0` (driver 580
# runs every CUDA 13.x, newer minors with a limited feature set: 13.0 unless `[target] cuda` says
# otherwise).
{
  description = "A GPU Python image built by megapak";

  inputs = {
    # `flake.lock` pins the commit; `nix flake update nixpkgs` moves it. It must have the
    # lock's Python (`python314`), its CUDA package set (`cudaPackages_13_0`) and
    # `dockerTools.streamLayeredImage` with `layeringPipeline` (nixos-unstable since 2025).
    nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";
    # megapak's source, for the GPU harness (`image-tests/`, built by `nix/megapak-smoke.nix`).
    megapak = {
      url = "git+https://example.invalid/megapak";
      flake = false;
    };
  };

  outputs =
    {
      self,
      nixpkgs,
      megapak,
    }:
    let
      inherit (nixpkgs) lib;
      target = (builtins.fromTOML (builtins.readFile ./megapak.lock)).target;
      system = target.system;
      cuda = target.cuda or null;
      cudaSet = "cudaPackages_" + lib.replaceStrings [ "." ] [ "_" ] cuda;

      pkgs = import nixpkgs {
        inherit system;
        config = {
          # CUDA, cuDNN and NVIDIA's wheels are unfree.
          allowUnfree = true;
          # nixpkgs' own packages (torch, onnxruntime, opencv, ...) with CUDA.
          cudaSupport = cuda != null;
        };
        # One CUDA in the image: nixpkgs' packages use the lock's CUDA package set too.
        overlays = lib.optional (cuda != null) (final: prev: { cudaPackages = final.${cudaSet}; });
      };

      # The interpreter with megapak's packages in its set: every package that depends on one
      # of them gets megapak's, so the closure has one torch, one numpy.
      python = pkgs."python${lib.replaceStrings [ "." ] [ "" ] target.python}".override {
        self = python;
        packageOverrides = import ./nix/python-packages.nix { inherit pkgs; };
      };
      packages = import ./nix/packages.nix;
      env = python.withPackages packages;

      # The GPU harness, linked against this environment's libtorch.
      harness = pkgs.callPackage "${megapak}/nix/megapak-smoke.nix" {
        python3Packages = python.pkgs;
      };

      runtime = pkgs.callPackage ./nix/runtime.nix {
        inherit python env harness;
        cudaPackages = if cuda == null then null else pkgs.${cudaSet};
      };
    in
    {
      packages.${system} = {
        image = pkgs.callPackage ./nix/image.nix {
          inherit
            python
            env
            runtime
            cuda
            ;
          packages = packages python.pkgs;
          name = "megapak-image";
        };
        inherit env runtime harness;
        default = self.packages.${system}.image;
      };

      devShells.${system}.default = pkgs.mkShell {
        packages = [
          env
          runtime
        ];
        shellHook = ''
          export MEGAPAK_LIBRARY_PATH_FILE=${runtime}/etc/megapak/library-path
          export LD_LIBRARY_PATH=$(${runtime}/bin/megapak-entrypoint sh -c 'printf %s "$LD_LIBRARY_PATH"')
        '';
      };

      # `import`, not `callPackage`: `nix flake check` wants derivations only, and `callPackage`
      # would add `override` to the set.
      checks.${system} = import ./nix/checks.nix {
        inherit (pkgs) runCommand closureInfo glibc;
        inherit
          lib
          python
          env
          runtime
          packages
          ;
      };
    };
}

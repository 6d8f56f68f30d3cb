{
  description = "megapak: reproducible GPU Python images with Nix";

  inputs = {
    nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";
  };

  outputs =
    { self, nixpkgs }:
    let
      systems = [
        "x86_64-linux"
        "aarch64-linux"
      ];
      forAllSystems =
        f:
        nixpkgs.lib.genAttrs systems (
          system:
          f (
            import nixpkgs {
              inherit system;
              # CUDA and the NVIDIA libraries are unfree.
              config = {
                allowUnfree = true;
                cudaSupport = true;
              };
            }
          )
        );
    in
    {
      packages = forAllSystems (pkgs: rec {
        megapak = pkgs.callPackage ./nix/megapak.nix { };
        # The GPU harness, linked against the libtorch of the image's own Python set.
        megapak-smoke = pkgs.callPackage ./nix/megapak-smoke.nix {
          python3Packages = pkgs.python314Packages;
        };
        default = megapak;
      });

      checks = forAllSystems (pkgs: {
        megapak = self.packages.${pkgs.stdenv.hostPlatform.system}.megapak;
      });

      devShells = forAllSystems (pkgs: {
        default = pkgs.mkShell {
          inputsFrom = [ self.packages.${pkgs.stdenv.hostPlatform.system}.megapak ];
          packages = [
            pkgs.cargo-nextest
            pkgs.cargo-insta
            pkgs.clippy
            pkgs.rustfmt
            pkgs.nixfmt-rfc-style
          ];
        };
      });
    };
}

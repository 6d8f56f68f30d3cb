# megapak and its first-party resolver plugins.
{
  lib,
  rustPlatform,
  makeWrapper,
}:

rustPlatform.buildRustPackage {
  pname = "megapak";
  version = "0.1.0";

  src = lib.fileset.toSource {
    root = ../.;
    fileset = lib.fileset.unions [
      ../Cargo.toml
      ../Cargo.lock
      ../crates
      ../plugins
      ../benches
      ../fixtures
    ];
  };

  cargoLock.lockFile = ../Cargo.lock;

  nativeBuildInputs = [ makeWrapper ];

  # The tests run nix-instantiate, git and the network; they run in CI, not in the sandbox.
  doCheck = false;

  postInstall = ''
    # Resolver plugins are shared libraries found beside the binary.
    install -Dm755 -t $out/bin target/*/release/libmegapak_plugin_*.so
  '';

  meta = {
    description = "Reproducible GPU Python images with Nix";
    mainProgram = "megapak";
    license = with lib.licenses; [
      mit
      asl20
    ];
    platforms = lib.platforms.linux;
  };
}

# The image: `dockerTools.streamLayeredImage`, a script that writes the image to stdout
# (`megapak build --load` pipes it into `docker load`; `nix build .#image && ./result | docker
# load` does the same by hand), so no multi-gigabyte tarball lands in the store.
#
# Layers: the closure of torch and the CUDA libraries first, on layers of their own, then the
# rest ranked by how many paths depend on each (`popularity_contest`): a new version of one
# package re-pushes its own layers and the last, shared one, not the CUDA gigabytes.
{
  lib,
  dockerTools,
  cacert,
  python,
  env,
  # The environment's packages (`nix/packages.nix` applied to the Python set).
  packages,
  runtime,
  cuda ? null,
  name ? "megapak-image",
  tag ? "latest",
  # Docker's limit is about 125; one layer is the customisation layer.
  maxLayers ? 100,
  # How many of the layers the torch/CUDA closure gets.
  baseLayers ? 30,
  # The environment's packages whose closures go on those layers, by `pname`.
  baseNames ? [
    "torch"
    "torchvision"
    "torchaudio"
    "triton"
  ],
}:

let
  # The big, rarely changing part: torch and the CUDA libraries, with what they depend on.
  # Only packages the image has: naming another would build it for nothing.
  baseRoots =
    lib.filter (p: lib.elem (p.pname or "") baseNames) packages ++ runtime.cudaLibraries;

  ranked = limit: [
    [ "popularity_contest" ]
    [
      "limit_layers"
      limit
    ]
  ];

  layeringPipeline =
    if baseRoots == [ ] then
      ranked (maxLayers - 1)
    else
      [
        [
          "subcomponent_out"
          baseRoots
        ]
        [
          "over"
          "main"
          [
            "pipe"
            (ranked baseLayers)
          ]
        ]
        [
          "over"
          "rest"
          [
            "pipe"
            (ranked (maxLayers - 1 - baseLayers))
          ]
        ]
      ];
in
dockerTools.streamLayeredImage {
  inherit name tag layeringPipeline;
  contents = [
    env
    runtime
    # `root` and `nobody` in /etc/passwd and /etc/group: programs that look up their user work.
    dockerTools.fakeNss
    # /etc/ssl/certs/ca-bundle.crt: downloads (models, custom nodes) over HTTPS.
    dockerTools.caCertificates
    # /usr/bin/env for `#!/usr/bin/env python3` scripts, /bin/sh for `subprocess(shell=True)`.
    dockerTools.usrBinEnv
    dockerTools.binSh
  ];
  # A writable /tmp (the harness keeps its GPU lock there, Python its temporary files) and a
  # home for root.
  extraCommands = ''
    mkdir -p tmp root
    chmod 1777 tmp
    chmod 0700 root
  '';
  config = {
    Entrypoint = [ "/bin/megapak-entrypoint" ];
    Cmd = [ "python3" ];
    WorkingDir = "/root";
    Env = [
      "PATH=/bin:/usr/bin"
      "HOME=/root"
      "SSL_CERT_FILE=${cacert}/etc/ssl/certs/ca-bundle.crt"
      # What the NVIDIA container toolkit passes in: every GPU, and the driver's CUDA library
      # (`compute`; the default is `utility` alone, which has nvidia-smi but no CUDA).
      "NVIDIA_VISIBLE_DEVICES=all"
      "NVIDIA_DRIVER_CAPABILITIES=compute,utility"
    ]
    ++ lib.optionals (cuda != null) [
      # The toolkit refuses to start the container on a driver too old for this CUDA.
      "NVIDIA_REQUIRE_CUDA=cuda>=${cuda}"
      # The GPU harness (`megapak verify --gpu`) checks the image for this CUDA major.
      "MEGAPAK_CUDA_MAJOR=${builtins.head (builtins.splitVersion cuda)}"
    ];
  };
}

# `nix flake check`: what can be known about the image without a GPU.
#
# - `imports`: every package of `nix/packages.nix` imports in the finished environment (the
#   modules of its `pythonImportsCheck`), all in one interpreter, as the image runs them;
# - `libraries`: every ELF file of the environment's closure finds every library it needs, with
#   the image's library folders searched as at run time; `libcuda.so.1` alone may be missing
#   (the driver brings it when the image runs on a GPU).
{
  lib,
  runCommand,
  closureInfo,
  glibc,
  python,
  env,
  runtime,
  packages,
  allowedMissing ? [ "libcuda.so.1" ],
}:

let
  selected = packages python.pkgs;
  modules = lib.unique (lib.concatMap (p: p.pythonImportsCheck or [ ]) selected);
  unchecked = map (p: p.pname or p.name) (lib.filter (p: (p.pythonImportsCheck or [ ]) == [ ]) selected);
  closure = closureInfo {
    rootPaths = [
      env
      runtime
    ];
  };
in
{
  imports =
    runCommand "megapak-imports"
      {
        modules = lib.concatStringsSep " " modules;
        unchecked = lib.concatStringsSep " " unchecked;
      }
      ''
        export HOME=$TMPDIR
        ${env}/bin/python3 - <<'EOF'
        import importlib, os, sys, traceback

        failed = []
        modules = os.environ["modules"].split()
        for module in modules:
            try:
                importlib.import_module(module)
            except Exception:
                failed.append((module, traceback.format_exc(limit=1).strip().splitlines()[-1]))
        for module, error in failed:
            print(f"cannot import {module}: {error}", file=sys.stderr)
        unchecked = os.environ["unchecked"].split()
        if unchecked:
            print(f"no pythonImportsCheck, not imported: {' '.join(unchecked)}")
        print(f"{len(modules) - len(failed)} of {len(modules)} modules import")
        sys.exit(1 if failed else 0)
        EOF
        touch $out
      '';

  libraries = runCommand "megapak-libraries" { } ''
    LDD=${lib.getBin glibc}/bin/ldd sh ${./check-libraries.sh} \
      ${closure}/store-paths \
      ${runtime}/etc/megapak/library-path \
      ${lib.escapeShellArgs allowedMissing}
    touch $out
  '';
}

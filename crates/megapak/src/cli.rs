//! The command line, parsed by clap before any work starts.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::output::ColorChoice;

/// Reproducible GPU Python images with Nix.
///
/// megapak reads pip requirement lists ("pak files") and `megapak.toml`, completes the package
/// set through resolver plugins, emits Nix, and verifies the built image on a GPU.
#[derive(Debug, Parser)]
#[command(
    name = "megapak",
    version,
    propagate_version = true,
    max_term_width = 100
)]
pub(crate) struct Cli {
    /// When to colour output: `auto` colours on a terminal unless `NO_COLOR` is set.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub(crate) color: ColorChoice,

    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Write the embedded example workspace (a ComfyUI image on CUDA 13) to a folder.
    Init(InitArgs),
    /// Report which packages of the pak files are covered, and by what.
    ///
    /// Counts entries per pak file, unique PyPI names and VCS/URL entries; with `--flake`,
    /// compares them with the Python package lists of a hand-written flake.nix, including entries
    /// that are commented out there. Names are compared after PEP 503 normalization. With a
    /// `megapak.lock` beside `megapak.toml`, each package shows its locked provider and version,
    /// and requested packages the lock lacks are named.
    Status(StatusArgs),
    /// List the resolver plugins megapak finds: name, version, ABI, path; and why any plugin
    /// file was refused.
    ///
    /// Searches the folders of `[plugins] paths`, then `MEGAPAK_PLUGIN_PATH`, then the folder of
    /// the megapak binary, for `libmegapak_plugin_<name>.so`.
    Plugins(PluginsArgs),
    /// Complete the package set through the resolver plugins and write `megapak.lock`.
    ///
    /// Asks the plugins of `[resolvers] order` for every package the pak files need and every
    /// package those need, solves one version of each for the target, and writes the lock
    /// atomically beside `megapak.toml`. When nothing the lock depends on changed, it is
    /// reused and no resolver is asked anything.
    Resolve(ResolveArgs),
    /// Bring a hand-written flake in line with `megapak.lock`: uncomment the `# name  # TODO`
    /// entries the lock now provides and add the missing ones, leaving every other byte as it
    /// was.
    Sync(SyncArgs),
    /// Write the Nix files again from `megapak.lock` alone: `nix/python-packages.nix`,
    /// `nix/packages.nix` and one `nix/pkgs/<name>.nix` per package megapak defines.
    Emit(EmitArgs),
    /// Prove on a GPU that the image's CUDA, PyTorch and onnxruntime run kernels.
    ///
    /// Runs the GPU harness (`megapak-smoke` and its checks) inside the image with docker
    /// (`--gpus all`) or podman (`--device nvidia.com/gpu=all`), or on this machine with `--host`;
    /// or writes a Kubernetes Job that runs it on a GPU node. A check skipped for want of a GPU
    /// is a failure.
    Verify(VerifyArgs),
    /// Build the image with Nix, showing progress; print its path and closure size.
    ///
    /// Runs `nix build` of the workspace flake's `packages.<system>.image` (or of `--file`),
    /// reads Nix's log as it comes, names each failure by its lock entry (a wrong hash, a
    /// missing attribute, a library autoPatchelf could not find), and with `--load` loads the
    /// image into docker or podman. Arguments after `--` go to `nix build` as they are, for
    /// remote builders and binary caches: `megapak build -- --builders 'ssh://gpu-box
    /// x86_64-linux' --option extra-substituters 'https://cache.example.org'`.
    Build(BuildArgs),
    /// Make a snapshot of a nixpkgs tree's Python packages for the `nixpkgs` resolver.
    ///
    /// Reads the Python set of each `--python` from the nixpkgs tree at `--nixpkgs` (as syntax
    /// with the `source` backend, or with Nix with `eval`) and writes one snapshot file, with
    /// every attribute's version, availability per Python and dependencies. `[resolvers.nixpkgs]
    /// index = "FILE"` then answers from it, without Nix or the tree.
    NixpkgsIndex(NixpkgsIndexArgs),
    /// Print a shell completion script to stdout.
    ///
    /// For example: `megapak completions bash > ~/.local/share/bash-completion/completions/megapak`.
    Completions(CompletionsArgs),
}

#[derive(Debug, Args)]
pub(crate) struct InitArgs {
    /// The folder to write into; created if missing. Existing files are never overwritten.
    #[arg(default_value = ".")]
    pub(crate) dir: PathBuf,
}

#[derive(Debug, Args)]
pub(crate) struct StatusArgs {
    /// The workspace's configuration file. Default: `megapak.toml` in the current folder; without
    /// one, `--paks` is needed.
    #[arg(long, short = 'c', value_name = "FILE")]
    pub(crate) config: Option<PathBuf>,

    /// Read these pak files instead of those named in the configuration. With `--config`, its
    /// `[target]` and overrides still apply.
    #[arg(long, value_name = "FILE", num_args = 1..)]
    pub(crate) paks: Vec<PathBuf>,

    /// Compare with the Python package lists of this hand-written flake.nix (read, never
    /// evaluated).
    #[arg(long, value_name = "FILE")]
    pub(crate) flake: Option<PathBuf>,

    /// How to print the report.
    #[arg(long, value_enum, default_value_t = ReportFormat::Table)]
    pub(crate) format: ReportFormat,

    /// Write the report to this file (atomically) instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub(crate) output: Option<PathBuf>,
}

/// The shapes of a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ReportFormat {
    /// Aligned columns for a terminal.
    Table,
    /// A Markdown status page: summary counts, a package table and next steps.
    Markdown,
    /// JSON for machines.
    Json,
}

#[derive(Debug, Args)]
pub(crate) struct PluginsArgs {
    /// The workspace's configuration file, for `[plugins] paths` and `required` (and, for
    /// `call`, the target and the plugin's settings). Default: `megapak.toml` in the current
    /// folder, if there is one.
    #[arg(long, short = 'c', value_name = "FILE", global = true)]
    pub(crate) config: Option<PathBuf>,

    /// Print a JSON array with one object per plugin file instead of a table: `name`,
    /// `version`, `abi`, `path`, `status` ("loaded" or "refused") and `origin`; for a loaded
    /// plugin also `capabilities` and `summary`; for a refused file `reason`, `hints` and
    /// `fatal`.
    #[arg(long)]
    pub(crate) json: bool,

    #[command(subcommand)]
    pub(crate) command: Option<PluginsCommand>,
}

#[derive(Debug, Subcommand)]
pub(crate) enum PluginsCommand {
    /// Run one call of one plugin with the workspace's target and settings, and print its
    /// answer as JSON.
    ///
    /// The request carries the `[target]` of `megapak.toml`, the plugin's `[resolvers.NAME]`
    /// table, the workspace folder and the pak files' index options; the answer is checked
    /// against the wire schema before it is printed. For example: `megapak plugins call pypi
    /// candidates torch numpy`, `megapak plugins call pypi details torch==2.10.0`.
    Call(PluginCallArgs),
}

#[derive(Debug, Args)]
pub(crate) struct PluginCallArgs {
    /// The plugin, by the name `megapak plugins` lists.
    pub(crate) name: String,

    /// Ask the plugin to answer without the network (from its cache, or `offline`).
    #[arg(long, global = true)]
    pub(crate) offline: bool,

    #[command(subcommand)]
    pub(crate) call: PluginCall,
}

/// The calls of the plugin wire.
#[derive(Debug, Subcommand)]
pub(crate) enum PluginCall {
    /// Which versions of these packages can the plugin supply?
    ///
    /// A package the pak files ask for comes with their specifiers and any URL or git source.
    Candidates {
        /// Package names.
        #[arg(required = true, value_name = "PKG")]
        packages: Vec<String>,
    },
    /// Where do these versions come from, and what do they depend on?
    Details {
        /// `PKG VERSION` pairs, or `PKG==VERSION` words.
        #[arg(required = true, value_name = "PKG VERSION|PKG==VERSION")]
        packages: Vec<String>,
    },
}

#[derive(Debug, Args)]
pub(crate) struct VerifyArgs {
    /// Verify on a GPU: run the CUDA, torch and onnxruntime checks of the harness.
    #[arg(long, required = true)]
    pub(crate) gpu: bool,

    /// Run the harness on this machine instead of in a container.
    #[arg(long, conflicts_with_all = ["image", "runtime", "emit_k8s_job"])]
    pub(crate) host: bool,

    /// With `--host`: a Python environment (its prefix, or a `site-packages` folder) whose
    /// `torch/lib`, `nvidia/*/lib` and `onnxruntime/capi` the harness uses. Repeatable; the
    /// first onnxruntime found wins, so name the one with `onnxruntime-gpu` first.
    #[arg(long, value_name = "DIR", requires = "host")]
    pub(crate) python_env: Vec<PathBuf>,

    /// With `--host`: the folder of the harness binaries. Default: beside megapak, then
    /// `../libexec/megapak`.
    #[arg(long, value_name = "DIR", requires = "host")]
    pub(crate) harness_dir: Option<PathBuf>,

    /// The image to verify: its own harness runs in a container with the GPUs passed in.
    #[arg(long, value_name = "NAME")]
    pub(crate) image: Option<String>,

    /// The container runtime. Default: docker if on `PATH`, else podman.
    #[arg(long, value_enum, requires = "image")]
    pub(crate) runtime: Option<RuntimeArg>,

    /// Write a Kubernetes Job that runs the image's harness on a GPU node (`nvidia.com/gpu: 1`)
    /// to FILE (`-` for stdout) instead of running anything.
    #[arg(long, value_name = "FILE", requires = "image")]
    pub(crate) emit_k8s_job: Option<PathBuf>,

    /// The Job's pod runs under this RuntimeClass (`runtimeClassName`): k3s and RKE2 give the
    /// NVIDIA runtime a class of its own, usually `nvidia`.
    #[arg(long, value_name = "NAME", requires = "emit_k8s_job")]
    pub(crate) runtime_class: Option<String>,

    /// The CPU the Job's pod requests (a Kubernetes quantity).
    #[arg(
        long,
        value_name = "QUANTITY",
        default_value = "2",
        requires = "emit_k8s_job"
    )]
    pub(crate) cpu: String,

    /// The memory the Job's pod requests and may use (a Kubernetes quantity).
    #[arg(
        long,
        value_name = "QUANTITY",
        default_value = "8Gi",
        requires = "emit_k8s_job"
    )]
    pub(crate) memory: String,

    /// The image's CUDA major (12 or 13), passed to the harness as `MEGAPAK_CUDA_MAJOR`: each
    /// check looks for that major's libraries and judges the driver against it. Default:
    /// `[target] cuda` of the workspace's `megapak.toml`, if there is one; without either, each
    /// check finds it out from the image.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(12..=13))]
    pub(crate) cuda_major: Option<u32>,

    /// The workspace's configuration file, read for `[target] cuda`. Default: `megapak.toml` in
    /// the current folder, if there is one.
    #[arg(long, short = 'c', value_name = "FILE", conflicts_with = "cuda_major")]
    pub(crate) config: Option<PathBuf>,

    /// Print the harness's JSON report instead of a table.
    #[arg(long)]
    pub(crate) json: bool,
}

#[derive(Debug, Args)]
pub(crate) struct BuildArgs {
    /// The workspace's configuration file; its folder holds the flake and `megapak.lock`.
    /// Default: `megapak.toml` in the current folder, if there is one.
    #[arg(long, short = 'c', value_name = "FILE")]
    pub(crate) config: Option<PathBuf>,

    /// Build this flake (a folder or a flake reference) instead of the workspace's.
    #[arg(long, value_name = "REF", conflicts_with = "file")]
    pub(crate) flake: Option<String>,

    /// Build an attribute of this Nix file instead of a flake, as `nix build --file` does.
    #[arg(long, short = 'f', value_name = "FILE")]
    pub(crate) file: Option<PathBuf>,

    /// The attribute to build. Default: `image` of a flake (its `packages.<system>.image`);
    /// with `--file`, the file's value itself.
    #[arg(long, short = 'A', value_name = "ATTR")]
    pub(crate) attr: Option<String>,

    /// With `--file`: call the file's function with this string argument. Repeatable.
    #[arg(long, num_args = 2, value_names = ["NAME", "VALUE"], requires = "file")]
    pub(crate) argstr: Vec<String>,

    /// The result link (a garbage-collector root, so the image survives `nix-collect-garbage`).
    /// Default: `result` beside `megapak.toml`, else in the current folder.
    #[arg(long, short = 'o', value_name = "PATH")]
    pub(crate) out_link: Option<PathBuf>,

    /// Make no result link.
    #[arg(long, conflicts_with = "out_link")]
    pub(crate) no_link: bool,

    /// Show the builders' log lines as they come (the last lines of a failing one are always
    /// shown).
    #[arg(long, short = 'L')]
    pub(crate) print_build_logs: bool,

    /// Load the built image into docker or podman (the stream script's output piped into
    /// `docker load`).
    #[arg(long)]
    pub(crate) load: bool,

    /// The container runtime for `--load`. Default: docker if on `PATH`, else podman.
    #[arg(long, value_enum, requires = "load")]
    pub(crate) runtime: Option<RuntimeArg>,

    /// Arguments for `nix build`, after `--`: `--builders`, `--store`, `--option NAME VALUE`,
    /// `--max-jobs`, `--keep-going`, ...
    #[arg(last = true, value_name = "NIX_ARGS")]
    pub(crate) nix_args: Vec<String>,
}

/// The container runtimes megapak can drive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum RuntimeArg {
    /// `docker run --gpus all` (NVIDIA Container Toolkit).
    Docker,
    /// `podman run --device nvidia.com/gpu=all` (CDI).
    Podman,
}

#[derive(Debug, Args)]
pub(crate) struct NixpkgsIndexArgs {
    /// The nixpkgs tree: the root of a checkout, the folder with `pkgs/top-level`.
    #[arg(long, value_name = "PATH")]
    pub(crate) nixpkgs: PathBuf,

    /// The snapshot file to write (atomically: an interrupted run leaves the previous one).
    #[arg(long, short = 'o', value_name = "FILE")]
    pub(crate) output: PathBuf,

    /// How to read the tree.
    #[arg(long, value_enum, default_value_t = IndexBackendArg::Source)]
    pub(crate) backend: IndexBackendArg,

    /// The Pythons whose package sets to read, `MAJOR.MINOR`; the first one that has an
    /// attribute gives its version and dependencies.
    #[arg(long = "python", value_name = "MAJOR.MINOR", num_args = 1.., default_value = "3.14")]
    pub(crate) pythons: Vec<megapak_plugin_nixpkgs::python::PythonVersion>,

    /// The Nix system to read the package sets for.
    #[arg(long, value_name = "SYSTEM", default_value = "x86_64-linux")]
    pub(crate) system: String,
}

/// The ways `megapak nixpkgs-index` reads a nixpkgs tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum IndexBackendArg {
    /// Its Nix files as syntax (rnix): no Nix needed; a `disabled` expression it cannot judge
    /// is left unknown.
    Source,
    /// One `nix-instantiate` evaluation per Python: authoritative; needs Nix (2.18 or later for
    /// current nixpkgs).
    Eval,
}

#[derive(Debug, Args)]
pub(crate) struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub(crate) shell: clap_complete::Shell,
}

#[derive(Debug, Args)]
pub(crate) struct ResolveArgs {
    /// The workspace's configuration file. Default: `megapak.toml` in the current folder.
    #[arg(long, short = 'c', value_name = "FILE")]
    pub(crate) config: Option<PathBuf>,

    /// Solve again even if nothing changed: every package, or only the ones named (the others
    /// keep their locked versions where they can).
    #[arg(long, value_name = "NAME", num_args = 0..)]
    pub(crate) upgrade: Option<Vec<String>>,

    /// Fail instead of writing a lock that differs from `megapak.lock` (for CI).
    #[arg(long)]
    pub(crate) locked: bool,

    /// Answer from the lock and the plugins' caches; name what would need the network.
    #[arg(long)]
    pub(crate) offline: bool,

    /// How to print the summary: `table`, or `json` with `packages`, `by_provider`,
    /// `unresolved` (`[{name, reason, chain}]`), `lock` and `up_to_date`.
    #[arg(long, value_enum, default_value_t = ResolveFormat::Table)]
    pub(crate) format: ResolveFormat,
}

/// The shapes of `megapak resolve`'s summary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ResolveFormat {
    /// Counts by provider, for a terminal.
    Table,
    /// JSON for machines.
    Json,
}

#[derive(Debug, Args)]
pub(crate) struct SyncArgs {
    /// The hand-written flake to edit (read with rnix, never evaluated).
    #[arg(long, value_name = "FILE")]
    pub(crate) flake: PathBuf,

    /// The workspace's configuration file; its `megapak.lock` is read. Default: `megapak.toml`
    /// in the current folder.
    #[arg(long, short = 'c', value_name = "FILE")]
    pub(crate) config: Option<PathBuf>,

    /// Report the edits without writing them; exit 1 when there are any (for CI).
    #[arg(long)]
    pub(crate) check: bool,
}

#[derive(Debug, Args)]
pub(crate) struct EmitArgs {
    /// The workspace's configuration file; its `megapak.lock` is read. Default: `megapak.toml`
    /// in the current folder.
    #[arg(long, short = 'c', value_name = "FILE")]
    pub(crate) config: Option<PathBuf>,
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::Cli;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }
}

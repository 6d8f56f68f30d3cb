//! One package megapak defines, as `pkgs/<name>.nix`: a function of the Python package set in
//! the shape of nixpkgs' `pkgs/development/python-modules/<name>/default.nix`, which the overlay
//! calls with `callPackage`. Its arguments are what it uses, so a real evaluator checks every
//! name it refers to.

use std::collections::BTreeSet;

use megapak_lock::{DistFormat, LockedPackage, LockedSource};
use megapak_types::PackageName;

use super::attributes::{Attributes, Origin};
use super::error::EmitError;
use super::layout::{binding, formals, list_binding, set_binding};
use super::licenses::nixpkgs_license;
use super::source::{Fetch, fetch_of};
use super::syntax::{attribute_name, is_identifier, string};

/// The arguments the builder itself may take, in the order they are written. A dependency whose
/// attribute is one of these (or `src`, which a checkout's subfolder binds) is reached through
/// `python.pkgs` instead of an argument of its own.
pub(crate) const BUILDER_ARGUMENTS: [&str; 9] = [
    "lib",
    "stdenv",
    "buildPythonPackage",
    "fetchurl",
    "fetchgit",
    "python",
    "autoPatchelfHook",
    "zlib",
    "cudaPackages",
];

/// What the emitter knows around one package.
#[derive(Debug)]
pub(crate) struct Context<'a> {
    pub(crate) packages: &'a [LockedPackage],
    pub(crate) attributes: &'a Attributes<'a>,
    /// The comment lines every file starts with.
    pub(crate) header: &'a str,
    /// How many folders below the workspace folder the package files are (`nix/pkgs`: 2).
    pub(crate) depth: usize,
    /// Whether the target has CUDA.
    pub(crate) cuda: bool,
}

/// A package file, and whether the overlay must pass it `cudaPackages`.
#[derive(Debug)]
pub(crate) struct PackageFile {
    pub(crate) contents: String,
    pub(crate) needs_cuda_packages: bool,
}

/// The arguments a package file takes: the builder's, then its Python dependencies.
#[derive(Debug, Default)]
struct Arguments {
    builder: BTreeSet<&'static str>,
    packages: Vec<String>,
}

impl Arguments {
    fn builder(&mut self, name: &'static str) -> &'static str {
        self.builder.insert(name);
        name
    }

    /// How the file refers to the attribute `attribute` of the Python package set.
    fn package(&mut self, attribute: &str) -> String {
        let reserved = BUILDER_ARGUMENTS.contains(&attribute) || attribute == "src";
        if is_identifier(attribute) && !reserved {
            if !self.packages.iter().any(|known| known == attribute) {
                self.packages.push(attribute.to_owned());
            }
            attribute.to_owned()
        } else {
            self.builder("python");
            format!("python.pkgs.{}", attribute_name(attribute))
        }
    }

    fn names(&self) -> Vec<String> {
        BUILDER_ARGUMENTS
            .iter()
            .filter(|name| self.builder.contains(*name))
            .map(|name| (*name).to_owned())
            .chain(self.packages.iter().cloned())
            .collect()
    }
}

/// How the package is built.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Build {
    /// A wheel installed as it is; `binary` when it holds native code (its platform tag is not
    /// `any`), which autoPatchelf must point at the libraries of the Nix store.
    Wheel { binary: bool },
    /// An sdist or a checkout, built with its PEP 517 backend.
    Source,
}

fn build_of(source: &LockedSource) -> Build {
    match source {
        LockedSource::Url {
            filename,
            format: DistFormat::Wheel,
            ..
        } => Build::Wheel {
            binary: !filename.ends_with("-any.whl"),
        },
        LockedSource::Path {
            path,
            format: DistFormat::Wheel,
            ..
        } => Build::Wheel {
            binary: !path.ends_with("-any.whl"),
        },
        _ => Build::Source,
    }
}

/// The file of `package`, which megapak defines (its source is no nixpkgs attribute).
pub(crate) fn package_file(
    package: &LockedPackage,
    context: &Context<'_>,
) -> Result<PackageFile, EmitError> {
    let name = &package.name;
    let fetch = fetch_of(package, context.depth)?;
    let build = build_of(&package.source);
    let mut arguments = Arguments::default();
    arguments.builder("buildPythonPackage");
    let mut sections: Vec<String> = Vec::new();

    // pname, version, format.
    let mut identity = String::new();
    binding(&mut identity, 2, "pname", &string(name.as_str()));
    binding(&mut identity, 2, "version", &string(&package.version));
    match build {
        Build::Wheel { .. } => binding(&mut identity, 2, "format", "\"wheel\""),
        Build::Source => binding(&mut identity, 2, "pyproject", "true"),
    }
    sections.push(identity);

    // src.
    let mut source = String::new();
    if let Some(function) = fetch.function {
        arguments.builder(function);
    }
    let let_bound = fetch.subdirectory.is_some();
    if let Some(subdirectory) = &fetch.subdirectory {
        source.push_str("  inherit src;\n");
        let escaped = string(subdirectory);
        let inner = &escaped[1..escaped.len() - 1];
        binding(
            &mut source,
            2,
            "sourceRoot",
            &format!("\"${{src.name}}/{inner}\""),
        );
    } else {
        write_fetch(&mut source, 2, "src", &fetch);
    }
    sections.push(source);

    // Native code: autoPatchelf and the libraries it links against.
    let binary = build == (Build::Wheel { binary: true });
    if binary {
        let hook = arguments.builder("autoPatchelfHook");
        let mut hooks = String::new();
        list_binding(&mut hooks, 2, "nativeBuildInputs", &[hook.to_owned()]);
        sections.push(hooks);
    }
    let mut libraries = Vec::new();
    if binary {
        // The libraries manylinux lets a wheel expect beside glibc: libstdc++ and libgcc_s, and zlib.
        arguments.builder("stdenv");
        arguments.builder("zlib");
        libraries.push("stdenv.cc.cc.lib".to_owned());
        libraries.push("zlib".to_owned());
    }
    if !package.cuda_libraries.is_empty() {
        if !context.cuda {
            return Err(EmitError::NoCuda {
                package: name.clone(),
            });
        }
        arguments.builder("cudaPackages");
        for library in &package.cuda_libraries {
            libraries.push(format!("cudaPackages.{}", attribute_name(library)));
        }
    }
    push_list(&mut sections, "buildInputs", &libraries);

    if build == Build::Source {
        let build_system = build_system(package, context, &mut arguments)?;
        push_list(&mut sections, "build-system", &build_system);
    }

    let mut dependencies: Vec<&PackageName> = package.dependencies.iter().collect();
    dependencies.sort();
    dependencies.dedup();
    let mut references = Vec::new();
    let mut sibling_wheels = Vec::new();
    for dependency in dependencies {
        let (attribute, origin) = context.attributes.dependency(name, dependency)?;
        let reference = arguments.package(attribute);
        if binary && origin == Origin::Megapak && is_binary_wheel(context.packages, dependency) {
            sibling_wheels.push(reference.clone());
        }
        references.push(reference);
    }
    push_list(&mut sections, "dependencies", &references);

    let mut relaxed: Vec<String> = package
        .relaxed_dependencies
        .iter()
        .map(|dependency| string(dependency.as_str()))
        .collect();
    relaxed.sort();
    relaxed.dedup();
    push_list(&mut sections, "pythonRelaxDeps", &relaxed);

    if !sibling_wheels.is_empty() {
        arguments.builder("python");
        let mut pre_fixup = String::from(
            "  # The wheel loads libraries of the wheels it depends on from their `site-packages`\n  # folders, where autoPatchelf does not look by itself.\n  preFixup = ''\n",
        );
        for wheel in &sibling_wheels {
            pre_fixup.push_str(&format!(
                "    addAutoPatchelfSearchPath \"${{{wheel}}}/${{python.sitePackages}}\"\n"
            ));
        }
        pre_fixup.push_str("  '';\n");
        sections.push(pre_fixup);
    }

    if binary {
        if context.cuda {
            let mut ignore =
                String::from("  # The driver's library comes from the host when the image runs.\n");
            list_binding(
                &mut ignore,
                2,
                "autoPatchelfIgnoreMissingDeps",
                &["\"libcuda.so.1\"".to_owned()],
            );
            sections.push(ignore);
        }
        sections.push("  dontStrip = true;\n".to_owned());
    }

    let imports: Vec<String> = package
        .import_names
        .iter()
        .map(|module| string(module))
        .collect();
    push_list(&mut sections, "pythonImportsCheck", &imports);

    let mut meta = Vec::new();
    if let Some(summary) = &package.summary {
        meta.push(("description".to_owned(), string(summary)));
    }
    if let Some(license) = package.license.as_deref().and_then(nixpkgs_license) {
        arguments.builder("lib");
        meta.push(("license".to_owned(), format!("lib.licenses.{license}")));
    }
    if !meta.is_empty() {
        let mut out = String::new();
        set_binding(&mut out, 2, "meta", &meta);
        sections.push(out);
    }

    let mut contents = String::from(context.header);
    formals(&mut contents, &arguments.names());
    contents.push('\n');
    if let_bound {
        contents.push_str("let\n");
        write_fetch(&mut contents, 2, "src", &fetch);
        contents.push_str("in\n");
    }
    contents.push_str("buildPythonPackage {\n");
    contents.push_str(&sections.join("\n"));
    contents.push_str("}\n");
    Ok(PackageFile {
        contents,
        needs_cuda_packages: arguments.builder.contains("cudaPackages"),
    })
}

/// `key = [ ... ];` as a section of its own, when there are items.
fn push_list(sections: &mut Vec<String>, key: &str, items: &[String]) {
    if !items.is_empty() {
        let mut out = String::new();
        list_binding(&mut out, 2, key, items);
        sections.push(out);
    }
}

fn write_fetch(out: &mut String, indent: usize, key: &str, fetch: &Fetch) {
    let head = format!("{:indent$}{key} = {} {{\n", "", fetch.call);
    out.push_str(&head);
    for (name, value) in &fetch.arguments {
        binding(out, indent + 2, name, value);
    }
    out.push_str(&format!("{:indent$}}};\n", ""));
}

/// Whether the locked package `name` is a wheel with native code.
fn is_binary_wheel(packages: &[LockedPackage], name: &PackageName) -> bool {
    packages
        .iter()
        .find(|package| &package.name == name)
        .is_some_and(|package| build_of(&package.source) == (Build::Wheel { binary: true }))
}

/// The attributes of the build requirements: a locked package's own attribute, otherwise the
/// normalized name, as nixpkgs names its build tools (`setuptools`, `cython`, `hatchling`,
/// `scikit-build-core`). Version bounds are dropped: the package set has one version of each.
/// With no build requirements, `setuptools`, as PEP 518 says for a project without
/// `[build-system]`.
fn build_system(
    package: &LockedPackage,
    context: &Context<'_>,
    arguments: &mut Arguments,
) -> Result<Vec<String>, EmitError> {
    let mut attributes = BTreeSet::new();
    for requirement in &package.build_system {
        let trimmed = requirement.trim_start();
        let end = trimmed
            .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
            .unwrap_or(trimmed.len());
        let requirement_name =
            PackageName::new(&trimmed[..end]).map_err(|_| EmitError::InvalidBuildRequirement {
                package: package.name.clone(),
                requirement: requirement.clone(),
            })?;
        let attribute = match context.attributes.get(&requirement_name) {
            Some((attribute, _)) => attribute.to_owned(),
            None => requirement_name.as_str().to_owned(),
        };
        attributes.insert(attribute);
    }
    if attributes.is_empty() {
        attributes.insert("setuptools".to_owned());
    }
    Ok(attributes
        .iter()
        .map(|attribute| arguments.package(attribute))
        .collect())
}

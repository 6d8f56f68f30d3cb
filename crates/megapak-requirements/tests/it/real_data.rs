//! The pak files of the ComfyUI megapak for CUDA 13.0, copied into `<repo>/fixtures/real`.

use std::path::PathBuf;

use megapak_requirements::{RequirementsFile, merge, read_requirements_file};

fn pak_dir() -> PathBuf {
    // The crate is `<repo>/crates/megapak-requirements`.
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/real/comfyui-megapak-cu130")
}

fn read_paks() -> Vec<RequirementsFile> {
    ["pak2.txt", "pak3.txt", "pak5.txt", "pak7.txt"]
        .iter()
        .map(|name| {
            read_requirements_file(&pak_dir().join(name)).unwrap_or_else(|error| panic!("{error}"))
        })
        .collect()
}

#[test]
fn reads_every_pak_file() {
    let files = read_paks();
    let counts: Vec<usize> = files.iter().map(|file| file.entries.len()).collect();
    assert_eq!(counts, [7, 27, 99, 9]);
    assert_eq!(counts.iter().sum::<usize>(), 142);
    for file in &files {
        assert!(file.constraints.is_empty() && file.includes.is_empty());
        assert_eq!(file.index, Default::default());
    }
    let imageio = &files[1].entries[1];
    assert_eq!(imageio.raw, "imageio[ffmpeg,pyav]");
    assert_eq!(imageio.location.line, 3);
    assert!(imageio.location.file.ends_with("pak3.txt"));
}

#[test]
fn merges_into_136_registry_packages_and_6_vcs_checkouts() {
    let set = merge(&read_paks()).unwrap();
    assert_eq!(set.packages.len(), 142);
    assert_eq!(set.registry_packages().count(), 136);
    assert_eq!(set.vcs_or_url_packages().count(), 6);

    let registry: Vec<&str> = set.registry_packages().map(|p| p.name.as_str()).collect();
    insta::assert_snapshot!("registry_names", registry.join("\n"));

    let vcs: Vec<String> = set
        .vcs_or_url_packages()
        .map(|p| format!("{} {} ({})", p.name, p.source, p.locations[0].line))
        .collect();
    insta::assert_snapshot!(vcs.join("\n"), @r"
    clip git+https://github.com/openai/CLIP.git (4)
    cozy-comfy git+https://github.com/cozy-comfyui/cozy_comfy@main (6)
    cozy-comfyui git+https://github.com/cozy-comfyui/cozy_comfyui@main (5)
    cstr git+https://github.com/ltdrdata/cstr.git (7)
    ffmpy git+https://github.com/ltdrdata/ffmpy.git (8)
    img2texture git+https://github.com/ltdrdata/img2texture.git (9)
    ");
}

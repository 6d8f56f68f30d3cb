//! Markers judged for the target, and extras as packages of their own.

use megapak_solve::{FixtureProvider, Provider};

use crate::helpers::{run, table};

#[test]
fn dependency_markers_are_judged_for_the_target() {
    let pypi = FixtureProvider::new("pypi")
        .with(
            "app",
            "1.0",
            &[
                "tomli; python_version < \"3.11\"",
                "typing-extensions>=4; python_version >= \"3.13\"",
                "pywin32; sys_platform == \"win32\"",
                "nvidia-nccl-cu13; platform_machine == \"x86_64\" and sys_platform == \"linux\"",
                "appnope; sys_platform == \"darwin\"",
            ],
        )
        .with("typing-extensions", "4.15.0", &[])
        .with("nvidia-nccl-cu13", "2.28.3", &[]);
    let providers: [&dyn Provider; 1] = [&pypi];
    let resolution = run("app\n", &providers).unwrap();
    insta::assert_snapshot!(table(&resolution), @r"
    app 1.0 pypi -> nvidia-nccl-cu13 typing-extensions @ paks/pak5.txt:1:1
    nvidia-nccl-cu13 2.28.3 pypi <- app
    typing-extensions 4.15.0 pypi <- app
    ");
}

#[test]
fn an_extra_brings_what_it_adds_and_nothing_without_it() {
    let pypi = FixtureProvider::new("pypi")
        .with(
            "imageio",
            "2.37.0",
            &[
                "numpy",
                "imageio-ffmpeg; extra == \"ffmpeg\"",
                "av; extra == \"pyav\"",
                "tifffile; extra == \"tifffile\"",
            ],
        )
        .with("numpy", "2.3.4", &[])
        .with("imageio-ffmpeg", "0.6.0", &[])
        .with("av", "15.1.0", &[])
        .with("tifffile", "2025.10.4", &[]);
    let providers: [&dyn Provider; 1] = [&pypi];
    let resolution = run("imageio[ffmpeg,pyav]\n", &providers).unwrap();
    insta::assert_snapshot!(table(&resolution), @r"
    av 15.1.0 pypi <- imageio
    imageio 2.37.0 pypi [ffmpeg,pyav] -> av imageio-ffmpeg numpy @ paks/pak5.txt:1:1
    imageio-ffmpeg 0.6.0 pypi <- imageio
    numpy 2.3.4 pypi <- imageio
    ");
}

#[test]
fn extras_asked_by_different_parents_share_one_version() {
    let pypi = FixtureProvider::new("pypi")
        .with("a", "1.0", &["lib[x]>=1"])
        .with("b", "1.0", &["lib[y]<2"])
        .with("lib", "1.5", &["xdep; extra == 'x'", "ydep; extra == 'y'"])
        .with("lib", "2.0", &["xdep; extra == 'x'", "ydep; extra == 'y'"])
        .with("xdep", "1.0", &[])
        .with("ydep", "1.0", &[]);
    let providers: [&dyn Provider; 1] = [&pypi];
    let resolution = run("a\nb\n", &providers).unwrap();
    insta::assert_snapshot!(table(&resolution), @r"
a 1.0 pypi -> lib @ paks/pak5.txt:1:1
b 1.0 pypi -> lib @ paks/pak5.txt:2:1
lib 1.5 pypi [x,y] -> xdep ydep <- a b
xdep 1.0 pypi <- lib
ydep 1.0 pypi <- lib
");
}

#[test]
fn pak_entries_whose_markers_do_not_hold_are_not_solved_for() {
    let pypi = FixtureProvider::new("pypi").with("numpy", "2.3.4", &[]);
    let providers: [&dyn Provider; 1] = [&pypi];
    let resolution = run(
        "numpy\npywin32 ; sys_platform == \"win32\"\nold ; python_version < \"3.10\"\n",
        &providers,
    )
    .unwrap();
    insta::assert_snapshot!(table(&resolution), @"numpy 2.3.4 pypi @ paks/pak5.txt:1:1");
}

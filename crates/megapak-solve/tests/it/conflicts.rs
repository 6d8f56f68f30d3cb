//! Conflicts and their explanations; cycles.

use megapak_solve::{FixtureProvider, Provider};

use crate::helpers::{report, run, table};

#[test]
fn a_nixpkgs_closure_that_clashes_with_a_pypi_pin_is_explained_in_words() {
    // The issue's example: nixpkgs' opencv4 brings numpy 2.3.4, insightface needs numpy<2.
    let nixpkgs = FixtureProvider::new("nixpkgs")
        .with("opencv-python", "4.12.0", &["numpy==2.3.4"])
        .with("numpy", "2.3.4", &[]);
    let pypi = FixtureProvider::new("pypi")
        .with("insightface", "0.7.3", &["numpy<2", "onnx"])
        .with("onnx", "1.19.0", &[])
        .with("numpy", "1.26.4", &[])
        .with("numpy", "2.3.4", &[]);
    let providers: [&dyn Provider; 2] = [&nixpkgs, &pypi];
    let error = run("insightface==0.7.3\nopencv-python\n", &providers).unwrap_err();
    insta::assert_snapshot!(report(&error));
}

#[test]
fn a_conflict_deep_in_the_graph_names_the_chain() {
    let pypi = FixtureProvider::new("pypi")
        .with("a", "1.0", &["b>=1"])
        .with("b", "1.0", &["c<2"])
        .with("b", "1.1", &["c<2"])
        .with("c", "1.0", &[])
        .with("c", "2.0", &[])
        .with("d", "1.0", &["c>=2"]);
    let providers: [&dyn Provider; 1] = [&pypi];
    let error = run("a\nd\n", &providers).unwrap_err();
    insta::assert_snapshot!(report(&error));
}

#[test]
fn a_package_no_resolver_has_is_named_with_each_resolvers_reason() {
    let nixpkgs = FixtureProvider::new("nixpkgs").with("numpy", "2.3.4", &[]);
    let pypi = FixtureProvider::new("pypi").with("numpy", "2.3.4", &[]);
    let providers: [&dyn Provider; 2] = [&nixpkgs, &pypi];
    let error = run("numpy<2\ndecord\n", &providers).unwrap_err();
    insta::assert_snapshot!(report(&error));
}

#[test]
fn dependency_cycles_resolve() {
    let pypi = FixtureProvider::new("pypi")
        .with("sphinx", "8.2.3", &["sphinxcontrib-jquery"])
        .with("sphinxcontrib-jquery", "4.1", &["sphinx>=1.8"])
        .with(
            "self-loop",
            "1.0",
            &["self-loop", "self-loop[x]; extra == 'never'"],
        )
        .with(
            "extras-loop",
            "1.0",
            &[
                "extras-loop[b]; extra == 'a'",
                "extras-loop[a]; extra == 'b'",
                "extras-loop[a]; extra == 'a'",
            ],
        );
    let providers: [&dyn Provider; 1] = [&pypi];
    let resolution = run("sphinx\nself-loop\nextras-loop[a]\n", &providers).unwrap();
    insta::assert_snapshot!(table(&resolution), @r"
    extras-loop 1.0 pypi [a,b] @ paks/pak5.txt:3:1
    self-loop 1.0 pypi @ paks/pak5.txt:2:1
    sphinx 8.2.3 pypi -> sphinxcontrib-jquery <- sphinxcontrib-jquery @ paks/pak5.txt:1:1
    sphinxcontrib-jquery 4.1 pypi -> sphinx <- sphinx
    ");
}

#[test]
fn the_same_input_gives_the_same_resolution() {
    let make = || {
        FixtureProvider::new("pypi")
            .with("a", "1.0", &["b", "c", "d>=1"])
            .with("b", "1.0", &["d<3"])
            .with("b", "2.0", &["d<2"])
            .with("c", "1.0", &["e"])
            .with("d", "1.5", &[])
            .with("d", "2.5", &[])
            .with("e", "3.0", &["a"])
    };
    let (first, second) = (make(), make());
    let one = run("a\n", &[&first as &dyn Provider]).unwrap();
    let two = run("a\n", &[&second as &dyn Provider]).unwrap();
    assert_eq!(one, two);
    assert_eq!(first.calls(), second.calls());
    insta::assert_snapshot!(table(&one), @r"
    a 1.0 pypi -> b c d <- e @ paks/pak5.txt:1:1
    b 2.0 pypi -> d <- a
    c 1.0 pypi -> e <- a
    d 1.5 pypi <- a b
    e 3.0 pypi -> a <- c
    ");
}

#[test]
fn a_long_chain_keeps_its_beginning_and_its_end() {
    let mut pypi = FixtureProvider::new("pypi").with("x", "1.0", &[]);
    for link in 0..40 {
        let next = format!("link{}==1.0", link + 1);
        let needs: &[&str] = if link == 39 { &["x<1"] } else { &[&next] };
        pypi = pypi.with(&format!("link{link}"), "1.0", needs);
    }
    let providers: [&dyn Provider; 1] = [&pypi];
    let error = run("link0\nx>=1\n", &providers).unwrap_err();
    insta::assert_snapshot!(report(&error));
}

#[test]
fn entries_merged_from_several_lines_are_named_together() {
    let pypi = FixtureProvider::new("pypi")
        .with("numpy", "1.26.4", &[])
        .with("numpy", "2.3.4", &[]);
    let providers: [&dyn Provider; 1] = [&pypi];
    let error = run("numpy<2\nnumpy>=1.27\n", &providers).unwrap_err();
    insta::assert_snapshot!(report(&error), @r#"
    No set of versions satisfies the pak files:
      `paks/pak5.txt:1`, `paks/pak5.txt:2` ask for `numpy>=1.27,<2`, which no resolver has (pypi has 2.3.4, 1.26.4)
      so no set of versions satisfies all of them
    hint: Pin a version or a resolver of `numpy` with an `[[override]]` in megapak.toml (`version = "..."`, `provider = "..."`, or `attr = "..."` for another nixpkgs attribute)
    hint: Let a later resolver of `[resolvers] order` supply it, or build a custom wheel for the `custom-wheel` resolver
    "#);
}

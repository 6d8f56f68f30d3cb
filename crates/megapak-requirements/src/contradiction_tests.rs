//! Entries no version satisfies together: pins, ranges, several entries, markers.

use super::*;

#[test]
fn contradictory_pins_name_both_places() {
    insta::assert_snapshot!(
        message(&[("pak2.txt", "\ntorch==2.10.0\n"), ("pak5.txt", "x\ny\nTorch == 2.11.0\n")]),
        @r"
    No version of `torch` satisfies both `torch==2.10.0` at pak2.txt:2:1 and `Torch == 2.11.0` at pak5.txt:3:1
    hint: Remove or change one of the two lines
    "
    );
    insta::assert_snapshot!(
        message(&[("a.txt", "torch>=2.11\n"), ("b.txt", "torch==2.10.0\n")]),
        @r"
    No version of `torch` satisfies both `torch>=2.11` at a.txt:1:1 and `torch==2.10.0` at b.txt:1:1
    hint: Remove or change one of the two lines
    "
    );
    insta::assert_snapshot!(
        message(&[("a.txt", "x==1 ; python_version < '3.12'\nx==2 ; python_version >= '3.12'\n")]),
        @r"
    No version of `x` satisfies both `x==1 ; python_version < '3.12'` at a.txt:1:1 and `x==2 ; python_version >= '3.12'` at a.txt:2:1
    hint: The two markers never hold together: merge for one target environment so markers are evaluated first
    "
    );
    insta::assert_snapshot!(
        message(&[("a.txt", "x\nx==1,!=1.0\n")]),
        @"a.txt:2:1: No version of `x` satisfies `x==1,!=1.0`"
    );
}

#[test]
fn compatible_pins_merge() {
    for text in [
        "torch==2.10.0\ntorch==2.10\ntorch>=2.9\ntorch!=2.9.1\ntorch==2.10.*\n",
        "torch==2.10.0\ntorch==2.10.0+cu130\n",
        "torch==2.10.0+cu130\ntorch==2.10.0\n",
        "torch===2.10.0\ntorch==2.10.0\n",
        "torch>=2.9\ntorch<2.11\ntorch!=2.10.*\n",
        "torch>=2.9\ntorch<2.11\ntorch!=2.10.*\ntorch>=2.9\n",
        "torch>=2.0rc1\ntorch<=2.0\n",
        // `===` compares the text: `1.0.0` is tried although `1.0` was.
        "torch==1.0\ntorch===1.0.0\n",
        // `<V` and `>V` of a post-release: `1.0`, `1.0.post2` and `1.0.post2.dev0` fit.
        "torch>=1.0\ntorch<1.0.post1\n",
        "torch>=1.0.post1,<1.0.post3\n",
        "torch>1.0.post1\ntorch<=1.0.post2.dev0\n",
    ] {
        merged(&[("a.txt", text)]).unwrap_or_else(|error| panic!("{text}: {error}"));
    }
    for text in [
        "torch==2.10.0\ntorch==2.10.0+cu130\ntorch==2.10.0+cu129\n",
        "torch==2.10.0+cu130\ntorch==2.10.0+cu129\n",
        "torch==1\ntorch==2\ntorch==3\ntorch==4\ntorch==5\ntorch==6\ntorch==7\ntorch==8\ntorch==9\ntorch==10\n",
        "torch~=2.9.0\ntorch==2.10.0\n",
        "torch==1.0\ntorch===1.0.0\ntorch===1.0\n",
    ] {
        assert!(
            matches!(
                merged(&[("a.txt", text)]),
                Err(MergeError::ContradictoryVersions { .. })
            ),
            "{text}"
        );
    }
}

#[test]
fn contradictory_ranges_name_both_places() {
    insta::assert_snapshot!(
        message(&[("a.txt", "torch>=2\n"), ("b.txt", "numpy\ntorch<1\n")]),
        @"
    No version of `torch` satisfies both `torch>=2` at a.txt:1:1 and `torch<1` at b.txt:2:1
    hint: Remove or change one of the two lines
    "
    );
    insta::assert_snapshot!(
        message(&[("a.txt", "torch~=2.9.0\ntorch>=2.10\n")]),
        @"
    No version of `torch` satisfies both `torch~=2.9.0` at a.txt:1:1 and `torch>=2.10` at a.txt:2:1
    hint: Remove or change one of the two lines
    "
    );
    // PEP 440: `<2.0` leaves out the pre-releases of 2.0, `>1.0` the post-releases of 1.0.
    insta::assert_snapshot!(
        message(&[("a.txt", "x>=2.0rc1\nx<2.0\n")]),
        @"
    No version of `x` satisfies both `x>=2.0rc1` at a.txt:1:1 and `x<2.0` at a.txt:2:1
    hint: Remove or change one of the two lines
    "
    );
    insta::assert_snapshot!(
        message(&[("a.txt", "x>1.0\nx<=1.0.post1\n")]),
        @"
    No version of `x` satisfies both `x>1.0` at a.txt:1:1 and `x<=1.0.post1` at a.txt:2:1
    hint: Remove or change one of the two lines
    "
    );
    insta::assert_snapshot!(
        message(&[("a.txt", "x\nx>=2,<1\n")]),
        @"a.txt:2:1: No version of `x` satisfies `x>=2,<1`"
    );
}

#[test]
fn several_entries_can_contradict_when_any_two_agree() {
    insta::assert_snapshot!(
        message(&[("a.txt", "x>=1,<3\ny\nx!=1.*\nx>=0.5\nx!=2.*\n")]),
        @"
    No version of `x` satisfies all of `x>=1,<3` at a.txt:1:1, `x!=1.*` at a.txt:3:1 and `x!=2.*` at a.txt:5:1
    hint: Remove or change one of these lines
    "
    );
    // Each of 20 entries is needed: the message names 8 and counts the rest.
    let text: String = std::iter::once("x>=1,<=20\n".to_string())
        .chain((1..=20).map(|major| format!("x!={major}.*\n")))
        .collect();
    insta::assert_snapshot!(message(&[("a.txt", &text)]), @"
    No version of `x` satisfies all of `x>=1,<=20` at a.txt:1:1, `x!=1.*` at a.txt:2:1, `x!=2.*` at a.txt:3:1, `x!=3.*` at a.txt:4:1, `x!=4.*` at a.txt:5:1, `x!=5.*` at a.txt:6:1, `x!=6.*` at a.txt:7:1, `x!=7.*` at a.txt:8:1 and 13 more entries
    hint: Remove or change one of these lines
    ");
}

#[test]
fn ranges_behind_markers_that_never_meet() {
    let text = "x<2 ; python_version < '3.12'\nx>=2 ; python_version >= '3.12'\n";
    insta::assert_snapshot!(message(&[("a.txt", text)]), @"
    No version of `x` satisfies both `x<2 ; python_version < '3.12'` at a.txt:1:1 and `x>=2 ; python_version >= '3.12'` at a.txt:2:1
    hint: The two markers never hold together: merge for one target environment so markers are evaluated first
    ");
    let files = [file("a.txt", text)];
    let set = merge_for_environment(&files, &linux_py312()).unwrap();
    assert_eq!(
        set.packages[&"x".parse().unwrap()].specifiers.to_string(),
        ">=2"
    );
}

#[test]
fn a_constraint_can_contradict_a_range() {
    let mut loader = MemoryLoader::new();
    loader.insert("c.txt", "numpy<2\n");
    let with_constraints =
        parse_requirements_str_with("-c c.txt\nnumpy>=2.1\n", Path::new("a.txt"), &mut loader)
            .unwrap();
    insta::assert_snapshot!(merge(&[with_constraints]).unwrap_err(), @"No version of `numpy` satisfies both `numpy>=2.1` at a.txt:2:1 and `numpy<2` at c.txt:1:1");
}

#[test]
fn many_distinct_ranges_stay_linear() {
    // 100,000 different holes: past 256 distinct sets the question is left to the resolver.
    let text: String = (0..100_000).map(|i| format!("x!=1.{i}\n")).collect();
    merged(&[("a.txt", &text)]).unwrap();
    // One line of 100,000 holes, the same.
    let text = format!(
        "x{}\n",
        (0..100_000)
            .map(|i| format!("!=1.{i}"))
            .collect::<Vec<_>>()
            .join(",")
    );
    merged(&[("a.txt", &text)]).unwrap();
    // The same range many times is one set.
    let text = "x>=1,<2\n".repeat(99_999) + "x>=2\n";
    assert!(matches!(
        merged(&[("a.txt", &text)]),
        Err(MergeError::ContradictoryVersions { .. })
    ));
}

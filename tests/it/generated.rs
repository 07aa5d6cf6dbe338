//! The committed completions and man page match what the code generates.

use crate::support::TestContext;

#[test]
fn completions_and_man_page_are_fresh() {
    let ctx = TestContext::new();
    let out_dir = ctx.root.path().join("gen");
    let out = ctx.cmd().arg("generate").arg(&out_dir).output().unwrap();
    assert!(out.status.success());
    let repo = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut checked = 0;
    for sub in ["completions", "man"] {
        for entry in std::fs::read_dir(out_dir.join(sub)).unwrap() {
            let entry = entry.unwrap();
            let committed = repo.join(sub).join(entry.file_name());
            let fresh = std::fs::read(entry.path()).unwrap();
            let old = std::fs::read(&committed).unwrap_or_default();
            assert!(
                fresh == old,
                "{} is stale: run `cargo run -- generate .` and commit the result",
                committed.display()
            );
            checked += 1;
        }
    }
    assert_eq!(checked, 6);

    let out = ctx.cmd().args(["completions", "bash"]).output().unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("complete -F _copilot__api"));
}

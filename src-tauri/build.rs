//! Build script of the desktop app: checks that the front end was built, then lets
//! tauri-build embed it, read the command permissions and check tauri.conf.json.

use std::path::Path;

/// The permissions of Concord's own commands, one per command (kept under src-tauri/ rather
/// than tauri-build's default `permissions/` at the repository's top level).
const PERMISSIONS: &str = "src-tauri/permissions/*.toml";

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dist = root.join("ui/dist");
    println!("cargo:rerun-if-changed={}", dist.display());
    println!(
        "cargo:rerun-if-changed={}",
        root.join("src-tauri/permissions").display()
    );
    if !dist.join("index.html").is_file() {
        // The desktop binary embeds ui/dist; without it there would be nothing to show.
        panic!(
            "the front end is not built ({} has no index.html): run `npm ci` and \
             `npm run build --workspace ui` at the repository root, or `.ci/app`",
            dist.display()
        );
    }

    let manifest = tauri_build::AppManifest::new().permissions_path_pattern(PERMISSIONS);
    tauri_build::try_build(tauri_build::Attributes::new().app_manifest(manifest))
        .expect("tauri.conf.json, the icons and the permissions must be valid");
}

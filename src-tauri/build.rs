//! Build script of the desktop app: checks that the front end was built, then lets
//! tauri-build embed it, generate the per-command permissions and check tauri.conf.json.

use std::path::Path;

/// Commands the UI may call. Each gets an `allow-<name>` permission that the main window's
/// capability in tauri.conf.json must grant; a command missing here cannot be invoked.
const COMMANDS: &[&str] = &["app_status", "lookup", "show"];

fn main() {
    let dist = Path::new(env!("CARGO_MANIFEST_DIR")).join("ui/dist");
    println!("cargo:rerun-if-changed={}", dist.display());
    if !dist.join("index.html").is_file() {
        // The desktop binary embeds ui/dist; without it there would be nothing to show.
        panic!(
            "the front end is not built ({} has no index.html): run `npm ci` and \
             `npm run build --workspace ui` at the repository root, or `.ci/app`",
            dist.display()
        );
    }

    let manifest = tauri_build::AppManifest::new().commands(COMMANDS);
    tauri_build::try_build(tauri_build::Attributes::new().app_manifest(manifest))
        .expect("tauri.conf.json, the icons and the capabilities must be valid");
}

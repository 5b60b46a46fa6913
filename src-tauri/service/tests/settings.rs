//! The Settings screen through the service: adding, testing and removing systems with the
//! role's permission, and the cache's location and size.

use concord_sandbox::{FaultSpec, Sandbox, SandboxOptions};
use concord_service::config::SystemKind;
use concord_service::secrets::SecretStorage;
use concord_service::settings::NewSystem;
use concord_service::{ErrorCode, Paths, Service};

/// A sandbox on a runtime of its own, alive as long as the returned runtime.
fn sandbox() -> (tokio::runtime::Runtime, Sandbox) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let sandbox = runtime
        .block_on(Sandbox::start(SandboxOptions {
            customers: 5,
            seed: 3,
            faults: FaultSpec::none(),
        }))
        .unwrap();
    (runtime, sandbox)
}

fn open(dir: &std::path::Path, settings: &str) -> Service {
    std::fs::write(dir.join("config.toml"), settings).unwrap();
    Service::open(Paths::in_data_dir(dir)).unwrap()
}

const SUPERVISOR: &str = "# the night shift\n[user]\nname = \"Dana\"\nrole = \"supervisor\"\n";

fn erp(sandbox: &Sandbox) -> (NewSystem, String) {
    let t = sandbox.tryton();
    (
        NewSystem {
            kind: SystemKind::Tryton,
            name: "erp".into(),
            url: t.url,
            database: Some(t.database),
            login: t.login,
        },
        t.password,
    )
}

#[test]
fn a_supervisor_adds_tests_and_removes_a_system() {
    std::env::set_var("CONCORD_SECRETS", "file");
    let (_runtime, sandbox) = sandbox();
    let dir = tempfile::tempdir().unwrap();
    let service = open(dir.path(), SUPERVISOR);
    let (system, password) = erp(&sandbox);

    let added = service.add_system(system, &password).unwrap();

    assert_eq!(added.systems.len(), 1);
    assert_eq!(added.systems[0].name, "erp");
    assert!(
        matches!(added.systems[0].secret, SecretStorage::File { .. }),
        "{:?}",
        added.systems[0].secret
    );
    assert!(
        added.restart_needed,
        "the running sync still has the systems it started with"
    );

    let tested = service.test_connection("erp").unwrap();
    assert!(tested.ok, "{}", tested.message);

    let removed = service.remove_system("erp").unwrap();

    assert!(removed.systems.is_empty());
    assert!(!removed.restart_needed, "back to what the sync runs with");
    let text = std::fs::read_to_string(dir.path().join("config.toml")).unwrap();
    assert_eq!(text, SUPERVISOR, "the file is as the person wrote it");
    let secrets = std::fs::read_to_string(dir.path().join("secrets.toml")).unwrap();
    assert!(!secrets.contains(&password), "the password is forgotten");
}

#[test]
fn a_wrong_password_is_a_failed_test_with_the_reason() {
    std::env::set_var("CONCORD_SECRETS", "file");
    let (_runtime, sandbox) = sandbox();
    let dir = tempfile::tempdir().unwrap();
    let service = open(dir.path(), SUPERVISOR);
    let (system, password) = erp(&sandbox);
    service.add_system(system, &password).unwrap();
    // The password changed in the ERP since it was added.
    std::fs::write(
        dir.path().join("secrets.toml"),
        "erp = \"not the password\"\n",
    )
    .unwrap();

    let tested = service.test_connection("erp").unwrap();

    assert!(!tested.ok);
    assert!(
        tested.message.contains("refused the credentials"),
        "classified as a refused login: {}",
        tested.message
    );
    assert!(
        !tested.message.contains("not the password"),
        "never quotes the password: {}",
        tested.message
    );
}

#[test]
fn a_failed_login_adds_nothing() {
    std::env::set_var("CONCORD_SECRETS", "file");
    let (_runtime, sandbox) = sandbox();
    let dir = tempfile::tempdir().unwrap();
    let service = open(dir.path(), SUPERVISOR);
    let (system, _) = erp(&sandbox);

    let err = service.add_system(system, "wrong").unwrap_err();

    assert_eq!(err.code, ErrorCode::InvalidInput, "{}", err.message);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("config.toml")).unwrap(),
        SUPERVISOR
    );
    assert!(service.settings().unwrap().systems.is_empty());
}

#[test]
fn a_rep_may_test_but_not_add_or_remove() {
    std::env::set_var("CONCORD_SECRETS", "file");
    let dir = tempfile::tempdir().unwrap();
    let text = "[user]\nname = \"Sam\"\nrole = \"rep\"\n\n[[systems]]\nname = \"erp\"\n\
                kind = \"tryton\"\nurl = \"http://127.0.0.1:9/\"\ndatabase = \"shop\"\n\
                login = \"admin\"\n";
    let service = open(dir.path(), text);
    let system = NewSystem {
        kind: SystemKind::Vendure,
        name: "web store".into(),
        url: "http://127.0.0.1:9/admin-api".into(),
        database: None,
        login: "superadmin".into(),
    };

    let add = service.add_system(system, "pw").unwrap_err();
    let remove = service.remove_system("erp").unwrap_err();
    let tested = service.test_connection("erp").unwrap();

    assert_eq!(add.code, ErrorCode::Forbidden);
    assert_eq!(remove.code, ErrorCode::Forbidden);
    assert!(remove.message.contains("supervisor"), "{}", remove.message);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("config.toml")).unwrap(),
        text,
        "a refusal changes nothing"
    );
    assert!(!tested.ok, "no password was ever stored");
    assert!(tested.message.contains("no password"), "{}", tested.message);
    assert!(!service.settings().unwrap().can_manage_systems);
}

#[test]
fn the_cache_size_counts_the_database_and_its_log() {
    let dir = tempfile::tempdir().unwrap();
    let service = open(dir.path(), SUPERVISOR);

    let info = service.cache_info().unwrap();

    let on_disk: u64 = ["cache.sqlite", "cache.sqlite-wal", "cache.sqlite-shm"]
        .iter()
        .filter_map(|f| std::fs::metadata(dir.path().join(f)).ok())
        .map(|m| m.len())
        .sum();
    assert_eq!(
        info.path,
        dir.path().join("cache.sqlite").display().to_string()
    );
    assert!(info.bytes > 0, "an opened cache has its tables");
    assert_eq!(
        info.bytes, on_disk,
        "the database with its -wal and -shm files"
    );
    let main_file = std::fs::metadata(dir.path().join("cache.sqlite"))
        .unwrap()
        .len();
    assert!(
        dir.path().join("cache.sqlite-shm").exists() && info.bytes > main_file,
        "an open cache in WAL mode has its -shm file, and it is counted"
    );
}

/// The real Tryton and Vendure of `tests/systems/up`, as config.toml lines and passwords.
fn real_systems() -> Option<(String, String, String)> {
    let get = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let (
        Some(t_url),
        Some(t_db),
        Some(t_user),
        Some(t_password),
        Some(v_url),
        Some(v_user),
        Some(v_password),
    ) = (
        get("CONCORD_TEST_TRYTON_URL"),
        get("CONCORD_TEST_TRYTON_DB"),
        get("CONCORD_TEST_TRYTON_USER"),
        get("CONCORD_TEST_TRYTON_PASSWORD"),
        get("CONCORD_TEST_VENDURE_URL"),
        get("CONCORD_TEST_VENDURE_USER"),
        get("CONCORD_TEST_VENDURE_PASSWORD"),
    )
    else {
        if std::env::var("CONCORD_SKIP_REAL_SYSTEMS").is_ok_and(|v| v == "1") {
            return None;
        }
        panic!("this test needs the real systems: run `eval \"$(tests/systems/up)\"` first");
    };
    let config = format!(
        "{SUPERVISOR}\n[[systems]]\nname = \"erp\"\nkind = \"tryton\"\nurl = {t_url:?}\n\
         database = {t_db:?}\nlogin = {t_user:?}\n\n[[systems]]\nname = \"web store\"\n\
         kind = \"vendure\"\nurl = {v_url:?}\nlogin = {v_user:?}\n"
    );
    Some((config, t_password, v_password))
}

#[test]
fn testing_the_real_systems_logs_in_and_names_a_refused_password() {
    std::env::set_var("CONCORD_SECRETS", "file");
    let Some((config, tryton_password, vendure_password)) = real_systems() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let service = open(dir.path(), &config);
    let secrets = concord_service::secrets::Secrets::file_only(dir.path());
    secrets.store("erp", &tryton_password).unwrap();
    secrets.store("web store", &vendure_password).unwrap();

    let erp = service.test_connection("erp").unwrap();
    let shop = service.test_connection("web store").unwrap();

    assert!(erp.ok, "{}", erp.message);
    assert!(shop.ok, "{}", shop.message);

    secrets.store("erp", "not the password").unwrap();
    secrets.store("web store", "not the password").unwrap();
    for name in ["erp", "web store"] {
        let refused = service.test_connection(name).unwrap();
        assert!(!refused.ok, "{name}: {}", refused.message);
        assert!(
            refused.message.contains("refused the credentials"),
            "{name}: the reason says the login was refused: {}",
            refused.message
        );
    }
}

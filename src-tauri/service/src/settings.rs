//! The Settings screen: who is at the keyboard, the connected systems (add, test, remove) and
//! the local cache's location and size.
//!
//! The systems listed are those in `config.toml` as it is now, read again on every call: the
//! running sync keeps the systems it was opened with until the next start (see
//! [`Settings::restart_needed`]).
//!
//! TODO(settings-reload): pick up added and removed systems without a restart; the service
//! holds its settings as read at open and the sync reads them from there.
//!
//! Removing a system edits the settings file's text rather than writing the settings again,
//! so every other line the person wrote (comments, order, layout) stays as it was.

use std::path::Path;

use anyhow::Context as _;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::config::{Config, MappingConfig, Role, SystemConfig, SystemKind};
use crate::error::{Result, ServiceError};
use crate::roles::{self, Permission};
use crate::secrets::{SecretStorage, Secrets};
use crate::{systems, Service};

/// What the Settings screen shows.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Settings {
    pub user: String,
    pub role: Role,
    /// Whether this role may add and remove systems; anyone may test one.
    pub can_manage_systems: bool,
    /// The systems in `config.toml`; empty means Concord syncs from its embedded sandbox.
    pub systems: Vec<ConfiguredSystem>,
    /// The settings file the systems are kept in.
    pub config_file: String,
    /// The systems in the settings file differ from those the running sync was started with;
    /// they take effect when Concord starts again.
    pub restart_needed: bool,
    pub cache: CacheInfo,
}

/// One system of `config.toml`, without its password.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ConfiguredSystem {
    pub name: String,
    pub kind: SystemKind,
    pub url: String,
    pub database: Option<String>,
    pub login: String,
    pub secret: SecretStorage,
}

/// A system to add, as typed in the Settings form; the password travels beside it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct NewSystem {
    pub kind: SystemKind,
    pub name: String,
    pub url: String,
    /// Tryton's database; ignored for Vendure.
    pub database: Option<String>,
    pub login: String,
}

/// How logging in to a system went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ConnectionTest {
    pub name: String,
    pub ok: bool,
    /// What worked, or why it did not, in words the person can act on.
    pub message: String,
}

/// The local cache file and the room it takes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct CacheInfo {
    pub path: String,
    /// The database with its write-ahead log and shared-memory index (`-wal`, `-shm`).
    #[ts(type = "number")]
    pub bytes: u64,
}

impl Service {
    /// Everything the Settings screen shows, with the systems as the settings file has them now.
    pub fn settings(&self) -> Result<Settings> {
        let config = self.current_config()?;
        let secrets = Secrets::new(&self.paths().data_dir);
        let systems = config
            .systems
            .iter()
            .map(|s| ConfiguredSystem {
                name: s.name.clone(),
                kind: s.kind,
                url: s.url.clone(),
                database: s.database.clone(),
                login: s.login.clone(),
                secret: secrets
                    .load(&s.name)
                    .map(|(_, storage)| storage)
                    .unwrap_or(SecretStorage::Missing),
            })
            .collect();
        let user = &self.config().user;
        Ok(Settings {
            user: user.name.clone(),
            role: user.role,
            can_manage_systems: user.role.allows(Permission::ManageSystems),
            systems,
            config_file: self.paths().config_file().display().to_string(),
            restart_needed: config.systems != self.config().systems,
            cache: self.cache_info()?,
        })
    }

    /// Adds a system (supervisors only): logs in first, then keeps the password and appends
    /// the system to `config.toml`; nothing is written when the login fails.
    pub fn add_system(&self, system: NewSystem, password: &str) -> Result<Settings> {
        roles::require(self.config().user.role, Permission::ManageSystems)?;
        let system = system.validated()?;
        let config = self.current_config()?;
        // `connect` checks the settings the service was opened with; a system added since
        // then is only in the file.
        if let Some(same) = config
            .systems
            .iter()
            .find(|s| s.name.eq_ignore_ascii_case(&system.name) || s.kind == system.kind)
        {
            return Err(ServiceError::invalid_input(if same.kind == system.kind {
                format!(
                    "{:?} is already the {} system; the cache keeps one system of each kind",
                    same.name, system.kind
                )
            } else {
                format!("a system called {:?} is already connected", same.name)
            }));
        }
        self.connect(system, password)?;
        self.settings()
    }

    /// Logs in to a configured system with its stored password. A failed login is a result,
    /// not an error: the message says why, as the connector classified it.
    pub fn test_connection(&self, name: &str) -> Result<ConnectionTest> {
        let config = self.current_config()?;
        let system = find(&config, name)?;
        let tested = |ok: bool, message: String| ConnectionTest {
            name: system.name.clone(),
            ok,
            message,
        };
        let (password, _) = Secrets::new(&self.paths().data_dir)
            .load(&system.name)
            .context("reading the stored password")?;
        let Some(password) = password else {
            return Ok(tested(
                false,
                "no password is stored for it: remove it and add it again".to_owned(),
            ));
        };
        let connected = match systems::connect(system, &password) {
            Ok(connected) => connected,
            Err(err) => return Ok(tested(false, err.message)),
        };
        Ok(match self.run(systems::test_login(&connected.source))? {
            Ok(()) => tested(
                true,
                format!("logged in to {} as {}", system.url, system.login),
            ),
            Err(err) => tested(false, systems::connector_error(err).message),
        })
    }

    /// Removes a system (supervisors only): its `[[systems]]` table from `config.toml`, the
    /// rest of the file untouched, and its stored password. What was pulled from it stays in
    /// the cache.
    pub fn remove_system(&self, name: &str) -> Result<Settings> {
        roles::require(self.config().user.role, Permission::ManageSystems)?;
        let path = self.paths().config_file();
        let config = self.current_config()?;
        let system = find(&config, name)?.name.clone();
        remove_system_table(&path, &system)?;
        Secrets::new(&self.paths().data_dir)
            .remove(&system)
            .context("forgetting the system's password")?;
        tracing::info!("system removed");
        self.settings()
    }

    /// Where the cache is and how much room it takes.
    pub fn cache_info(&self) -> Result<CacheInfo> {
        let path = self.cache_path();
        let mut bytes = 0;
        for suffix in ["", "-wal", "-shm"] {
            let mut file = path.as_os_str().to_owned();
            file.push(suffix);
            match std::fs::metadata(&file) {
                Ok(meta) => bytes += meta.len(),
                // SQLite removes the -wal and -shm files when the last connection closes.
                Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
                Err(err) => {
                    return Err(anyhow::Error::new(err)
                        .context(format!(
                            "reading the size of {}",
                            Path::new(&file).display()
                        ))
                        .into())
                }
            }
        }
        Ok(CacheInfo {
            path: path.display().to_string(),
            bytes,
        })
    }

    fn current_config(&self) -> Result<Config> {
        Config::load(&self.paths().config_file())
    }
}

impl NewSystem {
    /// The system as config.toml keeps it, refusing what could not work.
    fn validated(self) -> Result<SystemConfig> {
        let name = self.name.trim();
        let url = self.url.trim();
        let login = self.login.trim();
        for (value, what) in [(name, "a name"), (url, "a URL"), (login, "a login")] {
            if value.is_empty() {
                return Err(ServiceError::invalid_input(format!(
                    "the system needs {what}"
                )));
            }
        }
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(ServiceError::invalid_input(format!(
                "the URL {url:?} must start with http:// or https://"
            )));
        }
        let database = match self.kind {
            SystemKind::Tryton => {
                let database = self.database.as_deref().map(str::trim).unwrap_or("");
                if database.is_empty() {
                    return Err(ServiceError::invalid_input(
                        "a Tryton system needs its database name",
                    ));
                }
                Some(database.to_owned())
            }
            SystemKind::Vendure => None,
        };
        Ok(SystemConfig {
            name: name.to_owned(),
            kind: self.kind,
            url: url.to_owned(),
            database,
            login: login.to_owned(),
            page_size: None,
            full_listing_hours: None,
            mapping: MappingConfig::default(),
        })
    }
}

fn find<'a>(config: &'a Config, name: &str) -> Result<&'a SystemConfig> {
    config
        .systems
        .iter()
        .find(|s| s.name == name)
        .ok_or_else(|| ServiceError::not_found(format!("no system called {name:?} is connected")))
}

/// Takes the `[[systems]]` table named `name` (with its `[systems.…]` sub-tables) out of the
/// settings file, leaving every other line as it was. The result is read back before it is
/// written: unless it holds exactly the same settings less that one system, the file is left
/// alone and the person is asked to edit it by hand.
pub(crate) fn remove_system_table(path: &Path, name: &str) -> Result<()> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading the settings file {}", path.display()))?;
    let by_hand = |why: &str| {
        ServiceError::invalid_input(format!(
            "{why}; remove the system {name:?} from {} by hand",
            path.display()
        ))
    };
    let before = Config::parse(&text).map_err(|_| by_hand("the settings file does not load"))?;
    let Some(index) = before.systems.iter().position(|s| s.name == name) else {
        return Err(ServiceError::not_found(format!(
            "no system called {name:?} is in {}",
            path.display()
        )));
    };

    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let headers: Vec<(usize, Header)> = lines
        .iter()
        .enumerate()
        .filter_map(|(i, line)| header(line).map(|h| (i, h)))
        .collect();
    let starts: Vec<usize> = headers
        .iter()
        .filter(|(_, h)| *h == Header::System)
        .map(|(i, _)| *i)
        .collect();
    let start = *starts
        .get(index)
        .ok_or_else(|| by_hand("its table is not written as [[systems]]"))?;
    // The table ends at the next header that is not one of its own sub-tables.
    let next = headers
        .iter()
        .find(|(i, h)| *i > start && *h != Header::SystemPart)
        .map_or(lines.len(), |(i, _)| *i);
    // Comment lines right above the next header describe that table: they stay.
    let mut end = next;
    while end > start + 1 && is_comment(lines[end - 1]) {
        end -= 1;
    }
    // The blank lines that separated the table from what follows stay too; the one before
    // it goes, so removing a table leaves no wider gap than there was.
    while end > start + 1 && lines[end - 1].trim().is_empty() {
        end -= 1;
    }
    let mut from = start;
    if from > 0 && lines[from - 1].trim().is_empty() {
        from -= 1;
    }
    let after: String = lines[..from].concat() + &lines[end..].concat();

    let mut expected = before.clone();
    expected.systems.remove(index);
    match Config::parse(&after) {
        Ok(read) if read == expected => {}
        _ => {
            return Err(by_hand(
                "the settings file is written in a form Concord cannot edit",
            ))
        }
    }
    std::fs::write(path, after)
        .with_context(|| format!("writing the settings file {}", path.display()))?;
    Ok(())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Header {
    /// `[[systems]]`
    System,
    /// `[systems.mapping]` and deeper: part of the system above.
    SystemPart,
    Other,
}

/// What table a line opens, if it is a table header.
fn header(line: &str) -> Option<Header> {
    let line = line.trim();
    let code = line.split('#').next().unwrap_or("").trim();
    if let Some(inner) = code.strip_prefix("[[").and_then(|c| c.strip_suffix("]]")) {
        let key = inner.trim();
        return Some(if key == "systems" {
            Header::System
        } else if is_systems_part(key) {
            Header::SystemPart
        } else {
            Header::Other
        });
    }
    let inner = code.strip_prefix('[')?.strip_suffix(']')?;
    Some(if is_systems_part(inner.trim()) {
        Header::SystemPart
    } else {
        Header::Other
    })
}

fn is_systems_part(key: &str) -> bool {
    key.strip_prefix("systems")
        .is_some_and(|rest| rest.trim_start().starts_with('.'))
}

fn is_comment(line: &str) -> bool {
    line.trim_start().starts_with('#')
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = "\
# Concord at the Lyon desk
[user]
name = \"Dana\" # the supervisor
role = \"supervisor\"

# the ERP
[[systems]]
name = \"erp\"
kind = \"tryton\"
url = \"http://127.0.0.1:8000/\"
database = \"shop\"
login = \"admin\"
# where the ERP keeps birthdays
[systems.mapping]
birth_date = \"birth_date\"

# the web store, since 2024
[[systems]]
name = \"web store\"
kind = \"vendure\"
url = \"http://127.0.0.1:3000/admin-api\"
login = \"superadmin\"
";

    fn written(name: &str) -> (tempfile::TempDir, std::path::PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(&path, FILE).unwrap();
        remove_system_table(&path, name).unwrap();
        (dir, path)
    }

    #[test]
    fn removing_the_first_system_keeps_every_other_line() {
        let (_dir, path) = written("erp");

        let after = std::fs::read_to_string(&path).unwrap();
        assert_eq!(
            after,
            "\
# Concord at the Lyon desk
[user]
name = \"Dana\" # the supervisor
role = \"supervisor\"

# the ERP

# the web store, since 2024
[[systems]]
name = \"web store\"
kind = \"vendure\"
url = \"http://127.0.0.1:3000/admin-api\"
login = \"superadmin\"
",
            "the table and its mapping go; the comments and the other tables stay"
        );
        let config = Config::load(&path).unwrap();
        assert_eq!(config.systems.len(), 1);
        assert_eq!(config.systems[0].name, "web store");
        assert_eq!(config.user.name, "Dana");
    }

    #[test]
    fn removing_the_last_system_keeps_the_first_with_its_mapping() {
        let (_dir, path) = written("web store");

        let after = std::fs::read_to_string(&path).unwrap();
        assert!(
            FILE.starts_with(&after),
            "everything above the removed table is as it was:\n{after}"
        );
        assert!(after.ends_with("# the web store, since 2024\n"), "{after}");
        let config = Config::load(&path).unwrap();
        assert_eq!(config.systems.len(), 1);
        assert_eq!(
            config.systems[0].mapping.birth_date.as_deref(),
            Some("birth_date")
        );
    }

    #[test]
    fn an_unknown_system_is_not_found_and_the_file_is_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(&path, FILE).unwrap();

        let err = remove_system_table(&path, "crm").unwrap_err();

        assert_eq!(err.code, crate::ErrorCode::NotFound);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), FILE);
    }

    #[test]
    fn systems_written_inline_are_left_for_the_person_to_edit() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        let text = "systems = [{ name = \"erp\", kind = \"tryton\", url = \"http://e/\", \
                    database = \"d\", login = \"l\" }]\n";
        std::fs::write(&path, text).unwrap();

        let err = remove_system_table(&path, "erp").unwrap_err();

        assert_eq!(err.code, crate::ErrorCode::InvalidInput);
        assert!(err.message.contains("by hand"), "{}", err.message);
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            text,
            "nothing lost"
        );
    }

    #[test]
    fn a_new_system_without_a_database_or_with_a_bad_url_is_refused() {
        let tryton = NewSystem {
            kind: SystemKind::Tryton,
            name: "erp".into(),
            url: "http://127.0.0.1:8000/".into(),
            database: Some("  ".into()),
            login: "admin".into(),
        };
        let bad_url = NewSystem {
            url: "erp.example.com".into(),
            database: Some("shop".into()),
            ..tryton.clone()
        };

        assert!(tryton.validated().unwrap_err().message.contains("database"));
        assert!(bad_url.validated().unwrap_err().message.contains("http://"));
    }
}

//! Passwords of the connected systems: in the OS keyring, or, where no keyring service runs,
//! in a file of the data folder that only its owner may read, and said so every time.
//!
//! On Linux the keyring is the Secret Service over D-Bus (GNOME Keyring, KWallet); a server
//! or a bare desktop session often has none. Concord then keeps the password in
//! `secrets.toml` beside the cache with permissions 0600. That is plain text on disk, so
//! `concord connect` and `concord status` name the file whenever it is used: never silently.
//! `CONCORD_SECRETS=file` chooses the file on purpose (machines whose keyring must not be
//! touched, tests).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use serde::Serialize;
use ts_rs::TS;

/// The variable that sends passwords to the file instead of the keyring.
pub const SECRETS_ENV: &str = "CONCORD_SECRETS";

/// The file used when no keyring service runs.
pub const SECRETS_FILE_NAME: &str = "secrets.toml";

const KEYRING_SERVICE: &str = "concord";

/// Where a system's password is kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(tag = "kind", rename_all = "camelCase")]
#[ts(export)]
pub enum SecretStorage {
    /// The OS keyring.
    Keyring,
    /// A file readable by its owner only, because no keyring service runs here.
    File { path: String },
    /// No password is stored for it.
    Missing,
}

impl SecretStorage {
    /// Words for the command line and the status.
    pub fn describe(&self) -> String {
        match self {
            SecretStorage::Keyring => "in the OS keyring".to_owned(),
            SecretStorage::File { path } => format!(
                "in the file {path} (plain text, readable by you only: no keyring service \
                 runs here)"
            ),
            SecretStorage::Missing => "not stored: run `concord connect`".to_owned(),
        }
    }
}

/// The passwords of one installation (one data folder).
#[derive(Debug, Clone)]
pub struct Secrets {
    data_dir: PathBuf,
    keyring_allowed: bool,
}

impl Secrets {
    pub fn new(data_dir: &Path) -> Self {
        let file_only = std::env::var(SECRETS_ENV).is_ok_and(|v| v == "file");
        Self {
            data_dir: data_dir.to_path_buf(),
            keyring_allowed: !file_only,
        }
    }

    /// Only the file, never the keyring (tests).
    pub fn file_only(data_dir: &Path) -> Self {
        Self {
            data_dir: data_dir.to_path_buf(),
            keyring_allowed: false,
        }
    }

    fn file(&self) -> PathBuf {
        self.data_dir.join(SECRETS_FILE_NAME)
    }

    /// The keyring entry of a system; the data folder is part of it so two installations on
    /// one machine never share a password by accident.
    fn entry(&self, system: &str) -> keyring::Result<keyring::Entry> {
        let user = format!("{system} ({})", self.data_dir.display());
        keyring::Entry::new(KEYRING_SERVICE, &user)
    }

    /// Keeps `password` for `system`: in the keyring when one answers (checked by reading it
    /// back), otherwise in the file. Says where.
    pub fn store(&self, system: &str, password: &str) -> anyhow::Result<SecretStorage> {
        if self.keyring_allowed {
            let stored = self.entry(system).and_then(|entry| {
                entry.set_password(password)?;
                entry.get_password()
            });
            match stored {
                Ok(read) if read == password => {
                    // A copy left in the file by an earlier fallback must not outlive it.
                    self.remove_from_file(system)?;
                    return Ok(SecretStorage::Keyring);
                }
                Ok(_) => tracing::warn!("the keyring gave back another password; using the file"),
                Err(err) => tracing::warn!(%err, "no keyring service; using the secrets file"),
            }
        }
        let mut all = self.read_file()?;
        all.insert(system.to_owned(), password.to_owned());
        self.write_file(&all)?;
        Ok(SecretStorage::File {
            path: self.file().display().to_string(),
        })
    }

    /// The password of `system` and where it was found.
    pub fn load(&self, system: &str) -> anyhow::Result<(Option<String>, SecretStorage)> {
        if self.keyring_allowed {
            if let Ok(password) = self.entry(system).and_then(|e| e.get_password()) {
                return Ok((Some(password), SecretStorage::Keyring));
            }
        }
        match self.read_file()?.remove(system) {
            Some(password) => Ok((
                Some(password),
                SecretStorage::File {
                    path: self.file().display().to_string(),
                },
            )),
            None => Ok((None, SecretStorage::Missing)),
        }
    }

    /// Forgets the password of `system` wherever it is kept: the keyring entry and any copy
    /// in the file. A password that was never stored is not an error.
    pub fn remove(&self, system: &str) -> anyhow::Result<()> {
        if self.keyring_allowed {
            match self
                .entry(system)
                .and_then(|entry| entry.delete_credential())
            {
                Ok(()) | Err(keyring::Error::NoEntry) => {}
                // Without a keyring service there is no entry to delete; the file is next.
                Err(err) => tracing::warn!(%err, "the keyring could not delete the password"),
            }
        }
        self.remove_from_file(system)
    }

    fn read_file(&self) -> anyhow::Result<BTreeMap<String, String>> {
        let path = self.file();
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(BTreeMap::new()),
            Err(err) => {
                return Err(err).with_context(|| format!("reading {}", path.display()));
            }
        };
        // Never quote the file in an error: it holds passwords.
        toml::from_str(&text)
            .map_err(|_| anyhow::anyhow!("{} is not a valid secrets file", path.display()))
    }

    fn remove_from_file(&self, system: &str) -> anyhow::Result<()> {
        let mut all = self.read_file()?;
        if all.remove(system).is_some() {
            self.write_file(&all)?;
        }
        Ok(())
    }

    /// Writes the whole file through a temporary one created with 0600, then renamed, so the
    /// passwords are never readable by others, not even for a moment.
    fn write_file(&self, all: &BTreeMap<String, String>) -> anyhow::Result<()> {
        use std::io::Write as _;

        std::fs::create_dir_all(&self.data_dir)
            .with_context(|| format!("creating {}", self.data_dir.display()))?;
        let path = self.file();
        let temporary = self.data_dir.join(format!("{SECRETS_FILE_NAME}.new"));
        let text = toml::to_string(all).context("writing the secrets as TOML")?;
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt as _;
            options.mode(0o600);
        }
        let mut file = options
            .open(&temporary)
            .with_context(|| format!("creating {}", temporary.display()))?;
        #[cfg(unix)]
        {
            // An older file of that name may have other permissions; `mode` applies on create.
            use std::os::unix::fs::PermissionsExt as _;
            file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
        }
        file.write_all(text.as_bytes())?;
        file.sync_all()?;
        std::fs::rename(&temporary, &path)
            .with_context(|| format!("replacing {}", path.display()))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_kept_in_the_file_reads_back_and_says_where() {
        let dir = tempfile::tempdir().unwrap();
        let secrets = Secrets::file_only(dir.path());

        let stored = secrets.store("erp", "s3cret").unwrap();
        let (password, storage) = secrets.load("erp").unwrap();

        assert_eq!(password.as_deref(), Some("s3cret"));
        assert_eq!(stored, storage, "load says where store put it");
        assert!(
            storage.describe().contains("plain text"),
            "a file is never used silently: {}",
            storage.describe()
        );
    }

    #[cfg(unix)]
    #[test]
    fn the_secrets_file_is_readable_by_its_owner_only() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        let secrets = Secrets::file_only(dir.path());

        secrets.store("erp", "s3cret").unwrap();
        secrets.store("shop", "other").unwrap();

        let mode = std::fs::metadata(dir.path().join(SECRETS_FILE_NAME))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "nobody else may read passwords");
        assert_eq!(
            secrets.load("erp").unwrap().0.as_deref(),
            Some("s3cret"),
            "storing a second password keeps the first"
        );
    }

    #[test]
    fn a_removed_password_is_gone_and_the_others_stay() {
        let dir = tempfile::tempdir().unwrap();
        let secrets = Secrets::file_only(dir.path());
        secrets.store("erp", "s3cret").unwrap();
        secrets.store("shop", "other").unwrap();

        secrets.remove("erp").unwrap();

        assert_eq!(secrets.load("erp").unwrap().1, SecretStorage::Missing);
        assert_eq!(secrets.load("shop").unwrap().0.as_deref(), Some("other"));
        secrets.remove("erp").expect("removing twice is harmless");
    }

    #[test]
    fn a_system_without_a_password_is_reported_missing() {
        let dir = tempfile::tempdir().unwrap();

        let (password, storage) = Secrets::file_only(dir.path()).load("erp").unwrap();

        assert_eq!(password, None);
        assert_eq!(storage, SecretStorage::Missing);
    }
}

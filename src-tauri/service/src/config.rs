//! Where Concord keeps its files, and the settings file a person edits.
//!
//! By default the platform's folders are used (XDG on Linux: data in `~/.local/share/concord`,
//! settings in `~/.config/concord`, logs in `~/.local/state/concord/logs`). A data folder given
//! with `--data-dir` or the `CONCORD_DATA_DIR` variable holds everything instead: settings and
//! logs live inside it, so a test or a second setup never touches the person's own files.
//!
//! Reading settings must never rewrite or delete a file the person wrote: a file that cannot
//! be read is reported with its path and left as it is.

use std::fmt;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::error::{Result, ServiceError};

/// The variable that names the data folder when no `--data-dir` is given.
pub const DATA_DIR_ENV: &str = "CONCORD_DATA_DIR";

/// The settings file's name, in the config folder.
pub const CONFIG_FILE_NAME: &str = "config.toml";

/// The folders Concord reads and writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paths {
    /// The local cache and everything else Concord owns.
    pub data_dir: PathBuf,
    /// The folder holding `config.toml`.
    pub config_dir: PathBuf,
    /// The folder holding the rolling log files.
    pub log_dir: PathBuf,
}

impl Paths {
    /// Every folder inside one data folder: what `--data-dir` and `CONCORD_DATA_DIR` mean.
    pub fn in_data_dir(data_dir: impl Into<PathBuf>) -> Self {
        let data_dir = data_dir.into();
        Self {
            config_dir: data_dir.clone(),
            log_dir: data_dir.join("logs"),
            data_dir,
        }
    }

    /// The folders to use: an explicit data folder first, then `CONCORD_DATA_DIR`, then the
    /// platform's folders.
    pub fn resolve(explicit: Option<PathBuf>) -> Result<Self> {
        let from_env = std::env::var_os(DATA_DIR_ENV)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from);
        match explicit.or(from_env) {
            Some(dir) => Ok(Self::in_data_dir(dir)),
            None => Self::platform(),
        }
    }

    /// The platform's own folders for Concord.
    pub fn platform() -> Result<Self> {
        let dirs =
            directories::ProjectDirs::from("org", "Concord", "Concord").ok_or_else(|| {
                ServiceError::internal(format!(
                    "no home folder was found to keep Concord's data in; set {DATA_DIR_ENV} \
                 or pass --data-dir"
                ))
            })?;
        // Logs are state, not data, where the platform makes the difference (XDG does).
        let state = dirs.state_dir().unwrap_or_else(|| dirs.data_local_dir());
        Ok(Self {
            data_dir: dirs.data_dir().to_path_buf(),
            config_dir: dirs.config_dir().to_path_buf(),
            log_dir: state.join("logs"),
        })
    }

    /// The settings file.
    pub fn config_file(&self) -> PathBuf {
        self.config_dir.join(CONFIG_FILE_NAME)
    }
}

/// What a person may do in Concord.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum Role {
    /// Looks up callers and corrects their records.
    Rep,
    /// Also decides review items: uncertain matches, disagreements, colliding edits.
    Supervisor,
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Role::Rep => "rep",
            Role::Supervisor => "supervisor",
        })
    }
}

/// The contents of `config.toml`.
///
/// ```toml
/// [user]
/// name = "Dana Reyes"
/// role = "supervisor"
///
/// [[systems]]
/// name = "erp"
/// kind = "tryton"
/// url = "https://erp.example.com/"
/// database = "shop"
/// login = "concord"
///
/// [[systems]]
/// name = "web store"
/// kind = "vendure"
/// url = "https://shop.example.com/admin-api"
/// login = "concord"
/// ```
///
/// Passwords are never in this file: `concord connect` keeps them in the OS keyring (see
/// [`crate::secrets`]). With no `[[systems]]`, Concord syncs from its embedded sandbox.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub user: UserConfig,
    /// The real systems to sync from.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub systems: Vec<SystemConfig>,
    /// Changes to the merged account's per-field rules; see [`SurvivorshipConfig`].
    #[serde(default, skip_serializing_if = "SurvivorshipConfig::is_empty")]
    pub survivorship: SurvivorshipConfig,
}

/// Which value of a field the merged account shows, where the defaults do not suit:
///
/// ```toml
/// [survivorship.rules]
/// price_level = { rule = "owned_by", system = "vendure" }
/// job_title = { rule = "most_complete" }
/// ```
///
/// Named fields replace their default rule; every other field keeps its default (the ERP owns
/// customer type, tax exemption, tax certificate, price level and credit terms; company takes
/// the most complete value; the rest the most recent). `fallback` replaces the rule of fields
/// with no rule of their own.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SurvivorshipConfig {
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub rules: std::collections::BTreeMap<String, concord_core::merge::FieldRule>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fallback: Option<concord_core::merge::FieldRule>,
}

impl SurvivorshipConfig {
    fn is_empty(&self) -> bool {
        self.rules.is_empty() && self.fallback.is_none()
    }

    /// The defaults with these changes laid over them, or which field name is not one.
    pub fn settings(
        &self,
    ) -> std::result::Result<concord_core::merge::SurvivorshipSettings, String> {
        use concord_core::merge::MergeField;
        let mut settings = concord_core::merge::SurvivorshipSettings::default();
        for (field, rule) in &self.rules {
            if !MergeField::ALL.iter().any(|f| f.name() == field) {
                let known: Vec<&str> = MergeField::ALL.iter().map(|f| f.name()).collect();
                return Err(format!(
                    "[survivorship.rules] names {field:?}, which is not a merged field; the \
                     fields are {}",
                    known.join(", ")
                ));
            }
            settings.rules.insert(field.clone(), rule.clone());
        }
        if let Some(fallback) = &self.fallback {
            settings.fallback = fallback.clone();
        }
        Ok(settings)
    }
}

/// The kinds of system Concord has a connector for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum SystemKind {
    /// The ERP (system of record), over JSON-RPC.
    Tryton,
    /// The web store, over its Admin GraphQL API.
    Vendure,
}

impl SystemKind {
    /// The system's name in the cache.
    pub fn as_str(self) -> &'static str {
        match self {
            SystemKind::Tryton => "tryton",
            SystemKind::Vendure => "vendure",
        }
    }
}

impl fmt::Display for SystemKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One real system: where it is, who Concord logs in as, and where it keeps what.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SystemConfig {
    /// What people call it; `concord sync --system NAME` picks it.
    pub name: String,
    pub kind: SystemKind,
    /// Tryton: the server root. Vendure: the Admin API (`.../admin-api`).
    pub url: String,
    /// Tryton's database name; unused for Vendure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub database: Option<String>,
    pub login: String,
    /// Records per page; the connector's default when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page_size: Option<u32>,
    /// Hours between full listings (which find address-only edits in Vendure); 0 means only
    /// on `concord sync --full`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub full_listing_hours: Option<u32>,
    #[serde(default, skip_serializing_if = "MappingConfig::is_default")]
    pub mapping: MappingConfig,
}

/// Where the system keeps the fields it has no standard place for. Every entry is optional;
/// the defaults are described in `concord_sync::mapping`.
///
/// ```toml
/// [systems.mapping]
/// customer_type_prefix = "type:"      # category (Tryton) or group (Vendure) names
/// price_level_prefix = "price:"
/// tax_exempt_names = ["tax-exempt"]
/// job_title = "customFields.jobTitle" # a field path in the system's customer record
/// sex = "customFields.gender"
/// birth_date = "customFields.birthDate"
/// channel_field = "description"       # Tryton: the sale.sale field holding the channel
/// channel_default = "erp"             # Tryton: the channel of a sale whose field is empty
/// channel_aliases = { "walk-in" = "store" }
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MappingConfig {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub customer_type_prefix: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub price_level_prefix: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tax_exempt_names: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub job_title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sex: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub birth_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub channel_field: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub channel_default: Option<String>,
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub channel_aliases: std::collections::BTreeMap<String, String>,
}

impl MappingConfig {
    fn is_default(&self) -> bool {
        *self == Self::default()
    }
}

/// Who is using this installation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserConfig {
    /// The name shown in the status bar and recorded with every correction.
    #[serde(default = "login_name")]
    pub name: String,
    #[serde(default = "default_role")]
    pub role: Role,
}

impl Default for UserConfig {
    fn default() -> Self {
        Self {
            name: login_name(),
            role: default_role(),
        }
    }
}

/// Without a configured name, the operating system's login name is the most honest guess.
fn login_name() -> String {
    ["USER", "USERNAME"]
        .iter()
        .find_map(|var| std::env::var(var).ok().filter(|v| !v.trim().is_empty()))
        .unwrap_or_else(|| "unknown user".to_owned())
}

/// The least privileged role is the safe default.
fn default_role() -> Role {
    Role::Rep
}

impl Config {
    /// Reads the settings file; a missing file means every default.
    pub fn load(path: &Path) -> Result<Self> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(Self::default()),
            Err(err) => {
                return Err(anyhow::Error::new(err)
                    .context(format!("reading the settings file {}", path.display()))
                    .into())
            }
        };
        let config = Self::parse(&text).map_err(|err| {
            ServiceError::invalid_input(format!(
                "the settings file {} cannot be used: {err}",
                path.display()
            ))
        })?;
        config.survivorship.settings().map_err(|err| {
            ServiceError::invalid_input(format!(
                "the settings file {} cannot be used: {err}",
                path.display()
            ))
        })?;
        Ok(config)
    }

    /// Parses the text of a settings file.
    pub fn parse(text: &str) -> std::result::Result<Self, toml::de::Error> {
        toml::from_str(text)
    }

    /// Writes the settings file, creating its folder. Used by setup and tests; Concord never
    /// rewrites a file the person wrote on its own.
    pub fn save(&self, path: &Path) -> anyhow::Result<()> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("creating the settings folder {}", dir.display()))?;
        }
        let text = toml::to_string(self).context("writing the settings as TOML")?;
        std::fs::write(path, text)
            .with_context(|| format!("writing the settings file {}", path.display()))
    }
}

/// Adds `system` to the settings file as a `[[systems]]` table at its end, leaving every
/// line already there as the person wrote it (comments included). The file is read back
/// before it is kept; a result that would not load is undone.
pub fn append_system(path: &Path, system: &SystemConfig) -> anyhow::Result<()> {
    #[derive(Serialize)]
    struct One<'a> {
        systems: [&'a SystemConfig; 1],
    }

    let before = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(err) => {
            return Err(err)
                .with_context(|| format!("reading the settings file {}", path.display()))
        }
    };
    let table =
        toml::to_string(&One { systems: [system] }).context("writing the system as TOML")?;
    let mut after = before.clone();
    if !after.is_empty() && !after.ends_with('\n') {
        after.push('\n');
    }
    if !after.is_empty() {
        after.push('\n');
    }
    after.push_str(&table);
    Config::parse(&after).with_context(|| {
        format!(
            "the settings file {} would not load with the new system",
            path.display()
        )
    })?;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("creating the settings folder {}", dir.display()))?;
    }
    std::fs::write(path, after)
        .with_context(|| format!("writing the settings file {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;

    #[test]
    fn a_data_folder_holds_settings_and_logs_too() {
        let paths = Paths::in_data_dir("/srv/concord-a");

        assert_eq!(paths.config_file(), Path::new("/srv/concord-a/config.toml"));
        assert_eq!(
            paths.log_dir,
            Path::new("/srv/concord-a/logs"),
            "an overridden data folder must not leak logs into the person's own folders"
        );
    }

    #[test]
    fn an_explicit_data_folder_wins_over_the_platform() {
        let paths = Paths::resolve(Some(PathBuf::from("/tmp/explicit"))).unwrap();

        assert_eq!(paths.data_dir, Path::new("/tmp/explicit"));
    }

    #[test]
    fn settings_name_the_user_and_role() {
        let text = "[user]\nname = \"Dana Reyes\"\nrole = \"supervisor\"\n";

        let config = Config::parse(text).unwrap();

        assert_eq!(config.user.name, "Dana Reyes");
        assert_eq!(config.user.role, Role::Supervisor);
    }

    #[test]
    fn a_missing_settings_file_means_a_rep_with_defaults() {
        let dir = tempfile::tempdir().unwrap();

        let config = Config::load(&dir.path().join(CONFIG_FILE_NAME)).unwrap();

        assert_eq!(
            config.user.role,
            Role::Rep,
            "the least privileged role is the safe default"
        );
        assert!(
            !config.user.name.is_empty(),
            "the status bar always has a name to show"
        );
    }

    #[test]
    fn an_unknown_role_is_rejected_with_the_file_named_and_the_file_kept() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(CONFIG_FILE_NAME);
        let text = "[user]\nname = \"Dana\"\nrole = \"admin\"\n";
        std::fs::write(&path, text).unwrap();

        let err = Config::load(&path).unwrap_err();

        assert_eq!(
            err.code,
            ErrorCode::InvalidInput,
            "the person can fix their own file"
        );
        assert!(
            err.message.contains(&path.display().to_string()),
            "says which file: {err}"
        );
        assert!(
            err.message.contains("admin"),
            "says which value is wrong: {err}"
        );
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            text,
            "a bad settings file is reported, never rewritten"
        );
    }

    #[test]
    fn a_misspelled_setting_is_rejected_rather_than_ignored() {
        let text = "[user]\nnmae = \"Dana\"\n";

        let result = Config::parse(text);

        assert!(
            result.is_err(),
            "a silently ignored typo would leave the wrong user in place"
        );
    }

    #[test]
    fn survivorship_rules_are_laid_over_the_defaults() {
        let config = Config::parse(
            "[survivorship.rules]\nprice_level = { rule = \"owned_by\", system = \"vendure\" }\n",
        )
        .unwrap();

        let settings = config.survivorship.settings().unwrap();

        assert_eq!(
            settings.rules["price_level"],
            concord_core::merge::FieldRule::OwnedBy {
                system: "vendure".into()
            },
            "the named field takes the rule given"
        );
        assert_eq!(
            settings.rules["customer_type"],
            concord_core::merge::FieldRule::OwnedBy {
                system: "tryton".into()
            },
            "a field not named keeps its default"
        );
    }

    #[test]
    fn a_survivorship_rule_for_no_such_field_is_refused_by_name() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("config.toml");
        std::fs::write(
            &file,
            "[survivorship.rules]\nprise_level = { rule = \"most_recent\" }\n",
        )
        .unwrap();

        let error = Config::load(&file).unwrap_err();

        assert!(
            error.message.contains("\"prise_level\""),
            "{}",
            error.message
        );
        assert!(
            error.message.contains("price_level"),
            "lists the fields: {}",
            error.message
        );
    }

    #[test]
    fn systems_are_read_with_their_mapping() {
        let text = r#"
            [[systems]]
            name = "erp"
            kind = "tryton"
            url = "http://127.0.0.1:8000/"
            database = "shop"
            login = "concord"
            [systems.mapping]
            birth_date = "birth_date"
            channel_aliases = { "walk-in" = "store" }

            [[systems]]
            name = "web store"
            kind = "vendure"
            url = "http://127.0.0.1:3000/admin-api"
            login = "superadmin"
        "#;

        let config = Config::parse(text).unwrap();

        assert_eq!(config.systems.len(), 2);
        assert_eq!(config.systems[0].kind, SystemKind::Tryton);
        assert_eq!(config.systems[0].database.as_deref(), Some("shop"));
        assert_eq!(
            config.systems[0].mapping.birth_date.as_deref(),
            Some("birth_date")
        );
        assert_eq!(config.systems[1].mapping, MappingConfig::default());
    }

    #[test]
    fn a_password_in_the_settings_file_is_refused() {
        let text = "[[systems]]\nname = \"erp\"\nkind = \"tryton\"\nurl = \"u\"\n\
                    login = \"l\"\npassword = \"secret\"\n";

        let result = Config::parse(text);

        assert!(
            result.is_err(),
            "passwords belong in the keyring, never in a plain settings file"
        );
    }

    #[test]
    fn appending_a_system_keeps_what_the_person_wrote() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(CONFIG_FILE_NAME);
        let text = "# who sits here\n[user]\nname = \"Dana\"  # the rep\n";
        std::fs::write(&path, text).unwrap();
        let system = SystemConfig {
            name: "erp".into(),
            kind: SystemKind::Tryton,
            url: "http://127.0.0.1:8000/".into(),
            database: Some("shop".into()),
            login: "admin".into(),
            page_size: None,
            full_listing_hours: None,
            mapping: MappingConfig::default(),
        };

        append_system(&path, &system).unwrap();

        let written = std::fs::read_to_string(&path).unwrap();
        assert!(
            written.starts_with(text),
            "comments and layout stay: {written}"
        );
        let config = Config::load(&path).unwrap();
        assert_eq!(config.systems, [system]);
        assert_eq!(config.user.name, "Dana");
    }

    #[test]
    fn saved_settings_read_back_the_same() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nested").join(CONFIG_FILE_NAME);
        let config = Config {
            user: UserConfig {
                name: "Sam Okafor".into(),
                role: Role::Supervisor,
            },
            systems: Vec::new(),
            survivorship: SurvivorshipConfig::default(),
        };

        config.save(&path).unwrap();
        let read = Config::load(&path).unwrap();

        assert_eq!(read, config, "what setup writes is what Concord reads");
    }
}

//! The systems a sync pulls from: the real ones named in `config.toml` with their passwords
//! from [`crate::secrets`], or, when none is named, the embedded sandbox (a web store and an
//! ERP served in-process on loopback with an invented population), so a fresh installation
//! shows something real to click through.

use concord_sync::connector::{AccountMapping, ConnectorError, Endpoint};
use concord_sync::mapping::{ChannelNames, Demographics, Mapping};
use concord_sync::pull::{Source, SystemPull};
use concord_sync::tryton::{ChannelMapping, TrytonClient, TrytonSettings};
use concord_sync::vendure::{VendureClient, VendureSettings};

use crate::config::{MappingConfig, SystemConfig, SystemKind};
use crate::error::{Result, ServiceError};

/// People in the embedded sandbox, and its seed: enough to look real, quick to pull.
pub const EMBEDDED_CUSTOMERS: usize = 2_000;
pub const EMBEDDED_SEED: u64 = 1;

fn demographics(mapping: &MappingConfig) -> Demographics {
    Demographics {
        job_title: mapping.job_title.clone(),
        sex: mapping.sex.clone(),
        birth_date: mapping.birth_date.clone(),
    }
}

fn account(mapping: &MappingConfig) -> AccountMapping {
    let defaults = AccountMapping::default();
    AccountMapping {
        customer_type_prefix: mapping
            .customer_type_prefix
            .clone()
            .unwrap_or(defaults.customer_type_prefix),
        price_level_prefix: mapping
            .price_level_prefix
            .clone()
            .unwrap_or(defaults.price_level_prefix),
        tax_exempt_names: mapping
            .tax_exempt_names
            .clone()
            .unwrap_or(defaults.tax_exempt_names),
    }
}

fn pull_mapping(mapping: &MappingConfig) -> Mapping {
    let mut channels = ChannelNames::default();
    // Configured words first, so they win over the built-in ones.
    let mut aliases: Vec<(String, String)> = mapping
        .channel_aliases
        .iter()
        .map(|(word, channel)| (word.clone(), channel.clone()))
        .collect();
    aliases.append(&mut channels.aliases);
    channels.aliases = aliases;
    Mapping {
        demographics: demographics(mapping),
        channels,
    }
}

/// A configured system with its password, as a client ready to pull.
pub(crate) fn connect(config: &SystemConfig, password: &str) -> Result<SystemPull> {
    let mapping = pull_mapping(&config.mapping);
    let source = match config.kind {
        SystemKind::Tryton => {
            let database = config.database.clone().ok_or_else(|| {
                ServiceError::invalid_input(format!(
                    "the Tryton system {:?} needs `database` in config.toml",
                    config.name
                ))
            })?;
            let mut settings = TrytonSettings::new(&config.url, database, &config.login, password);
            settings.endpoint = Endpoint::new(&config.url);
            if let Some(size) = config.page_size {
                settings.page_size = size;
            }
            settings.account = account(&config.mapping);
            let defaults = ChannelMapping::default();
            settings.channel = ChannelMapping {
                field: config
                    .mapping
                    .channel_field
                    .clone()
                    .unwrap_or(defaults.field),
                default: config
                    .mapping
                    .channel_default
                    .clone()
                    .unwrap_or(defaults.default),
            };
            settings.party_extra_fields = mapping.demographics.fields();
            Source::Tryton {
                client: TrytonClient::new(settings).map_err(connector_error)?,
                mapping,
            }
        }
        SystemKind::Vendure => {
            let mut settings = VendureSettings::new(&config.url, &config.login, password);
            // Orders come from the orders listing; nested in customers they would be read twice.
            settings.orders_per_customer = 0;
            if let Some(size) = config.page_size {
                settings.page_size = size;
            }
            settings.account = account(&config.mapping);
            settings.customer_extra_fields = mapping.demographics.fields();
            Source::Vendure {
                client: VendureClient::new(settings).map_err(connector_error)?,
                mapping,
            }
        }
    };
    let mut pull = SystemPull::new(source);
    if let Some(hours) = config.full_listing_hours {
        pull.full_every = (hours > 0).then(|| chrono::Duration::hours(i64::from(hours)));
    }
    Ok(pull)
}

/// The embedded sandbox's two systems, as configured systems with their passwords.
pub(crate) fn embedded_configs(sandbox: &concord_sandbox::Sandbox) -> Vec<(SystemConfig, String)> {
    let tryton = sandbox.tryton();
    let vendure = sandbox.vendure();
    vec![
        (
            SystemConfig {
                name: "sandbox ERP".to_owned(),
                kind: SystemKind::Tryton,
                url: tryton.url,
                database: Some(tryton.database),
                login: tryton.login,
                page_size: None,
                full_listing_hours: None,
                mapping: MappingConfig::default(),
            },
            tryton.password,
        ),
        (
            SystemConfig {
                name: "sandbox web store".to_owned(),
                kind: SystemKind::Vendure,
                url: vendure.url,
                database: None,
                login: vendure.username,
                page_size: None,
                full_listing_hours: None,
                mapping: MappingConfig::default(),
            },
            vendure.password,
        ),
    ]
}

/// Logs in, which proves the URL, the database and the credentials at once.
pub(crate) async fn test_login(source: &Source) -> std::result::Result<(), ConnectorError> {
    match source {
        Source::Tryton { client, .. } => client.login().await,
        Source::Vendure { client, .. } => client.login().await,
    }
}

pub(crate) fn connector_error(error: ConnectorError) -> ServiceError {
    match error {
        ConnectorError::Authentication { .. } | ConnectorError::Permanent { .. } => {
            ServiceError::invalid_input(error.to_string())
        }
        _ => ServiceError::internal(error.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn configured_channel_words_win_over_the_built_in_ones() {
        let mut config = MappingConfig::default();
        config
            .channel_aliases
            .insert("shop".into(), "marketplace".into());

        let mapping = pull_mapping(&config);

        assert_eq!(mapping.channels.channel("Shop"), "marketplace");
        assert_eq!(
            mapping.channels.channel("phone"),
            "phone",
            "the rest still apply"
        );
    }

    #[test]
    fn a_tryton_system_without_a_database_is_refused_with_a_reason() {
        let config = SystemConfig {
            name: "erp".into(),
            kind: SystemKind::Tryton,
            url: "http://127.0.0.1:8000/".into(),
            database: None,
            login: "admin".into(),
            page_size: None,
            full_listing_hours: None,
            mapping: MappingConfig::default(),
        };

        let error = connect(&config, "pw")
            .err()
            .expect("no database, no connection");

        assert!(error.message.contains("database"), "{}", error.message);
    }
}

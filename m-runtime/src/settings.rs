//! The environment variables m reads, parsed strictly: a value m does not
//! understand is an [`Error::Setting`] that lists the accepted ones, never
//! a silent default.
//!
//! | variable | read by | values |
//! |---|---|---|
//! | `DATABASE_URL` | boot, CLI | the database; unset: a SQLite file named after the binary (development only) |
//! | `M_ENV` | boot | `development` (`dev`), `production` (`prod`); unset: development |
//! | `M_LOCK_TIMEOUT_SECS` | boot, CLI | whole seconds to wait for another migrator |
//! | `M_LOCK` | boot, CLI | `native` or `lease`: the migration lock; unset: m picks per database (see [`migration_locker`](crate::backend::migration_locker)) |
//! | `M_LOCK_LEASE_SECS` | boot, CLI | whole seconds (at least 1) a lease lives without a heartbeat; unset: 30 |
//! | `M_ALLOW_OUT_OF_ORDER` | boot | `true`/`false` (`1`/`0`): run a migration added out of order |
//! | `M_STUDIO_TOKEN` | `migrate studio` | the access token (16 or more of `A-Za-z0-9-_`); unset: none on 127.0.0.1, a random one on any other address |

use std::time::Duration;

use crate::{Error, Result};

/// Where the binary runs; decides what boot does with changes that need
/// review. Both environments sync under [`Policy::default`](crate::Policy)
/// unless [`Boot::policy`](crate::Boot::policy) overrides it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Environment {
    /// Apply SAFE changes and pending migrations; report blocked changes and start anyway.
    #[default]
    Development,
    /// Apply SAFE changes and pending migrations; refuse to start, applying
    /// nothing, when any change needs review (WARNING or BREAKING).
    Production,
}

impl std::str::FromStr for Environment {
    type Err = Error;

    /// `development`/`dev` or `production`/`prod`, in any case.
    ///
    /// ```
    /// use m_runtime::boot::Environment;
    ///
    /// assert_eq!("Prod".parse::<Environment>().unwrap(), Environment::Production);
    /// let error = "prodution".parse::<Environment>().unwrap_err();
    /// assert!(error.to_string().contains("development, dev, production, prod"));
    /// ```
    fn from_str(value: &str) -> Result<Self> {
        match value.trim().to_ascii_lowercase().as_str() {
            "development" | "dev" => Ok(Environment::Development),
            "production" | "prod" => Ok(Environment::Production),
            _ => Err(Error::Setting {
                name: "M_ENV",
                message: format!(
                    "`{value}` is not an environment: use one of development, dev, production, prod"
                ),
            }),
        }
    }
}

impl Environment {
    /// From `M_ENV` (unset: development). An unknown value is an error.
    pub fn from_env() -> Result<Self> {
        match var("M_ENV")? {
            Some(value) => value.parse(),
            None => Ok(Environment::Development),
        }
    }
}

/// `M_LOCK_TIMEOUT_SECS`, or `None` when unset.
pub(crate) fn lock_timeout() -> Result<Option<Duration>> {
    let Some(value) = var("M_LOCK_TIMEOUT_SECS")? else {
        return Ok(None);
    };
    value
        .trim()
        .parse::<u64>()
        .map(|secs| Some(Duration::from_secs(secs)))
        .map_err(|_| Error::Setting {
            name: "M_LOCK_TIMEOUT_SECS",
            message: format!("`{value}` is not a whole number of seconds (e.g. 120)"),
        })
}

/// `M_LOCK`, or `None` when unset.
pub(crate) fn lock_strategy() -> Result<Option<crate::backend::LockStrategy>> {
    var("M_LOCK")?.map(|value| value.parse()).transpose()
}

/// `M_LOCK_LEASE_SECS`, or `None` when unset.
pub(crate) fn lease_length() -> Result<Option<Duration>> {
    let Some(value) = var("M_LOCK_LEASE_SECS")? else {
        return Ok(None);
    };
    match value.trim().parse::<u64>() {
        Ok(secs) if secs >= 1 => Ok(Some(Duration::from_secs(secs))),
        _ => Err(Error::Setting {
            name: "M_LOCK_LEASE_SECS",
            message: format!(
                "`{value}` is not a whole number of seconds of at least 1 (e.g. 30): how long a migration lease lives without a heartbeat"
            ),
        }),
    }
}

/// `M_ALLOW_OUT_OF_ORDER`, or `None` when unset.
pub(crate) fn allow_out_of_order() -> Result<Option<bool>> {
    let Some(value) = var("M_ALLOW_OUT_OF_ORDER")? else {
        return Ok(None);
    };
    match value.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" => Ok(Some(true)),
        "false" | "0" | "no" => Ok(Some(false)),
        _ => Err(Error::Setting {
            name: "M_ALLOW_OUT_OF_ORDER",
            message: format!("`{value}` is not a switch: use true, false, 1, 0, yes or no"),
        }),
    }
}

/// `DATABASE_URL` for `environment`: in development an unset URL means a
/// local SQLite file ([`default_url`]); production refuses to guess.
pub(crate) fn database_url(environment: Environment) -> Result<String> {
    match (var("DATABASE_URL")?, environment) {
        (Some(url), _) => Ok(url),
        (None, Environment::Development) => Ok(default_url()),
        (None, Environment::Production) => Err(Error::Setting {
            name: "DATABASE_URL",
            message: "is not set, and M_ENV says production: set DATABASE_URL to the production database (m creates a local SQLite file only in development)".into(),
        }),
    }
}

/// `sqlite://<binary name>.db` in the working directory (`m.db` when the
/// binary's name cannot be read): the URL used in development when
/// `DATABASE_URL` is unset.
pub fn default_url() -> String {
    let name = std::env::current_exe()
        .ok()
        .and_then(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
        .unwrap_or_else(|| "m".to_owned());
    format!("sqlite://{name}.db")
}

/// An environment variable: `None` when unset or empty; an error when it is
/// not valid Unicode.
fn var(name: &'static str) -> Result<Option<String>> {
    match std::env::var(name) {
        Ok(value) if value.trim().is_empty() => Ok(None),
        Ok(value) => Ok(Some(value)),
        Err(std::env::VarError::NotPresent) => Ok(None),
        Err(std::env::VarError::NotUnicode(_)) => Err(Error::Setting {
            name,
            message: "is not valid UTF-8".into(),
        }),
    }
}

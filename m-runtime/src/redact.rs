//! Passwords out of database URLs before a URL reaches a message, a log or a
//! `Debug` output.
//!
//! A URL is parsed with the `url` crate, so a password is found where the
//! URL syntax puts it: in the userinfo (`user:secret@host`) and in the query
//! (`?password=secret`, `?sslpassword=secret`). A URL the parser rejects, or
//! whose parse leaves an `@` outside the userinfo (an unencoded `/` or `#`
//! in a password ends the authority early), is redacted by text instead:
//! everything up to its last `@` is hidden.

use url::Url;

/// What a hidden value is shown as.
const HIDDEN: &str = "***";

/// Words that make a query key (or a `key=value` anywhere in a URL the
/// parser rejects) a secret: `password`, `sslpassword`, `passwd`, `pwd`,
/// `secret`, `token`, `access_token`, ...
const SECRET_WORDS: &[&str] = &["password", "passwd", "pwd", "secret", "token"];

/// `url` with every password replaced by `***`. A URL with nothing to hide
/// is returned exactly as given.
pub(crate) fn redact(url: &str) -> String {
    if let Ok(parsed) = Url::parse(url)
        && let Some(redacted) = redact_parsed(url, parsed)
    {
        return redacted;
    }
    redact_text(url)
}

/// `None` when the parse cannot be trusted to have found every secret.
fn redact_parsed(original: &str, mut url: Url) -> Option<String> {
    // An `@` after the authority is the rest of a userinfo the parser cut
    // short (`u:12/34@host` parses as host `u`, port 12, path `/34@host`),
    // or text the parser did not read as a userinfo (`sqlite:u:pw@file`).
    if url.path().contains('@')
        || url
            .fragment()
            .is_some_and(|f| f.contains('@') || assigns_secret(f))
        || (url.cannot_be_a_base() && assigns_secret(url.path()))
    {
        return None;
    }
    let mut changed = false;
    if url.password().is_some() {
        url.set_password(Some(HIDDEN)).ok()?;
        changed = true;
    }
    if let Some(query) = url.query().and_then(redact_query) {
        url.set_query(Some(&query));
        changed = true;
    }
    Some(if changed {
        url.into()
    } else {
        original.to_owned()
    })
}

/// The query with the value of every secret key hidden, `None` when it has
/// none. Other pairs keep their spelling (no re-encoding).
fn redact_query(query: &str) -> Option<String> {
    let mut changed = false;
    let pairs: Vec<String> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((key, _)) if is_secret_key(key) => {
                changed = true;
                format!("{key}={HIDDEN}")
            }
            _ => pair.to_owned(),
        })
        .collect();
    changed.then(|| pairs.join("&"))
}

/// Whether a (form-encoded) query key names a secret.
fn is_secret_key(key: &str) -> bool {
    let decoded: String = url::form_urlencoded::parse(key.as_bytes())
        .map(|(k, _)| k.into_owned())
        .collect();
    let lower = decoded.to_ascii_lowercase();
    SECRET_WORDS.iter().any(|word| lower.contains(word))
}

/// Whether `text` holds a `key=value` whose key names a secret.
fn assigns_secret(text: &str) -> bool {
    text.split(['?', '&', ';', '#', '/', ':'])
        .filter_map(|part| part.split_once('='))
        .any(|(key, _)| is_secret_key(key))
}

/// Redaction of a URL the parser rejected: kept as written when it holds no
/// `@` and no secret `key=value`; otherwise everything before its last `@`
/// is hidden, and the rest too when it assigns a secret.
fn redact_text(url: &str) -> String {
    if !url.contains('@') && !assigns_secret(url) {
        return url.to_owned();
    }
    let scheme = url
        .split_once(':')
        .map(|(scheme, _)| scheme)
        .filter(|scheme| {
            scheme.starts_with(|c: char| c.is_ascii_alphabetic())
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        });
    match (scheme, url.rsplit_once('@')) {
        (Some(scheme), Some((_, host)))
            if url.starts_with(&format!("{scheme}://")) && !assigns_secret(host) =>
        {
            format!("{scheme}://{HIDDEN}@{host}")
        }
        (Some(scheme), _) => format!("{scheme}:{HIDDEN}"),
        (None, _) => HIDDEN.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::redact;

    /// `url` redacts to `expected`, and no `secret` survives.
    fn check(url: &str, expected: &str) {
        let redacted = redact(url);
        assert_eq!(redacted, expected, "{url}");
        assert!(!redacted.contains("secret"), "{url} -> {redacted}");
    }

    #[test]
    fn hides_the_userinfo_password() {
        check(
            "postgres://app:secret@db.example:5432/shop",
            "postgres://app:***@db.example:5432/shop",
        );
        check(
            "mysql://root:s%40cret@127.0.0.1:3306/test",
            "mysql://root:***@127.0.0.1:3306/test",
        );
        // An unencoded `@` in the password: the last `@` ends the userinfo.
        check(
            "postgres://app:p@secret@db/shop",
            "postgres://app:***@db/shop",
        );
        check("postgres://:secret@db/shop", "postgres://:***@db/shop");
    }

    #[test]
    fn hides_passwords_in_the_query() {
        check(
            "postgres://db/shop?user=app&password=secret&sslmode=require",
            "postgres://db/shop?user=app&password=***&sslmode=require",
        );
        check(
            "postgres://app@db/shop?sslpassword=secret&PassWord=secret&application_name=a%20b",
            "postgres://app@db/shop?sslpassword=***&PassWord=***&application_name=a%20b",
        );
        check(
            "mysql://app:secret@db/shop?pass%77ord=secret",
            "mysql://app:***@db/shop?pass%77ord=***",
        );
        check(
            "sqlite:relative.db?password=secret",
            "sqlite:relative.db?password=***",
        );
    }

    #[test]
    fn keeps_urls_with_nothing_to_hide_exactly() {
        for url in [
            "sqlite::memory:",
            "sqlite:relative.db",
            "sqlite://data/app.db?mode=rwc",
            "sqlite:///tmp/tokens.db",
            "postgres://postgres@127.0.0.1:5432/test",
            "Postgres://HOST/db",
            "mysql://root@127.0.0.1:3306/test",
            "not a url",
            "",
        ] {
            check(url, url);
        }
    }

    #[test]
    fn redacts_what_the_parser_cannot_place() {
        // An unencoded `/` ends the authority inside the password.
        check("postgres://app:12/secret@db/shop", "postgres://***@db/shop");
        // Rejected by the parser (the port is not a number).
        check(
            "postgres://app:secret@db:port/shop",
            "postgres://***@db:port/shop",
        );
        check("postgres://db:port/shop?password=secret", "postgres:***");
        check(
            "postgres://app:secret@db:port/shop?password=secret",
            "postgres:***",
        );
        check("sqlite:app:secret@file.db", "sqlite:***");
        check("sqlite:password=secret", "sqlite:***");
        check("postgres://db/shop#password=secret", "postgres:***");
        check("app:secret@[db", "app:***");
        check("::secret@db", "***");
    }
}

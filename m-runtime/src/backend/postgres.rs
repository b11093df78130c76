//! PostgreSQL.

use std::time::Duration;

use super::{AlterSql, Backend, Dialect, Introspector, LockGuard, Locker};
use crate::schema::{Column, Schema, Table};
use crate::{BoxFuture, Db, Error, Result};

/// The PostgreSQL backend.
#[derive(Debug, Clone, Copy, Default)]
pub struct Postgres;

impl Backend for Postgres {
    fn name(&self) -> &'static str {
        "postgres"
    }
    fn handles(&self, url: &str) -> bool {
        url.starts_with("postgres://") || url.starts_with("postgresql://")
    }
    fn dialect(&self) -> &dyn Dialect {
        self
    }
    fn introspector(&self) -> &dyn Introspector {
        self
    }
    fn locker(&self) -> &dyn Locker {
        self
    }
}

impl Dialect for Postgres {
    fn quote_ident(&self, ident: &str) -> String {
        format!("\"{}\"", ident.replace('"', "\"\""))
    }
    fn placeholder(&self, n: usize) -> String {
        format!("${n}")
    }
    fn column_type(&self, _table: &Table, column: &Column) -> String {
        format!("{}", column.ty)
    }
    fn alter_column_type(&self, _table: &Table, _column: &Column) -> AlterSql {
        AlterSql::Rebuild
    }
    fn set_not_null(&self, _table: &Table, _column: &Column) -> AlterSql {
        AlterSql::Rebuild
    }
    fn drop_not_null(&self, _table: &Table, _column: &Column) -> AlterSql {
        AlterSql::Rebuild
    }
}

impl Introspector for Postgres {
    fn introspect<'a>(&'a self, _db: &'a Db) -> BoxFuture<'a, Result<Schema>> {
        Box::pin(async { Err(Error::Introspect("PostgreSQL introspection is not implemented yet".into())) })
    }
}

impl Locker for Postgres {
    fn acquire<'a>(&'a self, _url: &'a str, _timeout: Duration) -> BoxFuture<'a, Result<LockGuard>> {
        Box::pin(async { Ok(LockGuard::new(())) })
    }
}

//! A migration of operations as `migrate make` writes it compiles with the
//! placeholders written in, its data bodies adapted like hooks.
use m_runtime::Db;
use m_runtime::ops::{self, Migration, Sql};
use m_runtime::schema::LogicalType;

#[m_runtime::operations(id = "0002_rename", before = before, after = after, reversible)]
pub fn migration() -> Migration {
    Migration {
        previous: None,
        up: vec![
            ops::rename_table("customer", "client"),
            ops::convert("client", "age", LogicalType::I64, Sql::new("CAST(age AS BIGINT)").on("mysql", "CAST(age AS SIGNED)")),
        ],
        down: Some(vec![
            ops::alter_type("client", "age", LogicalType::I32),
            ops::rename_table("client", "customer"),
        ]),
        old: r#"{"tables": {}}"#,
        new: r#"{"tables": {}}"#,
    }
}

async fn before(db: &Db) -> m_runtime::Result<()> {
    let _ = db;
    Ok(())
}

async fn after(_db: &Db) -> m_runtime::Result<()> {
    Ok(())
}

fn main() {
    assert_eq!(migration().up.len(), 2);
}

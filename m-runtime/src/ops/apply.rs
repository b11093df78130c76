//! What each operation does to a schema, and its inverse: pure, no
//! database. The lint runs migrations through [`Operation::apply_to`].

use super::{Operation, Sql};
use crate::schema::{Column, Schema, Table};

impl Operation {
    /// Applies the operation to `schema`, or says why it cannot apply
    /// (a table or column that does not exist, a name already taken, a
    /// column an index still uses). On error `schema` is unchanged.
    ///
    /// ```
    /// use m_runtime::ops;
    /// use m_runtime::schema::{Column, LogicalType, Schema, Table};
    ///
    /// let mut schema = Schema::default();
    /// schema.insert(Table::new("customer").column(Column::new("name", LogicalType::I64)));
    /// ops::rename_column("customer", "name", "full_name").apply_to(&mut schema).unwrap();
    /// assert!(schema.table("customer").unwrap().get_column("full_name").is_some());
    /// let error = ops::drop_column("customer", "name").apply_to(&mut schema).unwrap_err();
    /// assert_eq!(error, "table `customer` has no column `name`");
    /// ```
    pub fn apply_to(&self, schema: &mut Schema) -> Result<(), String> {
        let mut next = schema.clone();
        self.apply_in_place(&mut next)?;
        *schema = next;
        Ok(())
    }

    fn apply_in_place(&self, schema: &mut Schema) -> Result<(), String> {
        match self {
            Operation::CreateTable { table } => {
                absent_table(schema, &table.name)?;
                for fk in &table.foreign_keys {
                    if fk.ref_table != table.name {
                        referenced_columns(schema, &fk.ref_table, &fk.ref_columns)?;
                    }
                }
                schema.insert(table.clone());
            }
            Operation::DropTable { table } => {
                present_table(schema, table)?;
                if let Some((owner, fk)) = schema
                    .tables
                    .values()
                    .filter(|t| t.name != *table)
                    .flat_map(|t| t.foreign_keys.iter().map(move |fk| (&t.name, fk)))
                    .find(|(_, fk)| fk.ref_table == *table)
                {
                    return Err(format!(
                        "table `{table}` is referenced by foreign key `{}` of `{owner}`: drop that key first",
                        fk.name
                    ));
                }
                schema.tables.remove(table);
            }
            Operation::RenameTable { from, to } => {
                present_table(schema, from)?;
                absent_table(schema, to)?;
                schema.rename_table(from, to);
            }
            Operation::AddColumn { table, column, .. } => {
                let t = table_mut(schema, table)?;
                if t.get_column(&column.name).is_some() {
                    return Err(format!(
                        "table `{table}` already has a column `{}`",
                        column.name
                    ));
                }
                t.columns.push(column.clone());
            }
            Operation::DropColumn { table, column } => {
                let t = table_mut(schema, table)?;
                column_mut(t, column)?;
                if t.is_primary_key(column) {
                    return Err(format!(
                        "column `{table}.{column}` is in the primary key: replace the key first (set_primary_key)"
                    ));
                }
                if let Some(index) = t.indexes.iter().find(|i| i.columns.contains(column)) {
                    return Err(format!(
                        "index `{}` uses column `{table}.{column}`: drop it first (drop_index)",
                        index.name
                    ));
                }
                if let Some(fk) = t.foreign_keys.iter().find(|f| f.columns.contains(column)) {
                    return Err(format!(
                        "foreign key `{}` uses column `{table}.{column}`: drop it first (drop_foreign_key)",
                        fk.name
                    ));
                }
                t.columns.retain(|c| c.name != *column);
                referenced_by_others(schema, table, column)?;
            }
            Operation::RenameColumn { table, from, to } => {
                let t = table_mut(schema, table)?;
                column_mut(t, from)?;
                if t.get_column(to).is_some() {
                    return Err(format!("table `{table}` already has a column `{to}`"));
                }
                schema.rename_column(table, from, to);
            }
            Operation::AlterType {
                table, column, to, ..
            } => column_mut(table_mut(schema, table)?, column)?.ty = to.clone(),
            Operation::SetNotNull { table, column, .. } => {
                column_mut(table_mut(schema, table)?, column)?.nullable = false
            }
            Operation::DropNotNull { table, column } => {
                let t = table_mut(schema, table)?;
                if t.is_primary_key(column) {
                    return Err(format!(
                        "column `{table}.{column}` is in the primary key, which is NOT NULL"
                    ));
                }
                column_mut(t, column)?.nullable = true
            }
            Operation::AlterDefault {
                table,
                column,
                default,
            } => column_mut(table_mut(schema, table)?, column)?.default = default.clone(),
            Operation::SetPrimaryKey { table, columns } => {
                let t = table_mut(schema, table)?;
                for c in columns {
                    column_mut(t, c)?;
                }
                t.primary_key = columns.clone();
            }
            Operation::AddIndex { table, index } | Operation::AddIndexOnline { table, index } => {
                let t = table_mut(schema, table)?;
                for c in &index.columns {
                    column_mut(t, c)?;
                }
                if t.indexes.iter().any(|i| i.name == index.name) {
                    return Err(format!(
                        "table `{table}` already has an index `{}`",
                        index.name
                    ));
                }
                t.indexes.push(index.clone());
            }
            Operation::DropIndex { table, name } => {
                let t = table_mut(schema, table)?;
                if !t.indexes.iter().any(|i| i.name == *name) {
                    return Err(format!("table `{table}` has no index `{name}`"));
                }
                t.indexes.retain(|i| i.name != *name);
            }
            Operation::AddForeignKey { table, foreign_key }
            | Operation::AddForeignKeyNotValid { table, foreign_key } => {
                if foreign_key.ref_table != *table {
                    referenced_columns(schema, &foreign_key.ref_table, &foreign_key.ref_columns)?;
                }
                let t = table_mut(schema, table)?;
                for c in &foreign_key.columns {
                    column_mut(t, c)?;
                }
                if t.foreign_keys.iter().any(|f| f.name == foreign_key.name) {
                    return Err(format!(
                        "table `{table}` already has a foreign key `{}`",
                        foreign_key.name
                    ));
                }
                t.foreign_keys.push(foreign_key.clone());
            }
            Operation::DropForeignKey { table, name } => {
                let t = table_mut(schema, table)?;
                if !t.foreign_keys.iter().any(|f| f.name == *name) {
                    return Err(format!("table `{table}` has no foreign key `{name}`"));
                }
                t.foreign_keys.retain(|f| f.name != *name);
            }
            Operation::ValidateForeignKey { table, name } => {
                let t = table_mut(schema, table)?;
                if !t.foreign_keys.iter().any(|f| f.name == *name) {
                    return Err(format!("table `{table}` has no foreign key `{name}`"));
                }
            }
            Operation::AddCheck { table, check } => {
                let t = table_mut(schema, table)?;
                if t.checks
                    .iter()
                    .any(|c| c.name.eq_ignore_ascii_case(&check.name))
                {
                    return Err(format!(
                        "table `{table}` already has a check `{}`",
                        check.name
                    ));
                }
                t.checks.push(check.clone());
            }
            Operation::DropCheck { table, name } => {
                let t = table_mut(schema, table)?;
                if !t.checks.iter().any(|c| c.name.eq_ignore_ascii_case(name)) {
                    return Err(format!("table `{table}` has no check `{name}`"));
                }
                t.checks.retain(|c| !c.name.eq_ignore_ascii_case(name));
            }
            Operation::Sql { .. } => {}
        }
        Ok(())
    }

    /// The operation that undoes this one, given the schema before it ran;
    /// `None` when there is none (a drop loses data, raw SQL is opaque).
    /// A conversion's inverse converts back with an empty expression, for
    /// the author to write (`migrate make` writes a placeholder there).
    pub fn inverse(&self, before: &Schema) -> Option<Operation> {
        let column = |table: &str, column: &str| -> Option<Column> {
            before.table(table)?.get_column(column).cloned()
        };
        let op = match self {
            Operation::CreateTable { table } => Operation::DropTable {
                table: table.name.clone(),
            },
            Operation::DropTable { .. } | Operation::DropColumn { .. } | Operation::Sql { .. } => {
                return None;
            }
            Operation::RenameTable { from, to } => Operation::RenameTable {
                from: to.clone(),
                to: from.clone(),
            },
            Operation::AddColumn { table, column, .. } => Operation::DropColumn {
                table: table.clone(),
                column: column.name.clone(),
            },
            Operation::RenameColumn { table, from, to } => Operation::RenameColumn {
                table: table.clone(),
                from: to.clone(),
                to: from.clone(),
            },
            Operation::AlterType {
                table,
                column: name,
                using,
                ..
            } => Operation::AlterType {
                table: table.clone(),
                column: name.clone(),
                to: column(table, name)?.ty,
                using: using.as_ref().map(|_| Sql::new("")),
            },
            Operation::SetNotNull {
                table, column: c, ..
            } => {
                if !column(table, c)?.nullable {
                    return None;
                }
                Operation::DropNotNull {
                    table: table.clone(),
                    column: c.clone(),
                }
            }
            Operation::DropNotNull { table, column: c } => Operation::SetNotNull {
                table: table.clone(),
                column: c.clone(),
                backfill: None,
            },
            Operation::AlterDefault {
                table, column: c, ..
            } => Operation::AlterDefault {
                table: table.clone(),
                column: c.clone(),
                default: column(table, c)?.default,
            },
            Operation::SetPrimaryKey { table, .. } => Operation::SetPrimaryKey {
                table: table.clone(),
                columns: before.table(table)?.primary_key.clone(),
            },
            Operation::AddIndex { table, index } | Operation::AddIndexOnline { table, index } => {
                Operation::DropIndex {
                    table: table.clone(),
                    name: index.name.clone(),
                }
            }
            Operation::DropIndex { table, name } => Operation::AddIndex {
                table: table.clone(),
                index: before
                    .table(table)?
                    .indexes
                    .iter()
                    .find(|i| i.name == *name)?
                    .clone(),
            },
            Operation::AddForeignKey { table, foreign_key }
            | Operation::AddForeignKeyNotValid { table, foreign_key } => {
                Operation::DropForeignKey {
                    table: table.clone(),
                    name: foreign_key.name.clone(),
                }
            }
            // Validating changes no schema; validating again undoes nothing
            // and checks nothing new.
            Operation::ValidateForeignKey { .. } => self.clone(),
            Operation::AddCheck { table, check } => Operation::DropCheck {
                table: table.clone(),
                name: check.name.clone(),
            },
            Operation::DropCheck { table, name } => Operation::AddCheck {
                table: table.clone(),
                check: before
                    .table(table)?
                    .checks
                    .iter()
                    .find(|c| c.name.eq_ignore_ascii_case(name))?
                    .clone(),
            },
            Operation::DropForeignKey { table, name } => Operation::AddForeignKey {
                table: table.clone(),
                foreign_key: before
                    .table(table)?
                    .foreign_keys
                    .iter()
                    .find(|f| f.name == *name)?
                    .clone(),
            },
        };
        Some(op)
    }
}

fn present_table(schema: &Schema, table: &str) -> Result<(), String> {
    match schema.table(table) {
        Some(_) => Ok(()),
        None => Err(format!("there is no table `{table}`")),
    }
}

fn absent_table(schema: &Schema, table: &str) -> Result<(), String> {
    match schema.table(table) {
        Some(_) => Err(format!("table `{table}` exists already")),
        None => Ok(()),
    }
}

fn table_mut<'a>(schema: &'a mut Schema, table: &str) -> Result<&'a mut Table, String> {
    schema
        .tables
        .get_mut(table)
        .ok_or_else(|| format!("there is no table `{table}`"))
}

fn column_mut<'a>(table: &'a mut Table, column: &str) -> Result<&'a mut Column, String> {
    let name = table.name.clone();
    table
        .columns
        .iter_mut()
        .find(|c| c.name == column)
        .ok_or_else(|| format!("table `{name}` has no column `{column}`"))
}

/// The referenced columns exist, where the schema holds the referenced
/// table: a migration records only the tables it touches, and a table it
/// does not hold is one it leaves alone.
fn referenced_columns(schema: &Schema, table: &str, columns: &[String]) -> Result<(), String> {
    let Some(t) = schema.table(table) else {
        return Ok(());
    };
    match columns.iter().find(|c| t.get_column(c).is_none()) {
        Some(c) => Err(format!("table `{table}` has no column `{c}` to reference")),
        None => Ok(()),
    }
}

fn referenced_by_others(schema: &Schema, table: &str, column: &str) -> Result<(), String> {
    let hit = schema
        .tables
        .values()
        .flat_map(|t| t.foreign_keys.iter().map(move |fk| (&t.name, fk)))
        .find(|(_, fk)| fk.ref_table == table && fk.ref_columns.iter().any(|c| c == column));
    match hit {
        Some((owner, fk)) => Err(format!(
            "column `{table}.{column}` is referenced by foreign key `{}` of `{owner}`: drop that key first",
            fk.name
        )),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use crate::ops;
    use crate::schema::{Column, ForeignKey, LogicalType, ReferentialAction, Schema, Table};

    fn shop() -> Schema {
        let mut schema = Schema::default();
        schema.insert(
            Table::new("customer")
                .column(Column::new("id", LogicalType::I64))
                .column(Column::new(
                    "email",
                    LogicalType::String { max_length: None },
                ))
                .primary_key(["id"])
                .index(["email"], true),
        );
        schema.insert(
            Table::new("purchase")
                .column(Column::new("id", LogicalType::I64))
                .column(Column::new("customer_id", LogicalType::I64))
                .primary_key(["id"])
                .foreign_key(ForeignKey::new(
                    "purchase",
                    vec!["customer_id".into()],
                    "customer",
                    vec!["id".into()],
                    ReferentialAction::NoAction,
                )),
        );
        schema
    }

    #[test]
    fn what_still_uses_a_column_or_table_stops_its_drop() {
        let mut schema = shop();
        let cases = [
            (
                ops::drop_column("customer", "email"),
                "index `ux_customer__email` uses column `customer.email`: drop it first (drop_index)",
            ),
            (
                ops::drop_column("customer", "id"),
                "column `customer.id` is in the primary key: replace the key first (set_primary_key)",
            ),
            (
                ops::drop_column("purchase", "customer_id"),
                "foreign key `fk_purchase__customer_id` uses column `purchase.customer_id`: drop it first (drop_foreign_key)",
            ),
            (
                ops::drop_table("customer"),
                "table `customer` is referenced by foreign key `fk_purchase__customer_id` of `purchase`: drop that key first",
            ),
            (
                ops::rename_table("customer", "purchase"),
                "table `purchase` exists already",
            ),
        ];
        for (op, expected) in cases {
            assert_eq!(
                op.apply_to(&mut schema).expect_err("refused"),
                expected,
                "{op}"
            );
        }
        assert_eq!(schema, shop(), "a refused operation changes nothing");
    }

    #[test]
    fn renames_carry_the_foreign_keys_that_point_at_them() {
        let mut schema = shop();
        ops::rename_table("customer", "client")
            .apply_to(&mut schema)
            .expect("applies");
        ops::rename_column("client", "id", "client_id")
            .apply_to(&mut schema)
            .expect("applies");
        let fk = &schema.table("purchase").expect("purchase").foreign_keys[0];
        assert_eq!(
            (fk.ref_table.as_str(), fk.ref_columns.as_slice()),
            ("client", &["client_id".to_owned()][..])
        );
        assert_eq!(
            schema.table("client").expect("client").primary_key,
            ["client_id"]
        );
    }

    #[test]
    fn each_inverse_restores_the_schema_and_drops_have_none() {
        let before = shop();
        let text = LogicalType::String { max_length: None };
        for op in [
            ops::rename_table("customer", "client"),
            ops::rename_column("customer", "email", "mail"),
            ops::alter_type("purchase", "customer_id", LogicalType::I32),
            ops::drop_index("customer", "ux_customer__email"),
            ops::drop_foreign_key("purchase", "fk_purchase__customer_id"),
            ops::add_column("customer", Column::new("note", text.clone()).nullable()),
            ops::alter_default(
                "customer",
                "email",
                Some(crate::schema::DefaultValue::Text("".into())),
            ),
        ] {
            let mut after = before.clone();
            op.apply_to(&mut after).expect("applies");
            let inverse = op.inverse(&before).expect("applies");
            inverse.apply_to(&mut after).expect("applies");
            assert_eq!(after, before, "{op} then {inverse}");
        }
        assert!(
            ops::drop_column("customer", "email")
                .inverse(&before)
                .is_none()
        );
        assert!(ops::drop_table("purchase").inverse(&before).is_none());
        assert!(
            ops::sql("UPDATE customer SET email = ''")
                .inverse(&before)
                .is_none()
        );
    }
}

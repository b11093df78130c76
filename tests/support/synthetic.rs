//! Synthetic registries of any size, for the boot and scale tests and the
//! benchmarks.

use m_runtime::Registry;
use m_runtime::registry::{ColumnDef, DocTypeDef, IndexDef, ReferenceDef};
use m_runtime::schema::{DefaultValue, LogicalType, ReferentialAction};

fn leak<T>(v: Vec<T>) -> &'static [T] {
    Box::leak(v.into_boxed_slice())
}

fn name(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

pub fn column(name: &'static str, ty: LogicalType) -> ColumnDef {
    ColumnDef {
        name,
        field: name,
        ty,
        nullable: false,
        default: None,
        unique: false,
        index: false,
        renamed_from: &[],
        references: None,
    }
}

/// `n` DocTypes `t0000`..: five columns each, an index, and (past the
/// first) a foreign key to the previous table.
pub fn registry(n: usize) -> Registry {
    registry_with(n, 0)
}

/// Like [`registry`], with `extra_columns` more nullable text columns on every
/// table (a way to get a plan with `n * extra_columns` changes).
pub fn registry_with(n: usize, extra_columns: usize) -> Registry {
    let mut doctypes = Vec::with_capacity(n);
    for i in 0..n {
        let table = name(format!("t{i:04}"));
        let mut columns = vec![
            column("id", LogicalType::I64),
            ColumnDef {
                index: true,
                ..column(
                    "title",
                    LogicalType::String {
                        max_length: Some(140),
                    },
                )
            },
            ColumnDef {
                nullable: true,
                ..column("body", LogicalType::String { max_length: None })
            },
            ColumnDef {
                default: Some(DefaultValue::Int(0)),
                ..column("counter", LogicalType::I32)
            },
            ColumnDef {
                nullable: true,
                references: (i > 0).then(|| ReferenceDef {
                    table: name(format!("t{:04}", i - 1)),
                    column: "id",
                    on_delete: ReferentialAction::SetNull,
                }),
                ..column("parent_id", LogicalType::I64)
            },
        ];
        for e in 0..extra_columns {
            columns.push(ColumnDef {
                nullable: true,
                ..column(
                    name(format!("extra{e}")),
                    LogicalType::String { max_length: None },
                )
            });
        }
        doctypes.push(&*Box::leak(Box::new(DocTypeDef {
            app: "synthetic",
            name: table,
            table,
            module_path: "synthetic",
            columns: leak(columns),
            primary_key: &["id"],
            indexes: leak(vec![IndexDef {
                name: None,
                columns: &["counter", "title"],
                unique: false,
            }]),
            renamed_from: &[],
            retired_columns: &[],
            checks: &[],
        })));
    }
    let mut registry = Registry {
        doctypes,
        ..Registry::default()
    };
    registry.sort();
    registry
}

/// `registry` with column `column` of DocType `table` changed by `change`
/// (the descriptor is static, so the changed copy is leaked, as tests may).
pub fn with_column(
    registry: &Registry,
    table: &str,
    column: &str,
    change: impl FnOnce(&mut ColumnDef),
) -> Registry {
    let mut registry = registry.clone();
    let slot = registry
        .doctypes
        .iter_mut()
        .find(|d| d.table == table)
        .expect("no such DocType");
    let mut columns = slot.columns.to_vec();
    change(
        columns
            .iter_mut()
            .find(|c| c.name == column)
            .expect("no such column"),
    );
    *slot = Box::leak(Box::new(DocTypeDef {
        columns: leak(columns),
        ..**slot
    }));
    registry
}

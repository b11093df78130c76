/// The Frappe DocType `Ledger Entry`, generated from `doctypes/ledger_entry.json`.
#[::m_runtime::doctype(table = "ledger_entry", schema = "billing")]
#[derive(::core::fmt::Debug, ::core::clone::Clone, ::core::cmp::PartialEq)]
pub struct LedgerEntry {
    #[field(primary_key, max_length = 140)]
    pub name: ::std::string::String,
    #[field(max_length = 140)]
    pub account: ::std::string::String,
    #[field(precision = 21, scale = 9)]
    pub amount: ::core::option::Option<::rust_decimal::Decimal>,
}

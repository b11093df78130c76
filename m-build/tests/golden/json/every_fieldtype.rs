/// The Frappe DocType `Sales Invoice`, generated from `doctypes/every_fieldtype.json`.
#[::m_runtime::doctype(table = "sales_invoice")]
#[derive(::core::fmt::Debug, ::core::clone::Clone, ::core::cmp::PartialEq)]
pub struct SalesInvoice {
    #[field(primary_key, max_length = 140)]
    pub name: ::std::string::String,
    #[field(max_length = 140, default = "New Invoice")]
    pub title: ::core::option::Option<::std::string::String>,
    #[field(max_length = 140, references = Customer)]
    pub customer: ::std::string::String,
    #[field(max_length = 140)]
    pub party_type: ::core::option::Option<::std::string::String>,
    #[field(max_length = 140, default = "Draft")]
    pub status: ::core::option::Option<::std::string::String>,
    #[field(max_length = 140)]
    pub read_only_ref: ::core::option::Option<::std::string::String>,
    #[field(max_length = 140)]
    pub colour: ::core::option::Option<::std::string::String>,
    #[field(max_length = 140)]
    pub phone: ::core::option::Option<::std::string::String>,
    pub remarks: ::core::option::Option<::std::string::String>,
    pub summary: ::core::option::Option<::std::string::String>,
    pub terms: ::core::option::Option<::std::string::String>,
    pub body: ::core::option::Option<::std::string::String>,
    pub script: ::core::option::Option<::std::string::String>,
    pub attachment: ::core::option::Option<::std::string::String>,
    pub image: ::core::option::Option<::std::string::String>,
    pub secret: ::core::option::Option<::std::string::String>,
    #[field(default = 0)]
    pub quantity: i32,
    #[field(default = 9000000000)]
    pub big_number: ::core::option::Option<i64>,
    #[field(default = false)]
    pub is_paid: bool,
    #[field(default = 1.5)]
    pub rate: ::core::option::Option<f64>,
    pub discount: ::core::option::Option<f64>,
    pub score: ::core::option::Option<f64>,
    pub elapsed: ::core::option::Option<f64>,
    #[field(precision = 21, scale = 9, default = 0.0)]
    pub grand_total: ::core::option::Option<::rust_decimal::Decimal>,
    pub posting_date: ::chrono::NaiveDate,
    #[field(default = current_timestamp)]
    pub posted_at: ::core::option::Option<::chrono::NaiveDateTime>,
    pub posting_time: ::core::option::Option<::chrono::NaiveTime>,
    pub meta: ::core::option::Option<::serde_json::Value>,
    #[field(max_length = 140)]
    pub r#type: ::core::option::Option<::std::string::String>,
    #[field(column = "self", max_length = 140)]
    pub self_: ::core::option::Option<::std::string::String>,
    #[field(max_length = 140)]
    pub owner_user: ::core::option::Option<::std::string::String>,
}

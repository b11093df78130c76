/// The Frappe DocType `Publisher`, generated from `doctypes/publisher.json`.
#[::m_runtime::doctype(table = "publisher")]
#[derive(::core::fmt::Debug, ::core::clone::Clone, ::core::cmp::PartialEq)]
pub struct Publisher {
    #[field(primary_key, max_length = 140)]
    pub name: ::std::string::String,
    #[field(max_length = 140, unique)]
    pub publisher_name: ::std::string::String,
    #[field(max_length = 140, index, references = Country)]
    pub country: ::core::option::Option<::std::string::String>,
    pub founded: ::core::option::Option<i32>,
    #[field(default = true)]
    pub is_active: bool,
    #[field(max_length = 255)]
    pub website: ::core::option::Option<::std::string::String>,
    pub notes: ::core::option::Option<::std::string::String>,
}

//! Every mistake in one enum, each spanned at its token, in one build.
use m_runtime::DocEnum;

#[derive(DocEnum)]
#[doc_enum(rename_al = "snake_case", rename_all = "shouting")]
pub enum Status {
    Open(String),
    Closed { at: i64 },
    #[doc_enum(rename = "open")]
    Reopened,
    #[doc_enum(name = "x")]
    Lost,
}

fn main() {}

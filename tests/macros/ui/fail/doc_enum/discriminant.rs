//! A DocEnum is stored by name: a discriminant would suggest otherwise.
use m_runtime::DocEnum;

#[derive(DocEnum)]
pub enum Status {
    Open = 1,
    Closed = 2,
}

fn main() {}

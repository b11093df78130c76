//! A DocEnum's values are fixed: no generics.
use m_runtime::DocEnum;

#[derive(DocEnum)]
pub enum Status<T> {
    Open,
    Closed,
    #[doc_enum(skip)]
    Never(std::marker::PhantomData<T>),
}

fn main() {}

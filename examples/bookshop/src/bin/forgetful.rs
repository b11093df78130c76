//! A bookshop build that forgot the `orders` app: nothing in it names the
//! crate, so the linker drops it. Run against a database the full bookshop
//! synced, m names the missing app instead of reporting its tables as
//! orphans (the tests use this binary).

m_runtime::apps![catalog];

#[tokio::main]
async fn main() -> std::process::ExitCode {
    m_runtime::cli::main().await
}

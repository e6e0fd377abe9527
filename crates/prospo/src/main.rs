use clap::Parser;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // Two rustls crypto providers get compiled in by the dependency set; pick one before any TLS use.
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    prospo::cli::run(prospo::cli::Cli::parse()).await
}

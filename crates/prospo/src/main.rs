use clap::Parser;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // Two rustls crypto providers get compiled in by the dependency set; pick one before any TLS use.
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    return_large_blocks_to_the_os();
    keep_files_private();
    prospo::cli::run(prospo::cli::Cli::parse()).await
}

/// Everything Prospo writes (the database, the keyring, `.eml` files holding reset and manage
/// links) is for its own user only: files 0600, folders 0700.
fn keep_files_private() {
    // SAFETY: umask only sets the process's file mode mask.
    unsafe {
        libc::umask(0o077);
    }
}

/// Argon2 allocates 19 MiB per password check. glibc raises its mmap threshold after the first such
/// block is freed and keeps later ones in its arenas for good (measured: 860 MB resident after 100
/// sign-ups); a fixed threshold hands them back to the OS when freed.
fn return_large_blocks_to_the_os() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets an allocator parameter; it is called before any other thread exists.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 128 * 1024);
    }
}

//! `padlock serve`.

/// Arguments of `padlock serve`.
#[derive(clap::Args, Debug)]
pub struct Args {}

/// Runs the command; returns the process exit code.
pub fn run(_args: Args) -> anyhow::Result<i32> {
    anyhow::bail!("padlock serve is not built yet")
}

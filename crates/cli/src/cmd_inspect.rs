//! `padlock inspect`.

/// Arguments of `padlock inspect`.
#[derive(clap::Args, Debug)]
pub struct Args {}

/// Runs the command; returns the process exit code.
pub fn run(_args: Args) -> anyhow::Result<i32> {
    anyhow::bail!("padlock inspect is not built yet")
}

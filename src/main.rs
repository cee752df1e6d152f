//! The `homecall` command: run the box, or manage its links.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use homecall::clock::unix_now;
use homecall::config::Config;
use homecall::links::{LinkBook, NewLink};

#[derive(Parser)]
#[command(
    name = "homecall",
    version,
    about = "A video-call box for the TV that answers by itself"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the box: wait for calls and answer them.
    Run {
        #[arg(long, value_name = "FILE")]
        config: PathBuf,
    },
    /// Manage the links relatives call with.
    Link {
        #[command(subcommand)]
        command: LinkCommand,
    },
}

#[derive(Subcommand)]
enum LinkCommand {
    /// Make a new link and print its URL (last line of output).
    Create {
        #[arg(long, value_name = "FILE")]
        config: PathBuf,
        /// Who the link is for, shown on the TV when they call.
        #[arg(long, default_value = "Family")]
        label: String,
        /// The link stops working after this many hours.
        #[arg(long, value_name = "HOURS")]
        expires_in_hours: Option<u64>,
        /// The link is good for one call.
        #[arg(long)]
        one_time: bool,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Run { config } => load(&config).and_then(homecall::app::run),
        Command::Link {
            command:
                LinkCommand::Create {
                    config,
                    label,
                    expires_in_hours,
                    one_time,
                },
        } => load(&config).and_then(|c| {
            let expires = expires_in_hours.map(|h| unix_now() + h * 3600);
            create_link(
                &c,
                &NewLink {
                    label,
                    expires,
                    one_time,
                },
            )
        }),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("homecall: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn load(path: &std::path::Path) -> anyhow::Result<Config> {
    Ok(Config::load(path)?)
}

fn create_link(config: &Config, new: &NewLink) -> anyhow::Result<()> {
    let (link, token) = LinkBook::open(&config.state_dir).create(new)?;
    println!("New link for {:?} (id {}):", link.label, link.id);
    println!("{}/r/{}", config.web.public_url, token.expose());
    Ok(())
}

//! The `homecall` command: run the box, manage its links, or run the relay
//! (on the family's server) and pair boxes with it.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use homecall::clock::unix_now;
use homecall::config::Config;
use homecall::links::{LinkBook, NewLink};
use homecall::relay::{BoxBook, BoxId, PairingStore, RelayConfig};

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
    /// Run the relay (`--config relay.toml`), or pair a box with it.
    #[command(args_conflicts_with_subcommands = true)]
    Relay {
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
        #[command(subcommand)]
        command: Option<RelayCommand>,
    },
}

#[derive(Subcommand)]
enum RelayCommand {
    /// Pair a new box: prints the code to paste into the box's admin page
    /// (last line of output). Works while the relay runs.
    Pair {
        #[arg(long, value_name = "FILE")]
        config: PathBuf,
    },
    /// Forget a box: its tunnel is refused from now on.
    Unpair {
        #[arg(long, value_name = "FILE")]
        config: PathBuf,
        /// The box's id (16 hex digits, as in its links).
        box_id: String,
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
        Command::Relay {
            config: Some(config),
            command: None,
        } => RelayConfig::load(&config)
            .map_err(anyhow::Error::from)
            .and_then(homecall::relay_app::run),
        Command::Relay { command: None, .. } => Err(anyhow::anyhow!(
            "say which relay: homecall relay --config relay.toml (or: homecall relay pair --config relay.toml)"
        )),
        Command::Relay {
            command: Some(RelayCommand::Pair { config }),
            ..
        } => RelayConfig::load(&config)
            .map_err(anyhow::Error::from)
            .and_then(|c| pair_box(&c)),
        Command::Relay {
            command: Some(RelayCommand::Unpair { config, box_id }),
            ..
        } => RelayConfig::load(&config)
            .map_err(anyhow::Error::from)
            .and_then(|c| unpair_box(&c, &box_id)),
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
    // A box paired with a relay is called through it.
    let base = match PairingStore::open(&config.state_dir).load()? {
        Some(code) => format!("{}/b/{}", code.relay_url, code.box_id),
        None => config.web.public_url.clone(),
    };
    println!("New link for {:?} (id {}):", link.label, link.id);
    println!("{base}/r/{}", token.expose());
    Ok(())
}

fn pair_box(config: &RelayConfig) -> anyhow::Result<()> {
    let code = BoxBook::open(&config.state_dir).pair(&config.public_url)?;
    println!("New box {} paired with this relay.", code.box_id);
    println!("On the box's admin page (Relay), paste this code; it is shown only once:");
    println!("{code}");
    Ok(())
}

fn unpair_box(config: &RelayConfig, box_id: &str) -> anyhow::Result<()> {
    let id = BoxId::parse(box_id)
        .ok_or_else(|| anyhow::anyhow!("{box_id:?} is not a box id (16 hex digits)"))?;
    if BoxBook::open(&config.state_dir).unpair(&id)? {
        println!("Box {id} is no longer paired with this relay.");
        Ok(())
    } else {
        anyhow::bail!("no box {id} is paired with this relay")
    }
}

//! `kehu bench disk`: how long this machine's disk takes to flush a commit, which decides what
//! `KEHU_SQLITE_SYNC=full` (the default) costs.
//!
//! With FULL, every SQLite answer waits for an `fdatasync` of the WAL that began after its
//! commit; at concurrency 16 a commit's WAL is some 60–80 KiB. This writes chunks of that size to
//! a scratch file in the directory that will hold the database, each followed by `fdatasync`, in
//! two rhythms: back to back (the disk never idles), and with a pause before each write (as the
//! syncer waits for the writer's next batch). Some virtual disks flush several times slower after
//! even a fraction of a millisecond idle; the second line shows whether this one does.

use anyhow::Context as _;
use std::os::unix::fs::FileExt as _;
use std::time::{Duration, Instant};

#[derive(clap::Args)]
pub struct Args {
    /// Directory of the scratch file: the one that holds (or will hold) the database.
    #[arg(long, default_value = ".")]
    pub dir: std::path::PathBuf,
    /// Seconds of each rhythm.
    #[arg(long, default_value_t = 4)]
    pub seconds: u64,
    /// Bytes written before each flush.
    #[arg(long, default_value_t = 64 * 1024)]
    pub chunk: usize,
    /// Microseconds of pause before each write in the second rhythm.
    #[arg(long, default_value_t = 300)]
    pub pause_us: u64,
}

/// The scratch file cycles through this many bytes, so that after the first pass every write
/// overwrites blocks already allocated (as SQLite's WAL does once it has wrapped).
const SPAN: u64 = 32 << 20;

pub fn run(args: Args) -> anyhow::Result<std::process::ExitCode> {
    anyhow::ensure!(
        (512..=8 << 20).contains(&args.chunk),
        "--chunk takes 512 to 8388608 bytes"
    );
    anyhow::ensure!(
        (1..=600).contains(&args.seconds),
        "--seconds takes 1 to 600"
    );
    anyhow::ensure!(args.pause_us <= 1_000_000, "--pause-us takes 0 to 1000000");
    let path = args
        .dir
        .join(format!("kehu-bench-disk-{}.tmp", std::process::id()));
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create_new(true)
        .open(&path)
        .with_context(|| format!("cannot create {}", path.display()))?;
    let result = measure(&file, &args);
    drop(file);
    std::fs::remove_file(&path).with_context(|| format!("cannot remove {}", path.display()))?;
    let (busy, paused) = result?;
    println!(
        "kehu bench disk — {} (chunks of {} bytes, {} s each)",
        args.dir.display(),
        args.chunk,
        args.seconds
    );
    println!();
    println!("| rhythm | flushes/s | fdatasync p50 / p90 / mean |");
    println!("|---|---|---|");
    for (name, r) in [
        ("back to back".to_string(), busy),
        (
            format!("a {} µs pause before each write", args.pause_us),
            paused,
        ),
    ] {
        println!(
            "| {name} | {:.0} | {} / {} / {} |",
            r.rate,
            crate::bench::us(r.p50),
            crate::bench::us(r.p90),
            crate::bench::us(r.mean)
        );
    }
    Ok(std::process::ExitCode::SUCCESS)
}

struct Rhythm {
    rate: f64,
    p50: Duration,
    p90: Duration,
    mean: Duration,
}

fn measure(file: &std::fs::File, args: &Args) -> anyhow::Result<(Rhythm, Rhythm)> {
    // Allocate the span first, so that neither rhythm pays for growing the file.
    let zeros = vec![0u8; 1 << 20];
    for i in 0..SPAN >> 20 {
        file.write_all_at(&zeros, i << 20)?;
    }
    file.sync_all()?;
    let chunk: Vec<u8> = (0..args.chunk).map(|i| (i % 251) as u8).collect();
    let mut offset = 0u64;
    let mut rhythm = |pause: Option<Duration>| -> anyhow::Result<Rhythm> {
        let mut lat = Vec::new();
        let started = Instant::now();
        let until = started + Duration::from_secs(args.seconds);
        while Instant::now() < until {
            if let Some(p) = pause {
                std::thread::sleep(p);
            }
            if offset + chunk.len() as u64 > SPAN {
                offset = 0;
            }
            file.write_all_at(&chunk, offset)?;
            offset += chunk.len() as u64;
            let t = Instant::now();
            file.sync_data()?;
            lat.push(t.elapsed());
        }
        let rate = lat.len() as f64 / started.elapsed().as_secs_f64();
        let mean = lat.iter().sum::<Duration>() / lat.len().max(1) as u32;
        lat.sort();
        Ok(Rhythm {
            rate,
            p50: crate::bench::percentile(&lat, 0.5),
            p90: crate::bench::percentile(&lat, 0.9),
            mean,
        })
    };
    let busy = rhythm(None)?;
    let paused = rhythm(Some(Duration::from_micros(args.pause_us)))?;
    Ok((busy, paused))
}

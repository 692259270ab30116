//! Measures how large sled 0.34.7's file grows while the live records stay flat: four writers
//! each commit a record and its expiry index entry in one transaction (like the store's
//! `put_expiring`), optionally flushing after every commit, while a sweeper removes every second
//! what has expired. Every ten seconds it prints the live records' bytes beside the file's size;
//! then it stops the load, idles, exports into a fresh directory, removes everything and reopens.
//!
//! ```text
//! cargo run --release --example sled_growth -- DIR LOAD_SECS TTL_SECS RATE FLUSH_EACH_COMMIT(0/1) \
//!     [SEGMENT_SIZE] [CACHE_MIB] [IDLE_SECS] [FLUSH_EVERY_MS]
//! ```
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::Context;
use sled::Transactional;
use sled::transaction::ConflictableTransactionError;

const WRITERS: u64 = 4;
const RECORD_BYTES: usize = 300;

struct Settings {
    dir: PathBuf,
    load_secs: u64,
    ttl_ms: u64,
    rate: u64,
    flush_each_commit: bool,
    segment_size: usize,
    cache_mib: u64,
    idle_secs: u64,
    flush_every_ms: u64,
}

impl Settings {
    fn from_args() -> anyhow::Result<Settings> {
        let args: Vec<String> = std::env::args().skip(1).collect();
        let number = |index: usize, name: &str, default: u64| -> anyhow::Result<u64> {
            args.get(index).map_or(Ok(default), |text| {
                text.parse()
                    .with_context(|| format!("{name} must be a whole number, not {text:?}"))
            })
        };
        Ok(Settings {
            dir: PathBuf::from(args.first().map_or("/tmp/sled_growth", String::as_str)),
            load_secs: number(1, "LOAD_SECS", 60)?,
            ttl_ms: number(2, "TTL_SECS", 20)? * 1000,
            rate: number(3, "RATE", 2000)?.max(WRITERS),
            flush_each_commit: number(4, "FLUSH_EACH_COMMIT", 1)? == 1,
            segment_size: usize::try_from(number(5, "SEGMENT_SIZE", 512 * 1024)?)?,
            cache_mib: number(6, "CACHE_MIB", 1024)?,
            idle_secs: number(7, "IDLE_SECS", 20)?,
            flush_every_ms: number(8, "FLUSH_EVERY_MS", 500)?,
        })
    }

    fn config(&self, dir: &Path) -> sled::Config {
        sled::Config::new()
            .path(dir)
            .segment_size(self.segment_size)
            .cache_capacity(self.cache_mib * 1024 * 1024)
            .flush_every_ms(Some(self.flush_every_ms))
    }
}

fn main() -> anyhow::Result<()> {
    let settings = Settings::from_args()?;
    let dir = settings.dir.clone();
    if dir.exists() {
        std::fs::remove_dir_all(&dir).with_context(|| format!("clearing {}", dir.display()))?;
    }
    println!(
        "load {}s, records live {}s, {}/s, flush after each commit: {}, segment {} bytes, cache {} MiB, background flush every {} ms",
        settings.load_secs,
        settings.ttl_ms / 1000,
        settings.rate,
        settings.flush_each_commit,
        settings.segment_size,
        settings.cache_mib,
        settings.flush_every_ms,
    );
    let db = settings.config(&dir).open()?;
    let records = db.open_tree("records")?;
    let index = db.open_tree("records_by_expiry")?;
    let stop = Arc::new(AtomicBool::new(false));
    let flushes = Arc::new(AtomicU64::new(0));
    let written = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let mut workers = Vec::new();
    for worker in 0..WRITERS {
        let (db, records, index) = (db.clone(), records.clone(), index.clone());
        let (stop, flushes, written) = (stop.clone(), flushes.clone(), written.clone());
        let (ttl_ms, per_worker, flush) = (
            settings.ttl_ms,
            settings.rate / WRITERS,
            settings.flush_each_commit,
        );
        workers.push(std::thread::spawn(move || -> anyhow::Result<()> {
            let begun = Instant::now();
            let mut made = 0u64;
            while !stop.load(Ordering::Relaxed) {
                let due = begun + Duration::from_micros(made * 1_000_000 / per_worker);
                if let Some(wait) = due.checked_duration_since(Instant::now()) {
                    std::thread::sleep(wait);
                }
                made += 1;
                let digest = digest_like((worker << 48) ^ made ^ now_millis().rotate_left(17));
                let mut index_key = (now_millis() + ttl_ms).to_be_bytes().to_vec();
                index_key.extend_from_slice(digest.as_bytes());
                let record = vec![0x5a_u8; RECORD_BYTES];
                (&records, &index)
                    .transaction(|(records, index)| {
                        records.insert(digest.as_bytes(), record.clone())?;
                        index.insert(index_key.clone(), &[] as &[u8])?;
                        Ok::<(), ConflictableTransactionError<()>>(())
                    })
                    .map_err(|error| anyhow::anyhow!("commit failed: {error:?}"))?;
                written.fetch_add(1, Ordering::Relaxed);
                if flush {
                    db.flush()?;
                    flushes.fetch_add(1, Ordering::Relaxed);
                }
            }
            Ok(())
        }));
    }
    {
        let (records, index, stop) = (records.clone(), index.clone(), stop.clone());
        workers.push(std::thread::spawn(move || -> anyhow::Result<()> {
            while !stop.load(Ordering::Relaxed) {
                std::thread::sleep(Duration::from_secs(1));
                sweep(&records, &index, now_millis())?;
            }
            Ok(())
        }));
    }
    let mut written_before = 0;
    for second in 1..=settings.load_secs {
        std::thread::sleep(Duration::from_secs(1));
        if second % 10 == 0 {
            let written_now = written.load(Ordering::Relaxed);
            print!("[{:>5}/s] ", (written_now - written_before) / 10);
            written_before = written_now;
            report("load", &dir, &db, started, flushes.load(Ordering::Relaxed))?;
        }
    }
    stop.store(true, Ordering::Relaxed);
    for worker in workers {
        worker
            .join()
            .map_err(|_| anyhow::anyhow!("a worker panicked"))??;
    }
    db.flush()?;
    let flushed = flushes.load(Ordering::Relaxed);
    report("stopped", &dir, &db, started, flushed)?;
    for second in 1..=settings.idle_secs {
        std::thread::sleep(Duration::from_secs(1));
        if second % 10 == 0 {
            report("idle", &dir, &db, started, flushed)?;
        }
    }
    let fresh_dir = dir.with_extension("exported");
    if fresh_dir.exists() {
        std::fs::remove_dir_all(&fresh_dir)?;
    }
    let fresh = settings.config(&fresh_dir).open()?;
    fresh.import(db.export());
    fresh.flush()?;
    report("exported", &fresh_dir, &fresh, started, 0)?;
    drop(fresh);
    sweep(&records, &index, u64::MAX)?;
    db.flush()?;
    std::thread::sleep(Duration::from_secs(5));
    report("emptied", &dir, &db, started, flushed)?;
    drop((records, index, db));
    // sled's flusher thread lets go of the directory's lock a moment after the last handle.
    std::thread::sleep(Duration::from_secs(2));
    let db = settings.config(&dir).open()?;
    report("reopened", &dir, &db, started, 0)?;
    Ok(())
}

/// Removes every record whose expiry is before `cutoff`, with its index entry.
fn sweep(records: &sled::Tree, index: &sled::Tree, cutoff: u64) -> anyhow::Result<()> {
    let cutoff = cutoff.to_be_bytes();
    for entry in index.range(..cutoff.as_slice()) {
        let (key, _) = entry?;
        records.remove(&key[8..])?;
        index.remove(&key)?;
    }
    Ok(())
}

fn report(
    phase: &str,
    dir: &Path,
    db: &sled::Db,
    started: Instant,
    flushes: u64,
) -> anyhow::Result<()> {
    let (count, live_bytes) = live(db)?;
    println!(
        "{phase:>8} t={:>4.0}s records={count:>7} live={:>6.1}MiB file={:>6.1}MiB flushes={flushes}",
        started.elapsed().as_secs_f64(),
        mebibytes(live_bytes),
        mebibytes(allocated_bytes(dir)?),
    );
    Ok(())
}

/// What the directory takes on disk, as `du` counts it.
fn allocated_bytes(dir: &Path) -> anyhow::Result<u64> {
    use std::os::unix::fs::MetadataExt;
    let mut total = 0;
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        total += if path.is_dir() {
            allocated_bytes(&path)?
        } else {
            std::fs::metadata(&path)?.blocks() * 512
        };
    }
    Ok(total)
}

/// The records' and index entries' keys and values, every tree together.
fn live(db: &sled::Db) -> anyhow::Result<(usize, u64)> {
    let (mut count, mut bytes) = (0, 0);
    for name in db.tree_names() {
        for entry in db.open_tree(name)?.iter() {
            let (key, value) = entry?;
            count += 1;
            bytes += (key.len() + value.len()) as u64;
        }
    }
    Ok((count, bytes))
}

fn now_millis() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_millis() as u64)
}

fn mebibytes(bytes: u64) -> f64 {
    bytes as f64 / 1_048_576.0
}

/// 64 hex digits spread over the key space like a token's digest (splitmix64, four rounds).
fn digest_like(seed: u64) -> String {
    let mut state = seed;
    (0..4)
        .map(|_| {
            state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            format!("{:016x}", z ^ (z >> 31))
        })
        .collect()
}

//! Crash-safe files under the state directory.
//!
//! Owns how technical state reaches the disk: every write goes to a temporary
//! file in the same directory, is flushed with `fsync`, renamed over the old
//! file and the directory is flushed too, so after a power cut a reader finds
//! either the old or the new content, never a mix. Writers that read, modify
//! and write take an exclusive lock on a sibling `.lock` file so the running
//! box and the command line never lose each other's changes.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use serde::de::DeserializeOwned;
use serde::Serialize;

/// Why state could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: io::Error },
    #[error("{path} is damaged: {source}")]
    Corrupt {
        path: PathBuf,
        source: serde_json::Error,
    },
}

fn io_error(path: &Path) -> impl FnOnce(io::Error) -> StoreError + '_ {
    move |source| StoreError::Io {
        path: path.to_owned(),
        source,
    }
}

/// One JSON document on disk, written crash-safely.
#[derive(Debug, Clone)]
pub struct JsonFile {
    path: PathBuf,
}

impl JsonFile {
    pub fn new(path: PathBuf) -> Self {
        Self { path }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The document, or `None` when it was never written.
    pub fn read<T: DeserializeOwned>(&self) -> Result<Option<T>, StoreError> {
        match fs::read(&self.path) {
            Ok(bytes) => {
                serde_json::from_slice(&bytes)
                    .map(Some)
                    .map_err(|source| StoreError::Corrupt {
                        path: self.path.clone(),
                        source,
                    })
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(io_error(&self.path)(e)),
        }
    }

    /// Replaces the document; once this returns the new content survives a power cut.
    pub fn write<T: Serialize>(&self, value: &T) -> Result<(), StoreError> {
        let mut bytes = serde_json::to_vec_pretty(value).map_err(|source| StoreError::Corrupt {
            path: self.path.clone(),
            source,
        })?;
        bytes.push(b'\n');
        write_atomic(&self.path, &bytes)
    }

    /// Reads, lets `change` modify, and writes the document back while holding
    /// the file's lock, so concurrent processes serialise their changes.
    pub fn update<T, R>(&self, change: impl FnOnce(&mut T) -> R) -> Result<R, StoreError>
    where
        T: Serialize + DeserializeOwned + Default,
    {
        let _lock = self.lock()?;
        let mut value = self.read::<T>()?.unwrap_or_default();
        let result = change(&mut value);
        self.write(&value)?;
        Ok(result)
    }

    fn lock(&self) -> Result<File, StoreError> {
        let lock_path = self.path.with_extension("lock");
        if let Some(dir) = lock_path.parent() {
            fs::create_dir_all(dir).map_err(io_error(dir))?;
        }
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(io_error(&lock_path))?;
        file.lock().map_err(io_error(&lock_path))?;
        Ok(file)
    }
}

/// Writes `bytes` to `path` through a temporary file, fsync and rename.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), StoreError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(dir).map_err(io_error(dir))?;
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("state");
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let unique = NEXT.fetch_add(1, Ordering::Relaxed);
    let tmp = dir.join(format!(".{name}.{}.{unique}.tmp", std::process::id()));
    let result = (|| {
        let mut file = File::create(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        fs::rename(&tmp, path)?;
        File::open(dir)?.sync_all()
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result.map_err(io_error(path))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn missing_file_reads_as_none_and_update_creates_it() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = JsonFile::new(dir.path().join("sub/state.json"));
        assert_eq!(file.read::<BTreeMap<String, u32>>().expect("read"), None);
        file.update(|m: &mut BTreeMap<String, u32>| m.insert("a".into(), 1))
            .expect("update");
        let back: BTreeMap<String, u32> = file.read().expect("read").expect("exists");
        assert_eq!(back.get("a"), Some(&1));
        let leftovers: Vec<_> = fs::read_dir(dir.path().join("sub"))
            .expect("dir")
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
            .collect();
        assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
    }

    #[test]
    fn damaged_file_is_reported_not_replaced() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("state.json");
        fs::write(&path, b"{ half").expect("write");
        let file = JsonFile::new(path.clone());
        let err = file.read::<BTreeMap<String, u32>>().expect_err("damaged");
        assert!(err.to_string().contains("is damaged"), "{err}");
        assert_eq!(fs::read(&path).expect("still there"), b"{ half");
    }

    #[test]
    fn concurrent_updates_from_threads_lose_nothing() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = JsonFile::new(dir.path().join("counter.json"));
        let threads: Vec<_> = (0..4)
            .map(|_| {
                let file = file.clone();
                std::thread::spawn(move || {
                    for _ in 0..25 {
                        file.update(|n: &mut u64| *n += 1).expect("update");
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().expect("thread");
        }
        assert_eq!(file.read::<u64>().expect("read"), Some(100));
    }
}

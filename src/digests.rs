//! The inputs' SHA-256 (findings.json's `inputs`), computed from the start of a run on a background
//! thread at the lowest CPU priority: it uses the time the reading and joining leave a core idle instead
//! of a stage of its own after them. When the checks need the digests, whatever is not hashed yet is
//! hashed then, on every core.

use crate::findings::sha256_file;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

/// Digests being computed for one folder's files.
pub struct InputDigests {
    shared: Arc<Shared>,
    worker: Option<std::thread::JoinHandle<()>>,
}

struct Shared {
    files: Vec<PathBuf>,
    /// Set by whoever hashes a file (the background thread or the finish), so each is read once.
    claimed: Vec<AtomicBool>,
    done: Mutex<HashMap<PathBuf, String>>,
}

impl Shared {
    /// Hashes file `i` unless someone already took it. An unreadable file is left out: the caller
    /// hashes it again and reports the error.
    fn hash(&self, i: usize) {
        if self.claimed[i].swap(true, Ordering::AcqRel) {
            return;
        }
        if let Ok(digest) = sha256_file(&self.files[i]) {
            self.done.lock().unwrap_or_else(|e| e.into_inner()).insert(self.files[i].clone(), digest);
        }
    }
}

impl InputDigests {
    /// Starts hashing every file under `dir` the ingest would read (same walk, same skipped folders).
    pub fn start(dir: &Path, options: &crate::ingest::Options) -> InputDigests {
        let mut found = Vec::new();
        // A folder that cannot be walked is the ingest's error to report; nothing to hash early then.
        let _ = crate::ingest::walk(dir, &options.skip_dirs, &mut found, &mut Vec::new());
        // Biggest first, as the ingest reads them: the big files are the ones worth doing early.
        found.sort_by(|(a, a_len), (b, b_len)| b_len.cmp(a_len).then_with(|| a.cmp(b)));
        let files: Vec<PathBuf> = found.into_iter().map(|(path, _)| path).collect();
        let claimed = files.iter().map(|_| AtomicBool::new(false)).collect();
        let shared = Arc::new(Shared { files, claimed, done: Mutex::new(HashMap::new()) });
        let background = Arc::clone(&shared);
        let worker = std::thread::Builder::new()
            .name("hash-inputs".into())
            .spawn(move || {
                run_only_when_idle();
                for i in 0..background.files.len() {
                    background.hash(i);
                }
            })
            .ok();
        InputDigests { shared, worker }
    }

    /// Every digest: the files not hashed yet are hashed now on the calling thread (the background thread
    /// goes on beside it when a core is free), then the background thread's file in progress is waited for.
    /// One thread, not every core: the report writers that list the inputs wait for this while the
    /// workbook is written, which is not slowed down by more than one core's share.
    pub fn finish(mut self) -> HashMap<PathBuf, String> {
        for i in 0..self.shared.files.len() {
            self.shared.hash(i);
        }
        if let Some(worker) = self.worker.take() {
            let _ = worker.join();
        }
        std::mem::take(&mut *self.shared.done.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

/// Puts the calling thread in Linux's SCHED_IDLE class: it runs only on a core no other thread wants.
/// Elsewhere the thread keeps its normal priority (correct, just without the overlap).
fn run_only_when_idle() {
    #[cfg(target_os = "linux")]
    {
        let param = libc::sched_param { sched_priority: 0 };
        // SAFETY: plain system call on the calling thread (pid 0) with a valid parameter; failure leaves
        // the priority as it was, which is harmless.
        unsafe {
            libc::sched_setscheduler(0, libc::SCHED_IDLE, &param);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_computed_early_equal_the_digests_of_the_files() {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut expected = HashMap::new();
        for (name, size) in [("a.csv", 3_000_000), ("b.json", 10), ("sub/c.csv", 70_000), ("empty.csv", 0)] {
            let path = dir.path().join(name);
            std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
            let bytes: Vec<u8> = (0..size).map(|i| (i * 7 % 251) as u8).collect();
            std::fs::write(&path, &bytes).expect("write");
            expected.insert(path.clone(), sha256_file(&path).expect("hash"));
        }
        // Known vectors: the empty input and "abc" (FIPS 180-2).
        assert_eq!(expected[&dir.path().join("empty.csv")], "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        std::fs::write(dir.path().join("abc.txt"), "abc").expect("write");
        expected.insert(dir.path().join("abc.txt"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad".to_string());
        // Finished at once (most files still unhashed) and after the background thread had time.
        let early = InputDigests::start(dir.path(), &Default::default()).finish();
        assert_eq!(early, expected);
        let digests = InputDigests::start(dir.path(), &Default::default());
        std::thread::sleep(std::time::Duration::from_millis(200));
        assert_eq!(digests.finish(), expected);
    }
}

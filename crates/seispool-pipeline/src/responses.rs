//! Instrument responses for the `remove_response` / `remove_sensitivity` ops: the inventory, the
//! trace → channel-epoch match (ObsPy's rule: same id, epoch covering the trace's start time, first in
//! document order) and a bounded cache of what removal means per (options, channel epoch, sampling
//! interval, FFT length), so an archive run evaluates each station's response once, not per trace.

use std::collections::{HashMap, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use seispool_core::inventory::{EpochIndex, Inventory};
use seispool_core::{ChannelId, Response, Time};
use seispool_dsp::response::{Removal, ResponseRemover};
use seispool_io::IoError;

/// Bytes of evaluated responses kept (one 100 Hz channel-day needs ~140 MB; units are planned channel by
/// channel, so consecutive units of a channel hit the cache).
pub const CACHE_BYTES: usize = 1 << 30;

/// The inventory of a run and its response cache; shared by every worker.
pub struct Responses {
    inventory: Inventory,
    fingerprint: String,
    cache: Mutex<Cache>,
}

impl std::fmt::Debug for Responses {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Responses")
            .field("fingerprint", &self.fingerprint)
            .finish()
    }
}

type Key = (String, EpochIndex, u64, usize);

#[derive(Default)]
struct Cache {
    map: HashMap<Key, Arc<Removal>>,
    order: VecDeque<Key>,
    bytes: usize,
}

fn removal_bytes(r: &Removal) -> usize {
    match r {
        Removal::Spectral(m) => m.len() * 16,
        Removal::Polynomial(c) => c.len() * 8,
        Removal::Linear { .. } => 16,
    }
}

impl Responses {
    /// Reads a StationXML file or a directory of them.
    pub fn load(path: &Path) -> Result<Responses, IoError> {
        let inventory = seispool_io::read_inventory(path)?;
        Ok(Responses::new(inventory, fingerprint(path)))
    }

    /// Wraps an inventory built or read elsewhere; `fingerprint` identifies it in the resume manifest.
    pub fn new(inventory: Inventory, fingerprint: String) -> Responses {
        Responses {
            inventory,
            fingerprint,
            cache: Mutex::new(Cache::default()),
        }
    }

    /// The inventory.
    pub fn inventory(&self) -> &Inventory {
        &self.inventory
    }

    /// Paths, sizes and modification times of the files read: a changed inventory redoes a resumed run.
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }

    /// The response for `id` at `t`, or the error the ops report (naming the id and the time).
    pub fn find(&self, id: &ChannelId, t: Time) -> Result<(EpochIndex, &Response), String> {
        self.inventory
            .find_response(id, t)
            .map(|(ix, _, r)| (ix, r))
            .ok_or_else(|| format!("no response in the inventory for {id} at {t}"))
    }

    /// What removing the response of the trace (`id`, start `t`, `delta`, `npts`) means with `remover`'s
    /// options: from the cache, or evaluated and cached.
    pub fn removal(
        &self,
        remover: &ResponseRemover,
        id: &ChannelId,
        t: Time,
        delta: f64,
        nfft: usize,
    ) -> Result<Arc<Removal>, String> {
        let (epoch, resp) = self.find(id, t)?;
        let key = (format!("{:?}", remover.options()), epoch, delta.to_bits(), nfft);
        if let Some(r) = self.lock().map.get(&key) {
            return Ok(Arc::clone(r));
        }
        let r = Arc::new(
            remover
                .multiplier(resp, delta, nfft)
                .map_err(|e| format!("response of {id} at {t}: {e}"))?,
        );
        let mut c = self.lock();
        let size = removal_bytes(&r);
        while c.bytes + size > CACHE_BYTES
            && let Some(old) = c.order.pop_front()
        {
            if let Some(o) = c.map.remove(&old) {
                c.bytes -= removal_bytes(&o);
            }
        }
        if c.map.insert(key.clone(), Arc::clone(&r)).is_none() {
            c.order.push_back(key);
            c.bytes += size;
        }
        Ok(r)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Cache> {
        // A worker that panicked mid-insert leaves a consistent map (insert is one call): keep using it.
        self.cache.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// `path size mtime` of every file an inventory path names.
fn fingerprint(path: &Path) -> String {
    let files: Vec<PathBuf> = if path.is_dir() {
        let mut v: Vec<PathBuf> = std::fs::read_dir(path)
            .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
            .unwrap_or_default();
        v.sort();
        v
    } else {
        vec![path.to_path_buf()]
    };
    files
        .iter()
        .map(|f| {
            let meta = std::fs::metadata(f).ok();
            let size = meta.as_ref().map_or(0, |m| m.len());
            let mtime = meta
                .and_then(|m| m.modified().ok())
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map_or(0, |d| d.as_nanos());
            format!("{} {size} {mtime}", f.display())
        })
        .collect::<Vec<_>>()
        .join("; ")
}

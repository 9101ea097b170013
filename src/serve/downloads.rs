//! Annotated copies waiting to be downloaded: in memory only, each behind an
//! unguessable link, forgotten after [`KEEP`], and all of them together never
//! more than a budget (the oldest go first).

use super::session::random_token;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long a copy can be downloaded (DESK §2).
pub const KEEP: Duration = Duration::from_secs(15 * 60);

/// A copy ready to download.
#[derive(Debug, Clone)]
pub struct Copy {
    /// The name the browser saves it under.
    pub name: String,
    pub bytes: Arc<Vec<u8>>,
    expires: Instant,
}

/// The copies of this run.
#[derive(Debug)]
pub struct Downloads {
    budget: usize,
    keep: Duration,
    map: Mutex<HashMap<String, Copy>>,
}

impl Downloads {
    /// A store holding at most `budget` bytes of copies, each for `keep`.
    pub fn new(budget: usize, keep: Duration) -> Downloads {
        Downloads {
            budget,
            keep,
            map: Mutex::new(HashMap::new()),
        }
    }

    /// Keeps a copy; returns its link id, or `None` when it alone is larger
    /// than the budget.
    pub fn put(&self, name: String, bytes: Vec<u8>) -> Option<String> {
        if bytes.len() > self.budget {
            return None;
        }
        let mut map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        map.retain(|_, c| c.expires > now);
        let mut held: usize = map.values().map(|c| c.bytes.len()).sum();
        while held + bytes.len() > self.budget {
            let Some(oldest) = map
                .iter()
                .min_by_key(|(_, c)| c.expires)
                .map(|(k, _)| k.clone())
            else {
                break;
            };
            if let Some(gone) = map.remove(&oldest) {
                held -= gone.bytes.len();
            }
        }
        let id = random_token();
        map.insert(
            id.clone(),
            Copy {
                name,
                bytes: Arc::new(bytes),
                expires: now + self.keep,
            },
        );
        Some(id)
    }

    /// The copy behind a link, while it is kept.
    pub fn get(&self, id: &str) -> Option<Copy> {
        let map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        map.get(id).filter(|c| c.expires > Instant::now()).cloned()
    }

    /// Forgets the copies whose time is up (run every minute, so a copy is
    /// gone from memory even when nobody uploads anything after it).
    pub fn purge(&self) {
        let now = Instant::now();
        let mut map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        map.retain(|_, c| c.expires > now);
    }

    /// Bytes held now.
    pub fn held(&self) -> usize {
        let map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        map.values().map(|c| c.bytes.len()).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copies_expire_and_stay_within_the_budget() {
        let store = Downloads::new(10, KEEP);
        let a = store.put("a.xlsx".into(), vec![0; 6]).unwrap();
        let b = store.put("b.xlsx".into(), vec![0; 6]).unwrap();
        assert!(store.get(&a).is_none(), "the oldest makes room");
        assert_eq!(store.get(&b).unwrap().name, "b.xlsx");
        assert!(store.put("c".into(), vec![0; 11]).is_none());
        assert!(store.held() <= 10);
        let short = Downloads::new(10, Duration::ZERO);
        let c = short.put("c".into(), vec![1]).unwrap();
        assert!(short.get(&c).is_none());
        short.purge();
        assert_eq!(short.held(), 0);
    }
}

//! Checked uploads waiting for their annotated copies to be downloaded: in
//! memory only, behind an unguessable link, forgotten after [`KEEP`], and all
//! of them together never more than a budget (the oldest go first). The copy
//! itself is made when its link is followed, so a check that nobody downloads
//! costs no copy.

use super::engine::Upload;
use super::session::random_token;
use crate::lang::Lang;
use crate::rules::Options;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long a copy can be downloaded (DESK §2).
pub const KEEP: Duration = Duration::from_secs(15 * 60);

/// One post's files, as checked.
#[derive(Debug)]
pub struct Checked {
    pub uploads: Vec<Upload>,
    pub options: Options,
    pub lang: Lang,
}

impl Checked {
    fn bytes(&self) -> usize {
        self.uploads.iter().map(|u| u.data.len()).sum()
    }
}

#[derive(Debug, Clone)]
struct Kept {
    checked: Arc<Checked>,
    expires: Instant,
}

/// The checked posts of this run.
#[derive(Debug)]
pub struct Downloads {
    budget: usize,
    keep: Duration,
    map: Mutex<HashMap<String, Kept>>,
}

impl Downloads {
    /// A store holding at most `budget` bytes of uploads, each for `keep`.
    pub fn new(budget: usize, keep: Duration) -> Downloads {
        Downloads {
            budget,
            keep,
            map: Mutex::new(HashMap::new()),
        }
    }

    /// Keeps a post's files; returns the id its links start with, or `None`
    /// when they alone are larger than the budget.
    pub fn put(&self, checked: Checked) -> Option<String> {
        let size = checked.bytes();
        if size > self.budget {
            return None;
        }
        let mut map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        map.retain(|_, k| k.expires > now);
        let mut held: usize = map.values().map(|k| k.checked.bytes()).sum();
        while held + size > self.budget {
            let Some(oldest) = map
                .iter()
                .min_by_key(|(_, k)| k.expires)
                .map(|(id, _)| id.clone())
            else {
                break;
            };
            if let Some(gone) = map.remove(&oldest) {
                held -= gone.checked.bytes();
            }
        }
        let id = random_token();
        map.insert(
            id.clone(),
            Kept {
                checked: Arc::new(checked),
                expires: now + self.keep,
            },
        );
        Some(id)
    }

    /// The post behind a link, while it is kept.
    pub fn get(&self, id: &str) -> Option<Arc<Checked>> {
        let map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        map.get(id)
            .filter(|k| k.expires > Instant::now())
            .map(|k| k.checked.clone())
    }

    /// Forgets the posts whose time is up (run every minute, so they are gone
    /// from memory even when nobody uploads anything after them).
    pub fn purge(&self) {
        let now = Instant::now();
        let mut map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        map.retain(|_, k| k.expires > now);
    }

    /// Bytes held now.
    #[cfg(test)]
    pub fn held(&self) -> usize {
        let map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        map.values().map(|k| k.checked.bytes()).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::parse_as_of;

    fn post(n: usize) -> Checked {
        Checked {
            uploads: vec![Upload {
                name: "a.xlsx".into(),
                data: vec![0u8; n].into(),
            }],
            options: Options {
                as_of: parse_as_of("2026-11-30").unwrap(),
                lang: Lang::Zh,
            },
            lang: Lang::Zh,
        }
    }

    #[test]
    fn posts_expire_and_stay_within_the_budget() {
        let store = Downloads::new(10, KEEP);
        let a = store.put(post(6)).unwrap();
        let b = store.put(post(6)).unwrap();
        assert!(store.get(&a).is_none(), "the oldest makes room");
        assert!(store.get(&b).is_some());
        assert!(store.put(post(11)).is_none());
        assert!(store.held() <= 10);
        let short = Downloads::new(10, Duration::ZERO);
        let c = short.put(post(1)).unwrap();
        assert!(short.get(&c).is_none());
        short.purge();
        assert_eq!(short.held(), 0);
    }
}

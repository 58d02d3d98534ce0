//! The SQLite backend's holder index (谁名下有哪些客户), held in memory.
//!
//! "Whose customers are these" is asked when a manager reassigns a departing salesperson's
//! customers and when a salesperson opens their list. A B-tree on `customers(project, holder)`
//! answered it, but every new customer went into its holder's part of that tree: a random page a
//! registration, written to the WAL at each commit, about a third of a batch's pages. So on SQLite
//! every change of holder is appended to `holder_log` (the durable record, in write order) and the
//! answer comes from this map, filled from the log on first use and kept current the way the
//! customer-key index is (see [`crate::keyindex`]): the writer adds its rows after COMMIT, and
//! every reader first reads the log's rows above the last one it holds. The `holder` column of
//! `customers` stays as it was; the ledger check compares the log with it.

use crate::keyindex::id32;
use crate::StoreError;
use rusqlite::Connection;
use std::collections::{HashMap, HashSet};

/// Records by holder, and each record's holder.
#[derive(Default)]
pub(crate) struct HolderIndex {
    /// Each `(project, holder)` pair's number (an index into `members`).
    numbers: HashMap<String, HashMap<String, u32>>,
    /// The records of each pair.
    members: Vec<HashSet<u32>>,
    /// Each held record's pair.
    holder_of: HashMap<u32, u32>,
    /// The last log row read or written.
    last_row: i64,
}

impl HolderIndex {
    /// Reads the log's rows above the last one this index holds.
    pub(crate) fn catch_up(&mut self, c: &Connection) -> Result<(), StoreError> {
        let mut st = c.prepare_cached(
            "SELECT id, customer, project, holder FROM holder_log WHERE id > ?1 ORDER BY id",
        )?;
        let mut rows = st.query([self.last_row])?;
        while let Some(r) = rows.next()? {
            let row: i64 = r.get(0)?;
            let project = r.get_ref(2)?.as_str().map_err(rusqlite::Error::from)?;
            let holder = r
                .get_ref(3)?
                .as_str_or_null()
                .map_err(rusqlite::Error::from)?;
            self.set(r.get(1)?, project, holder)?;
            self.last_row = self.last_row.max(row);
        }
        Ok(())
    }

    /// Makes `holder` (none: nobody) the holder of `customer` in `project`.
    pub(crate) fn set(
        &mut self,
        customer: i64,
        project: &str,
        holder: Option<&str>,
    ) -> Result<(), StoreError> {
        let id = id32(customer)?;
        if let Some(old) = self.holder_of.remove(&id) {
            if let Some(m) = self.members.get_mut(old as usize) {
                m.remove(&id);
            }
        }
        let Some(holder) = holder else {
            return Ok(());
        };
        let n = self.number(project, holder);
        self.holder_of.insert(id, n);
        if let Some(m) = self.members.get_mut(n as usize) {
            m.insert(id);
        }
        Ok(())
    }

    fn number(&mut self, project: &str, holder: &str) -> u32 {
        if let Some(n) = self.numbers.get(project).and_then(|h| h.get(holder)) {
            return *n;
        }
        let n = self.members.len() as u32;
        self.members.push(HashSet::new());
        self.numbers
            .entry(project.to_string())
            .or_default()
            .insert(holder.to_string(), n);
        n
    }

    /// Whether `customer`'s holder is `holder` already.
    pub(crate) fn holds(&self, customer: i64, project: &str, holder: &str) -> bool {
        let Ok(id) = u32::try_from(customer) else {
            return false;
        };
        let n = self.numbers.get(project).and_then(|h| h.get(holder));
        n.is_some() && self.holder_of.get(&id) == n
    }

    /// The records `holder` holds in `project`, in id order.
    pub(crate) fn held_by(&self, project: &str, holder: &str) -> Vec<i64> {
        let n = self.numbers.get(project).and_then(|h| h.get(holder));
        let mut ids: Vec<i64> = n
            .and_then(|n| self.members.get(*n as usize))
            .map(|m| m.iter().map(|i| i64::from(*i)).collect())
            .unwrap_or_default();
        ids.sort_unstable();
        ids
    }

    /// Takes rows this process wrote and committed: `(customer, project, holder)`, the last
    /// one numbered `last_row`.
    pub(crate) fn add(
        &mut self,
        rows: &[(i64, String, String)],
        last_row: i64,
    ) -> Result<(), StoreError> {
        for (c, p, h) in rows {
            self.set(*c, p, Some(h))?;
        }
        self.last_row = self.last_row.max(last_row);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeMap;

    proptest! {
        /// The index answers what a plain map of record → holder answers, through any order of
        /// assignments, reassignments and releases.
        #[test]
        fn index_agrees_with_a_plain_map(
            ops in proptest::collection::vec((1i64..40, 0usize..2, proptest::option::of(0usize..4)), 0..400)
        ) {
            let projects = ["p", "q"];
            let holders = ["S1", "S2", "S3", "S4"];
            let mut ix = HolderIndex::default();
            let mut model: BTreeMap<i64, (usize, usize)> = BTreeMap::new();
            for (c, p, h) in &ops {
                ix.set(*c, projects[*p], h.map(|h| holders[h])).unwrap();
                match h {
                    Some(h) => model.insert(*c, (*p, *h)),
                    None => model.remove(c),
                };
            }
            for (p, project) in projects.iter().enumerate() {
                for (h, holder) in holders.iter().enumerate() {
                    let want: Vec<i64> = model
                        .iter()
                        .filter(|(_, v)| **v == (p, h))
                        .map(|(c, _)| *c)
                        .collect();
                    prop_assert_eq!(ix.held_by(project, holder), want.clone());
                    for c in 1..40 {
                        prop_assert_eq!(ix.holds(c, project, holder), want.contains(&c));
                    }
                }
            }
        }
    }

    #[test]
    fn catch_up_reads_only_new_rows_and_follows_changes() {
        let c = Connection::open_in_memory().unwrap();
        c.execute_batch(
            "CREATE TABLE holder_log (id INTEGER PRIMARY KEY, customer INTEGER NOT NULL,
               project TEXT NOT NULL, holder TEXT);
             INSERT INTO holder_log (customer, project, holder)
               VALUES (1, 'p', 'S1'), (2, 'p', 'S1'), (3, 'q', 'S1');",
        )
        .unwrap();
        let mut ix = HolderIndex::default();
        ix.catch_up(&c).unwrap();
        assert_eq!(ix.held_by("p", "S1"), vec![1, 2]);
        c.execute_batch(
            "INSERT INTO holder_log (customer, project, holder)
               VALUES (2, 'p', 'S2'), (1, 'p', NULL)",
        )
        .unwrap();
        ix.catch_up(&c).unwrap();
        assert_eq!(ix.held_by("p", "S1"), Vec::<i64>::new());
        assert_eq!(ix.held_by("p", "S2"), vec![2]);
        assert_eq!(ix.held_by("q", "S1"), vec![3]);
        assert!(ix.set(1 << 33, "p", Some("S1")).is_err());
    }
}

//! The SQLite backend's holder index (谁名下有哪些客户), held in memory.
//!
//! "Whose customers are these" is asked when a manager reassigns a departing salesperson's
//! customers and when a salesperson opens their list. A B-tree on `customers(project, holder)`
//! answered it, but every new customer went into its holder's part of that tree: a random page a
//! registration, written to the WAL at each commit, about a third of a batch's pages. So on SQLite
//! the answer comes from this map, read from two sources that only grow at their ends, in id
//! order: the rows of `customers` (a record's holder when it was created; since version 9 also
//! the only record of a first holder) and `holder_log`, which takes a row each time an existing
//! record changes holder. The map is part of the customer-key index ([`crate::keyindex`]) and kept
//! current with it: one read of the new records serves both, then each reads its log; the writer
//! adds its rows after COMMIT. A record's row of `customers` holds its current holder, and the
//! log's last row of a record is that same holder, so reading both in one snapshot ends on the
//! current holder whatever the order of the changes. The ledger check compares the log's last
//! rows with `customers`.

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
    /// Reads the log rows above the last one this index holds. The records are read with the
    /// keys (see [`crate::keyindex::KeyIndex::catch_up`]), first.
    pub(crate) fn catch_up_log(&mut self, c: &Connection) -> Result<(), StoreError> {
        let mut st = c.prepare_cached(
            "SELECT id, customer, project, holder FROM holder_log WHERE id > ?1 ORDER BY id",
        )?;
        let mut rows = st.query([self.last_row])?;
        while let Some(r) = rows.next()? {
            let project = r.get_ref(2)?.as_str().map_err(rusqlite::Error::from)?;
            let holder = r
                .get_ref(3)?
                .as_str_or_null()
                .map_err(rusqlite::Error::from)?;
            self.set(r.get(1)?, project, holder)?;
            self.last_row = self.last_row.max(r.get(0)?);
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

    /// Takes what this process wrote and committed, after catching up under the write lock:
    /// new records `(id, project, holder)` (the key index counts them), then log rows
    /// `(customer, project, holder)`, the last one numbered `last_row` (0: none).
    pub(crate) fn add(
        &mut self,
        records: &[(i64, String, Option<String>)],
        rows: &[(i64, String, String)],
        last_row: i64,
    ) -> Result<(), StoreError> {
        for (c, p, h) in records {
            self.set(*c, p, h.as_deref())?;
        }
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
    use crate::keyindex::KeyIndex;
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

    /// The tables as the writer leaves them: a record's row holds its current holder, and each
    /// change of holder of an existing record is a log row.
    fn tables() -> Connection {
        let c = crate::keyindex::tests::tables();
        c.execute_batch(
            "INSERT INTO customers (id, project, holder)
               VALUES (1, 'p', 'S1'), (2, 'p', 'S1'), (3, 'q', 'S1'), (4, 'p', NULL);",
        )
        .unwrap();
        c
    }

    /// Moves record `id` to `holder` as the writer does: its row, then a log row.
    fn change(c: &Connection, id: i64, holder: &str) {
        c.execute(
            "UPDATE customers SET holder = ?2 WHERE id = ?1",
            rusqlite::params![id, holder],
        )
        .unwrap();
        c.execute(
            "INSERT INTO holder_log (customer, project, holder)
               SELECT id, project, holder FROM customers WHERE id = ?1",
            [id],
        )
        .unwrap();
    }

    #[test]
    fn catch_up_reads_only_new_rows_and_follows_changes() {
        let c = tables();
        let mut ix = KeyIndex::default();
        ix.catch_up(&c).unwrap();
        assert_eq!(ix.holders.held_by("p", "S1"), vec![1, 2]);
        assert_eq!(ix.holders.held_by("q", "S1"), vec![3]);
        change(&c, 2, "S2");
        change(&c, 4, "S1");
        c.execute_batch("INSERT INTO customers (id, project, holder) VALUES (5, 'p', 'S2')")
            .unwrap();
        ix.catch_up(&c).unwrap();
        assert_eq!(ix.holders.held_by("p", "S1"), vec![1, 4]);
        assert_eq!(ix.holders.held_by("p", "S2"), vec![2, 5]);
        // Read again from nothing: the records' rows hold their current holders, and the log's
        // older rows, read after them, end on the same holders.
        change(&c, 2, "S3");
        change(&c, 5, "S1");
        change(&c, 2, "S1");
        let mut fresh = KeyIndex::default();
        fresh.catch_up(&c).unwrap();
        ix.catch_up(&c).unwrap();
        for h in ["S1", "S2", "S3"] {
            assert_eq!(
                fresh.holders.held_by("p", h),
                ix.holders.held_by("p", h),
                "{h}"
            );
        }
        assert_eq!(ix.holders.held_by("p", "S1"), vec![1, 2, 4, 5]);
        assert!(ix.holders.set(1 << 33, "p", Some("S1")).is_err());
    }

    /// What this process writes and adds after COMMIT is what a catch-up would read; rows
    /// another process wrote meanwhile are read by the next catch-up.
    #[test]
    fn rows_added_after_commit_continue_the_catch_up() {
        let c = tables();
        let mut ix = KeyIndex::default();
        ix.catch_up(&c).unwrap();
        c.execute_batch("INSERT INTO customers (id, project, holder) VALUES (5, 'p', 'S2')")
            .unwrap();
        change(&c, 1, "S2");
        // As the writer's commit adds them: the record to both indexes, the log row here.
        ix.add(&[], 0, &[], 5).unwrap();
        ix.holders
            .add(
                &[(5, "p".into(), Some("S2".into()))],
                &[(1, "p".into(), "S2".into())],
                1,
            )
            .unwrap();
        // Another process: a record and a change.
        c.execute_batch("INSERT INTO customers (id, project, holder) VALUES (6, 'p', 'S2')")
            .unwrap();
        change(&c, 3, "S2");
        ix.catch_up(&c).unwrap();
        assert_eq!(ix.holders.held_by("p", "S2"), vec![1, 5, 6]);
        assert_eq!(ix.holders.held_by("q", "S2"), vec![3]);
        assert_eq!(ix.holders.held_by("p", "S1"), vec![2]);
    }
}

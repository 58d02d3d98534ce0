//! The SQLite backend's customer-key index (客户索引), held in memory.
//!
//! Every record is filed under the blind values of its phone's forms and of its name, and every
//! collision check probes a handful of them. Kept as a B-tree keyed by a random digest, each new
//! key dirtied a page of its own: a batch of registrations wrote some four random pages a customer
//! to the WAL, and each probe walked the tree. So on SQLite the keys are stored where they are
//! only ever appended, in write order (the durable record): a record's keys when it is created in
//! the `keys` column of its row in `customers` (since schema v10), and the keys an existing record
//! gains later in `customer_keys`, an append log. Lookups use this open-addressing hash table. It
//! is filled from both on first use and kept current: the writer adds its keys once their
//! transaction has committed, and every connection reads the newer records and log rows (another
//! process's writes) before it probes.
//!
//! A slot holds a record id and the 64-bit blind value mixed with the project's hash, the same
//! 64 bits the database stores: the table answers exactly what the SQL index answered. It costs
//! 12 bytes a slot, between four and six slots for three entries as the table fills and grows by
//! half: some 60 to 90 MiB at a million customers with a phone and a name each (about four and a
//! half entries a customer; a key's entries beyond the first few go to a set, see [`RUN`]).

use crate::backend::Blind;
use crate::StoreError;
use rusqlite::Connection;
use std::collections::{HashMap, HashSet};

/// The project's part of a slot's key: FNV-1a of its name, so that one project's keys never answer
/// another's probes (a coincidence needs two 64-bit values to agree, as in the database).
fn project_hash(project: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in project.as_bytes() {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// A slot's key for `(project, blind)`; never 0, which marks an empty slot.
fn slot_key(project: &str, blind: Blind) -> u64 {
    mixed(blind, project_hash(project))
}

/// [`slot_key`] with the project's hash already made.
fn mixed(blind: Blind, project_hash: u64) -> u64 {
    match (blind as u64) ^ project_hash {
        0 => 1,
        k => k,
    }
}

/// The project hash of a run of rows: consecutive rows mostly share a project, whose name is
/// hashed once a run.
#[derive(Default)]
struct ProjectRun {
    project: String,
    hash: u64,
}

impl ProjectRun {
    fn hash(&mut self, project: &str) -> u64 {
        if project != self.project || self.hash == 0 {
            self.project = project.to_string();
            self.hash = project_hash(project);
        }
        self.hash
    }
}

/// A record's own keys as its `keys` column holds them: the blind values, eight bytes each,
/// little-endian.
pub(crate) fn pack(keys: impl IntoIterator<Item = Blind>) -> Vec<u8> {
    keys.into_iter().flat_map(|k| k.to_le_bytes()).collect()
}

/// The blind values of a `keys` column (a trailing part shorter than eight bytes is not a key).
pub(crate) fn unpack(bytes: &[u8]) -> impl Iterator<Item = Blind> + '_ {
    bytes
        .chunks_exact(8)
        .map(|c| Blind::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]))
}

/// At most this many records of one key live in the slots; the rest go to a set beside them.
const RUN: usize = 8;

/// The top bits of a slot key's mix choose its shard.
const SHARD_BITS: u32 = 6;

/// Spreads a slot key's bits: blind values are uniform already, the multiplication spreads the
/// project's part too.
fn mix(key: u64) -> u64 {
    key.wrapping_mul(0x9e37_79b9_7f4a_7c15)
}

/// A multimap from slot keys to record ids, in 2^[`SHARD_BITS`] shards that grow one at a time.
///
/// One table doubling at once held the old and the new arrays together for a moment: at a million
/// customers the process's peak memory was the steady state plus half again of the table (some
/// 50 MiB). A shard grows when it alone is three quarters full, so the moment costs a 64th.
pub(crate) struct KeyTable {
    shards: Vec<Shard>,
}

impl Default for KeyTable {
    fn default() -> KeyTable {
        KeyTable {
            shards: (0..1 << SHARD_BITS).map(|_| Shard::default()).collect(),
        }
    }
}

impl KeyTable {
    /// The shard of `key`: the top bits of its mix.
    fn shard_of(key: u64) -> usize {
        (mix(key) >> (64 - SHARD_BITS)) as usize
    }

    fn shard(&self, key: u64) -> &Shard {
        &self.shards[Self::shard_of(key)]
    }

    fn shard_mut(&mut self, key: u64) -> &mut Shard {
        &mut self.shards[Self::shard_of(key)]
    }

    pub(crate) fn len(&self) -> usize {
        self.shards.iter().map(Shard::len).sum()
    }

    /// Makes room for about `extra` more entries (spread evenly, as uniform keys are; a shard
    /// that gets more than its share grows on the way).
    pub(crate) fn reserve(&mut self, extra: usize) {
        let each = extra.div_ceil(self.shards.len());
        for s in &mut self.shards {
            s.reserve(each);
        }
    }

    /// Adds `(key, id)` unless present. Returns whether it was added.
    pub(crate) fn insert(&mut self, key: u64, id: u32) -> bool {
        self.shard_mut(key).insert(key, id)
    }

    /// Calls `f` with every id filed under `key`.
    pub(crate) fn get(&self, key: u64, f: impl FnMut(u32)) {
        self.shard(key).get(key, f)
    }

    pub(crate) fn contains(&self, key: u64, id: u32) -> bool {
        self.shard(key).contains(key, id)
    }
}

/// One shard: linear probing, at most three slots in four used.
///
/// Most keys have one record or a few, but a common name (王先生) or a masked prefix (`d34:138`)
/// has thousands. Kept in the slots they would make one long run that every probe landing in it
/// walks to its end, so a key's records beyond the first [`RUN`] are kept in a set of its own.
#[derive(Default)]
struct Shard {
    keys: Vec<u64>,
    ids: Vec<u32>,
    len: usize,
    many: HashMap<u64, HashSet<u32>>,
    many_len: usize,
}

impl Shard {
    /// The first slot to try: the bits below those that chose the shard, scaled to the table's
    /// length (any length, so that the table grows by half rather than doubling).
    fn home(&self, key: u64) -> usize {
        ((u128::from(mix(key) << SHARD_BITS) * self.keys.len() as u128) >> 64) as usize
    }

    /// The slot after `i`, wrapping around.
    fn next(&self, i: usize) -> usize {
        if i + 1 == self.keys.len() {
            0
        } else {
            i + 1
        }
    }

    fn len(&self) -> usize {
        self.len + self.many_len
    }

    /// Makes room for `extra` more entries without growing on the way.
    fn reserve(&mut self, extra: usize) {
        let need = (self.len + extra).saturating_mul(4) / 3 + 1;
        if need > self.keys.len() {
            // At least half as large again, as [`Shard::insert`] grows: a table grown to the
            // exact need of each batch would be copied at every batch.
            self.resize(need.max(self.keys.len() * 3 / 2).max(16));
        }
    }

    fn resize(&mut self, cap: usize) {
        let keys = std::mem::replace(&mut self.keys, vec![0; cap]);
        let ids = std::mem::replace(&mut self.ids, vec![0; cap]);
        for (k, id) in keys.into_iter().zip(ids) {
            if k != 0 {
                let mut i = self.home(k);
                while self.keys[i] != 0 {
                    i = self.next(i);
                }
                self.keys[i] = k;
                self.ids[i] = id;
            }
        }
    }

    /// Adds `(key, id)` unless present. Returns whether it was added.
    fn insert(&mut self, key: u64, id: u32) -> bool {
        if (self.len + 1) * 4 > self.keys.len() * 3 {
            // Half as large again: three slots in four used become one in two.
            self.resize((self.keys.len() * 3 / 2).max(16));
        }
        let mut i = self.home(key);
        let mut same = 0;
        loop {
            match self.keys[i] {
                0 => break,
                k if k == key => {
                    if self.ids[i] == id {
                        return false;
                    }
                    same += 1;
                }
                _ => {}
            }
            i = self.next(i);
        }
        if same >= RUN {
            let added = self.many.entry(key).or_default().insert(id);
            self.many_len += usize::from(added);
            return added;
        }
        self.keys[i] = key;
        self.ids[i] = id;
        self.len += 1;
        true
    }

    /// Calls `f` with every id filed under `key`.
    fn get(&self, key: u64, mut f: impl FnMut(u32)) {
        if self.slots(key, &mut f) >= RUN {
            for id in self.many.get(&key).into_iter().flatten() {
                f(*id);
            }
        }
    }

    fn contains(&self, key: u64, id: u32) -> bool {
        let mut found = self.many.get(&key).is_some_and(|s| s.contains(&id));
        if !found {
            self.slots(key, &mut |x| found |= x == id);
        }
        found
    }

    /// Calls `f` with the ids of `key` in the slots; returns how many there were.
    fn slots(&self, key: u64, f: &mut impl FnMut(u32)) -> usize {
        if self.keys.is_empty() {
            return 0;
        }
        let mut i = self.home(key);
        let mut same = 0;
        while self.keys[i] != 0 {
            if self.keys[i] == key {
                f(self.ids[i]);
                same += 1;
            }
            i = self.next(i);
        }
        same
    }
}

/// Refuses a record id the table cannot store (before it is committed).
pub(crate) fn check_id(customer: i64) -> Result<(), StoreError> {
    id32(customer).map(|_| ())
}

/// A record id as the in-memory indexes store it.
pub(crate) fn id32(customer: i64) -> Result<u32, StoreError> {
    u32::try_from(customer).map_err(|_| {
        StoreError::Batch(format!(
            "record id {customer} is beyond the 4,294,967,295 records one SQLite database holds"
        ))
    })
}

/// The index and how much of the log it holds.
#[derive(Default)]
pub(crate) struct KeyIndex {
    table: KeyTable,
    /// The log's last row in the table (row ids grow: rows above it are new).
    last_row: i64,
    /// The last record read or written (record ids grow likewise): its own keys are in the
    /// table and its holder in the holder index.
    last_record: i64,
    /// The holder index, kept current the same way (see [`crate::holders`]).
    pub(crate) holders: crate::holders::HolderIndex,
}

impl KeyIndex {
    /// Reads the records, the key log's rows and the holder log's rows written since the last
    /// call (all of them the first time) from the connection's current snapshot, for this index
    /// and the holder index.
    pub(crate) fn catch_up(&mut self, c: &Connection) -> Result<(), StoreError> {
        if self.last_row == 0 && self.last_record == 0 {
            // The first load: size the table for the whole log at once (records' own keys come
            // from the newer records, and the table grows by half as they are read).
            let rows: i64 =
                c.query_row("SELECT COALESCE(MAX(id), 0) FROM customer_keys", [], |r| {
                    r.get(0)
                })?;
            self.table.reserve(usize::try_from(rows).unwrap_or(0));
        }
        // The records: their own keys, and their holders for the holder index.
        let mut st = c.prepare_cached(
            "SELECT id, project, keys, holder FROM customers WHERE id > ?1 ORDER BY id",
        )?;
        let mut rows = st.query([self.last_record])?;
        let mut run = ProjectRun::default();
        while let Some(r) = rows.next()? {
            let id: i64 = r.get(0)?;
            let project = r.get_ref(1)?.as_str().map_err(rusqlite::Error::from)?;
            let ph = run.hash(project);
            let keys = r
                .get_ref(2)?
                .as_blob_or_null()
                .map_err(rusqlite::Error::from)?;
            for k in unpack(keys.unwrap_or_default()) {
                self.table.insert(mixed(k, ph), id32(id)?);
            }
            let holder = r
                .get_ref(3)?
                .as_str_or_null()
                .map_err(rusqlite::Error::from)?;
            self.holders.set(id, project, holder)?;
            self.last_record = self.last_record.max(id);
        }
        let mut st = c.prepare_cached(
            "SELECT id, project, key, customer FROM customer_keys WHERE id > ?1 ORDER BY id",
        )?;
        let mut rows = st.query([self.last_row])?;
        while let Some(r) = rows.next()? {
            let row: i64 = r.get(0)?;
            let ph = run.hash(r.get_ref(1)?.as_str().map_err(rusqlite::Error::from)?);
            self.table.insert(mixed(r.get(2)?, ph), id32(r.get(3)?)?);
            self.last_row = self.last_row.max(row);
        }
        self.holders.catch_up_log(c)
    }

    /// The log's last row the index holds.
    pub(crate) fn last_row(&self) -> i64 {
        self.last_row
    }

    /// Takes one row of the log read after the last (rows at or below the mark are skipped: two
    /// readers may catch up at once).
    pub(crate) fn take(
        &mut self,
        row: i64,
        project: &str,
        key: Blind,
        customer: i64,
    ) -> Result<(), StoreError> {
        if row > self.last_row {
            self.table.insert(slot_key(project, key), id32(customer)?);
            self.last_row = row;
        }
        Ok(())
    }

    /// `(key, record)` for every record filed under one of `keys` in `project`.
    pub(crate) fn lookup(&self, project: &str, keys: &[Blind]) -> Vec<(Blind, i64)> {
        let mut out = Vec::new();
        for b in keys {
            self.table
                .get(slot_key(project, *b), |id| out.push((*b, i64::from(id))));
        }
        out
    }

    /// Whether the log already holds `(project, key, customer)`.
    pub(crate) fn holds(&self, project: &str, key: Blind, customer: i64) -> bool {
        id32(customer).is_ok_and(|id| self.table.contains(slot_key(project, key), id))
    }

    /// Adds what the caller has committed: log rows, the last of them numbered `last_row` (0:
    /// none), and the keys of the records it created, the last of them numbered `last_record`
    /// (0: none). The caller caught up under the write lock first, so nothing comes between.
    pub(crate) fn add(
        &mut self,
        rows: &[(String, Blind, i64)],
        last_row: i64,
        record_keys: &[(String, Blind, i64)],
        last_record: i64,
    ) -> Result<(), StoreError> {
        self.table.reserve(rows.len() + record_keys.len());
        for (p, k, c) in rows.iter().chain(record_keys) {
            self.table.insert(slot_key(p, *k), id32(*c)?);
        }
        self.last_row = self.last_row.max(last_row);
        self.last_record = self.last_record.max(last_record);
        Ok(())
    }

    pub(crate) fn len(&self) -> usize {
        self.table.len()
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::{BTreeMap, BTreeSet};

    proptest! {
        /// The table answers what a map of sets answers, through every growth.
        #[test]
        fn table_is_a_multimap(ops in proptest::collection::vec((0u64..512, 0u32..40), 0..4000)) {
            let mut t = KeyTable::default();
            let mut model: BTreeMap<u64, BTreeSet<u32>> = BTreeMap::new();
            for (k, id) in &ops {
                // Spread the small keys over the whole range, as digests are.
                let key = (k + 1).wrapping_mul(0xd6e8_feb8_6659_fd93);
                prop_assert_eq!(t.insert(key, *id), model.entry(key).or_default().insert(*id));
            }
            prop_assert_eq!(t.len(), model.values().map(|s| s.len()).sum::<usize>());
            for (key, ids) in &model {
                let mut got = BTreeSet::new();
                t.get(*key, |id| { got.insert(id); });
                prop_assert_eq!(&got, ids);
            }
            let mut none = Vec::new();
            t.get(7, |id| none.push(id));
            prop_assert!(none.is_empty());
        }
    }

    /// Growing for batch after batch costs a copy of the shard only now and then: each growth
    /// makes it at least half as large again.
    #[test]
    fn shards_grow_geometrically() {
        let mut s = Shard::default();
        let mut caps = vec![0];
        for i in 0..100_000u64 {
            s.reserve(3);
            s.insert((i + 1).wrapping_mul(0xd6e8_feb8_6659_fd93), i as u32);
            if s.keys.len() != *caps.last().unwrap() {
                caps.push(s.keys.len());
            }
        }
        for w in caps.windows(2).skip(1) {
            assert!(w[1] >= w[0] * 3 / 2, "grew from {} to {}", w[0], w[1]);
        }
        assert!(
            caps.len() < 30,
            "{} growths for 100,000 entries",
            caps.len()
        );
    }

    #[test]
    fn projects_do_not_share_keys() {
        let mut ix = KeyIndex::default();
        ix.add(&[("a".into(), 42, 1)], 1, &[("b".into(), 42, 2)], 2)
            .unwrap();
        assert_eq!(ix.lookup("a", &[42]), vec![(42, 1)]);
        assert_eq!(ix.lookup("b", &[42, 43]), vec![(42, 2)]);
        assert!(ix.holds("a", 42, 1) && !ix.holds("a", 42, 2));
    }

    #[test]
    fn ids_beyond_u32_are_refused() {
        let mut ix = KeyIndex::default();
        assert!(ix.add(&[("a".into(), 1, 1 << 32)], 1, &[], 0).is_err());
        assert!(ix
            .add(&[], 0, &[("a".into(), 1, 1 << 32)], 1 << 32)
            .is_err());
    }

    /// The tables the index reads, as the migrations leave them.
    pub(crate) fn tables() -> Connection {
        let c = Connection::open_in_memory().unwrap();
        c.execute_batch(
            "CREATE TABLE customers (id INTEGER PRIMARY KEY, project TEXT NOT NULL, keys BLOB,
               holder TEXT);
             CREATE TABLE holder_log (id INTEGER PRIMARY KEY, customer INTEGER NOT NULL,
               project TEXT NOT NULL, holder TEXT);
             CREATE TABLE customer_keys (id INTEGER PRIMARY KEY, project TEXT NOT NULL,
               key INTEGER NOT NULL, customer INTEGER NOT NULL);",
        )
        .unwrap();
        c
    }

    #[test]
    fn catch_up_reads_only_new_rows() {
        let c = tables();
        c.execute_batch(
            "INSERT INTO customers (id, project) VALUES (1, 'p'), (2, 'q');
             INSERT INTO customer_keys (project, key, customer) VALUES ('p', 5, 1), ('p', 6, 1);",
        )
        .unwrap();
        let mut ix = KeyIndex::default();
        ix.catch_up(&c).unwrap();
        assert_eq!(ix.len(), 2);
        c.execute_batch("INSERT INTO customer_keys (project, key, customer) VALUES ('q', 5, 2)")
            .unwrap();
        ix.catch_up(&c).unwrap();
        assert_eq!(ix.len(), 3);
        assert_eq!(ix.lookup("q", &[5]), vec![(5, 2)]);
        assert_eq!(ix.lookup("p", &[5, 6]), vec![(5, 1), (6, 1)]);
        // Records with their own keys (schema v10), then a key one of them gains in the log.
        let mut insert = c
            .prepare("INSERT INTO customers (id, project, keys) VALUES (?1, ?2, ?3)")
            .unwrap();
        insert
            .execute(rusqlite::params![3, "p", pack([7, -8])])
            .unwrap();
        insert
            .execute(rusqlite::params![4, "q", pack([7])])
            .unwrap();
        c.execute_batch("INSERT INTO customer_keys (project, key, customer) VALUES ('p', 9, 3)")
            .unwrap();
        ix.catch_up(&c).unwrap();
        assert_eq!(ix.len(), 7);
        assert_eq!(ix.lookup("p", &[7, -8, 9]), vec![(7, 3), (-8, 3), (9, 3)]);
        assert_eq!(ix.lookup("q", &[7]), vec![(7, 4)]);
        // Read again from nothing: the same.
        let mut fresh = KeyIndex::default();
        fresh.catch_up(&c).unwrap();
        assert_eq!(fresh.len(), 7);
        assert_eq!(
            unpack(&pack([1, i64::MIN, -1])).collect::<Vec<_>>(),
            vec![1, i64::MIN, -1]
        );
    }

    /// What the writer adds after COMMIT continues the catch-up: another process's records and
    /// rows written later are read, none twice.
    #[test]
    fn keys_added_after_commit_continue_the_catch_up() {
        let c = tables();
        let mut ix = KeyIndex::default();
        ix.catch_up(&c).unwrap();
        // This process: record 1 with two keys, in one committed batch.
        c.execute(
            "INSERT INTO customers (id, project, keys) VALUES (1, 'p', ?1)",
            [pack([10, 11])],
        )
        .unwrap();
        ix.add(&[], 0, &[("p".into(), 10, 1), ("p".into(), 11, 1)], 1)
            .unwrap();
        // Another process: record 2, and a key record 1 gains.
        c.execute(
            "INSERT INTO customers (id, project, keys) VALUES (2, 'p', ?1)",
            [pack([10])],
        )
        .unwrap();
        c.execute_batch("INSERT INTO customer_keys (project, key, customer) VALUES ('p', 12, 1)")
            .unwrap();
        ix.catch_up(&c).unwrap();
        assert_eq!(ix.len(), 4);
        assert_eq!(ix.lookup("p", &[10, 12]), vec![(10, 1), (10, 2), (12, 1)]);
    }
}

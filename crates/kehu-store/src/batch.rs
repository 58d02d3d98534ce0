//! One batch of acts in one transaction (group commit), or one read on a snapshot.
//!
//! Acts are decided one after another, each seeing every act before it: those committed (read
//! from the database through bounded index probes) and those earlier in the same batch (held here,
//! not yet written). At the end the batch's rows are written with one bulk statement per table and
//! committed together; nobody hears of an act before its batch is durable.

use crate::backend::{Blind, CustomerUpdate, DisputeRow, Read, SealedRow, Start, Write, WriteSet};
use crate::keys::Keys;
use crate::{corrupt, ms, party_key, Outcome, StoreError};
use kehu_core::act;
use kehu_core::engine::{self, Context, Decision, Target};
use kehu_core::model::{Act, Command, CustomerId, Directory};
use kehu_core::phone::Phone;
use kehu_core::policy::Rulebook;
use kehu_core::state::{Effect, Event, ProjectState, View};
use kehu_core::time::Instant;
use kehu_core::verdict;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

/// Decides one command; a panic inside the engine (a defect) becomes that act's error instead of
/// ending the writer, so the next act is decided as usual. The engine is pure: nothing it touched
/// outlives the call.
pub(crate) fn decide_guarded(
    ctx: &Context,
    cmd: &Command,
    now: Instant,
) -> Result<Decision, StoreError> {
    guarded(|| engine::decide(ctx, cmd, now))
}

/// Runs one decision, a panic in it turned into [`engine::EngineError::Failed`].
fn guarded<T>(f: impl FnOnce() -> Result<T, engine::EngineError>) -> Result<T, StoreError> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        Ok(r) => Ok(r?),
        Err(p) => {
            let what = p
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| p.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "a panic".to_string());
            Err(StoreError::Engine(engine::EngineError::Failed(what)))
        }
    }
}

/// One act to decide: the project's rulebook and directory, the command, and the clock.
#[derive(Clone)]
pub struct Item {
    pub rulebook: Arc<Rulebook>,
    pub directory: Arc<Directory>,
    pub command: Command,
    pub now: Instant,
}

/// The additional authenticated data an event is sealed with: its place in the ledger. A sealed
/// body copied to another row does not open there.
pub(crate) fn event_aad(seq: i64, project: &str) -> Vec<u8> {
    format!("kehu-event\0{seq}\0{project}").into_bytes()
}

/// Opens and parses one stored event.
pub(crate) fn decode(keys: &Keys, row: &SealedRow) -> Result<Event, StoreError> {
    let plain = keys
        .open(row.key_id, &event_aad(row.seq, &row.project), &row.body)
        .map_err(|e| corrupt(row.seq, e))?;
    let e: Event = serde_json::from_slice(&plain).map_err(|err| corrupt(row.seq, err))?;
    if e.seq != row.seq || e.project != row.project {
        return Err(corrupt(row.seq, format!("body says seq {}", e.seq)));
    }
    Ok(e)
}

/// The index keys a record gets from an event: its phone's keys, and `h`-prefixed keys of a
/// household member's phone. None for an invalid act.
pub(crate) fn keys_of(e: &Event) -> Vec<String> {
    if e.verdict.outcome == verdict::Outcome::Invalid {
        return Vec::new();
    }
    act_keys(&e.act)
}

/// The index keys an act's event gives its record unless the act is invalid (see [`keys_of`]).
fn act_keys(act: &Act) -> Vec<String> {
    let mut keys = Vec::new();
    if let Some(c) = act.customer() {
        // A project (name and address) or an e-mail-only customer (PF-PROJECT, SF-FIELDS).
        if let Some(i) = c.identity() {
            keys.push(format!("i:{i}"));
        }
        if let Some(Ok(p)) = c.parsed_phone() {
            keys.extend(p.index_keys());
        }
        if let Some(Ok(h)) = c.household_of.as_deref().map(Phone::parse) {
            keys.extend(h.index_keys().into_iter().map(|k| format!("h{k}")));
        }
        if let Some(k) = c.name.as_deref().and_then(kehu_core::name::search_key) {
            keys.push(k);
        }
    }
    keys
}

fn household_probes(p: &Phone) -> Vec<String> {
    p.probe_keys()
        .into_iter()
        .map(|k| format!("h{k}"))
        .collect()
}

/// The probes nearly every decision of `cmd` makes: the customer's phone, household links naming
/// it, the household member it names, the referrer.
fn usual_probes(cmd: &Command) -> Vec<String> {
    let mut keys = Vec::new();
    if let Some(c) = cmd.act.customer() {
        if let Some(Ok(phone)) = c.parsed_phone() {
            keys.extend(phone.probe_keys());
            keys.extend(household_probes(&phone));
        }
        if let Some(Ok(h)) = c.household_of.as_deref().map(Phone::parse) {
            keys.extend(h.probe_keys());
        }
    }
    if let Act::Visit(act::Visit {
        referred_by: Some(rp),
        ..
    }) = &cmd.act
    {
        if let Ok(p) = Phone::parse(rp) {
            keys.extend(p.probe_keys());
        }
    }
    keys
}

/// What the writer needs of an act that does not depend on the ledger, worked out on the caller's
/// thread before the act is queued (an HMAC a key, so that the single writer does less): the blind
/// values of the keys its decision probes first and of the keys its event will add.
#[derive(Default)]
pub(crate) struct Prepared {
    /// The blind values of [`usual_probes`].
    usual: Vec<Blind>,
    /// Of those, the blind values of the act's phone's own probes and of the household links
    /// naming it (what every decision on a phone probes first), when the act gives a phone.
    phone: Option<(Vec<Blind>, Vec<Blind>)>,
    /// The blind values of [`act_keys`].
    event_keys: Vec<Blind>,
}

impl Prepared {
    pub(crate) fn new(keys: &Keys, cmd: &Command) -> Prepared {
        let mut p = Prepared::default();
        let mut memo: Vec<(String, Blind)> = Vec::new();
        let mut blind = |k: String| match memo.iter().find(|(s, _)| *s == k) {
            Some((_, b)) => *b,
            None => {
                let b = keys.blind(&k);
                memo.push((k, b));
                b
            }
        };
        if let Some(Ok(phone)) = cmd.act.customer().and_then(|c| c.parsed_phone()) {
            let own: Vec<Blind> = phone.probe_keys().into_iter().map(&mut blind).collect();
            let linked: Vec<Blind> = (household_probes(&phone).into_iter())
                .map(&mut blind)
                .collect();
            p.phone = Some((own, linked));
        }
        p.usual = usual_probes(cmd).into_iter().map(&mut blind).collect();
        p.event_keys = act_keys(&cmd.act).into_iter().map(&mut blind).collect();
        p
    }
}

/// An act on its way to the writer.
pub(crate) struct Queued {
    pub item: Item,
    pub prepared: Prepared,
    pub once: Option<crate::Once>,
}

/// The dispute an event opens, if any (shared by the writer and the ledger check's rebuild).
pub(crate) fn dispute_of(e: &Event) -> Option<(i64, DisputeRow)> {
    match (&e.verdict.dispute, e.customers.first()) {
        (Some(d), Some(c)) => Some((
            e.seq,
            (e.project.clone(), c.0, d.rule.clone(), ms(d.deadline), None),
        )),
        _ => None,
    }
}

/// What the batch has read and what it will write.
pub(crate) struct Cache {
    keys: Arc<Keys>,
    /// Keys probed in the database, per project: their committed records.
    probed: HashMap<String, HashMap<Blind, BTreeSet<i64>>>,
    /// Keys given by this batch's events, per project.
    pending_keys: HashMap<String, HashMap<Blind, BTreeSet<i64>>>,
    /// Records whose committed history has been loaded: committed and pending events, in order.
    histories: HashMap<i64, Vec<Arc<Event>>>,
    /// This batch's events per record (to merge into a history loaded later).
    pending_events: HashMap<i64, Vec<Arc<Event>>>,
    projects: HashMap<String, ProjectState>,
    /// Blind values computed in this batch (an HMAC each, so computed once).
    blinds: HashMap<String, Blind>,
    /// Holder changes made by this batch: record → (project, holder, rule).
    holders: HashMap<i64, (String, String, String)>,
    // What the batch writes.
    next_seq: i64,
    next_customer: i64,
    new_customers: BTreeMap<i64, String>,
    dirty_projects: BTreeSet<String>,
    out: WriteSet,
    /// The records of the latest appended event (to schedule).
    last_customers: Vec<i64>,
    /// Each touched record's next due effect, the latest computed.
    due: BTreeMap<i64, Option<crate::backend::DueRow>>,
}

impl Cache {
    pub(crate) fn new(keys: Arc<Keys>, next_seq: i64, next_customer: i64) -> Cache {
        Cache {
            keys,
            probed: HashMap::new(),
            pending_keys: HashMap::new(),
            histories: HashMap::new(),
            pending_events: HashMap::new(),
            projects: HashMap::new(),
            blinds: HashMap::new(),
            holders: HashMap::new(),
            next_seq,
            next_customer,
            new_customers: BTreeMap::new(),
            dirty_projects: BTreeSet::new(),
            out: WriteSet::default(),
            last_customers: Vec::new(),
            due: BTreeMap::new(),
        }
    }

    /// Takes a batch's [`Start`]: `probes` were probed (in a fresh cache), the records hit
    /// are loaded, the projects' states known.
    fn absorb(&mut self, probes: &[(&str, Vec<Blind>)], start: Start) -> Result<(), StoreError> {
        for (project, keys) in probes {
            let probed = self.probed.entry(project.to_string()).or_default();
            for k in keys {
                probed.entry(*k).or_default();
            }
        }
        let mut ids = Vec::with_capacity(start.hits.len());
        for (project, key, customer) in start.hits {
            self.probed
                .entry(project)
                .or_default()
                .entry(key)
                .or_default()
                .insert(customer);
            ids.push(customer);
        }
        ids.sort_unstable();
        ids.dedup();
        ids.retain(|c| !self.histories.contains_key(c));
        self.absorb_histories(&ids, start.events)?;
        for (name, json) in start.projects {
            let state: ProjectState = serde_json::from_str(&json)
                .map_err(|e| corrupt(0, format!("project {name}: {e}")))?;
            self.projects.insert(name, state);
        }
        for (project, _) in probes {
            if !self.projects.contains_key(*project) {
                self.projects
                    .insert(project.to_string(), ProjectState::default());
            }
        }
        Ok(())
    }

    /// Probes the database for every key of `blinds` not probed yet, in one query.
    async fn prefetch_blinds<R: Read>(
        &mut self,
        r: &mut R,
        project: &str,
        blinds: &[Blind],
    ) -> Result<(), StoreError> {
        let probed = match self.probed.get_mut(project) {
            Some(p) => p,
            None => self.probed.entry(project.to_string()).or_default(),
        };
        let mut missing: Vec<Blind> = Vec::new();
        for b in blinds {
            if let std::collections::hash_map::Entry::Vacant(v) = probed.entry(*b) {
                v.insert(BTreeSet::new());
                missing.push(*b);
            }
        }
        if missing.is_empty() {
            return Ok(());
        }
        let found = r.customers_by_keys(project, &missing).await?;
        let mut ids = Vec::new();
        for (b, c) in found {
            probed.entry(b).or_default().insert(c);
            ids.push(c);
        }
        self.load(r, &ids).await
    }

    /// The blind values of `keys`.
    fn blinds_of(&mut self, keys: &[String]) -> Vec<Blind> {
        keys.iter().map(|k| self.blind(k)).collect()
    }

    /// The blind value of `key` (an HMAC, computed once a cache).
    fn blind(&mut self, key: &str) -> Blind {
        if let Some(b) = self.blinds.get(key) {
            return *b;
        }
        let b = self.keys.blind(key);
        self.blinds.insert(key.to_string(), b);
        b
    }

    /// The records indexed under any of `blinds` (committed and pending), histories loaded.
    async fn probe_blinds<R: Read>(
        &mut self,
        r: &mut R,
        project: &str,
        blinds: &[Blind],
    ) -> Result<BTreeSet<i64>, StoreError> {
        self.prefetch_blinds(r, project, blinds).await?;
        let mut ids = BTreeSet::new();
        let probed = self.probed.get(project);
        let pending = self.pending_keys.get(project);
        for b in blinds {
            if let Some(s) = probed.and_then(|m| m.get(b)) {
                ids.extend(s);
            }
            if let Some(s) = pending.and_then(|m| m.get(b)) {
                ids.extend(s);
            }
        }
        Ok(ids)
    }

    /// Loads the committed histories of `ids` not loaded yet, in one query.
    async fn load<R: Read>(&mut self, r: &mut R, ids: &[i64]) -> Result<(), StoreError> {
        let mut missing: Vec<i64> = ids
            .iter()
            .copied()
            .filter(|c| !self.histories.contains_key(c))
            .collect();
        missing.sort_unstable();
        missing.dedup();
        if missing.is_empty() {
            return Ok(());
        }
        let rows = r.events_of(&missing).await?;
        self.absorb_histories(&missing, rows)
    }

    /// Takes the committed histories of `missing` (records not loaded yet), read as `rows`.
    fn absorb_histories(
        &mut self,
        missing: &[i64],
        rows: Vec<(i64, SealedRow)>,
    ) -> Result<(), StoreError> {
        let mut decoded: HashMap<i64, Event> = HashMap::new();
        for c in missing {
            self.histories.insert(*c, Vec::new());
        }
        for (c, row) in rows {
            let e = match decoded.get(&row.seq) {
                Some(e) => e.clone(),
                None => {
                    let e = decode(&self.keys, &row)?;
                    decoded.insert(row.seq, e.clone());
                    e
                }
            };
            self.histories.entry(c).or_default().push(Arc::new(e));
        }
        for c in missing {
            if let Some(p) = self.pending_events.get(c) {
                let h = self.histories.entry(*c).or_default();
                h.extend(p.iter().cloned());
            }
        }
        Ok(())
    }

    fn view(&self, ids: &[CustomerId]) -> View {
        let mut events: Vec<Event> = Vec::new();
        for id in ids {
            if let Some(h) = self.histories.get(&id.0) {
                events.extend(h.iter().map(|e| (**e).clone()));
            }
        }
        events.sort_by_key(|e| e.seq);
        events.dedup_by_key(|e| e.seq);
        View::new(ids.to_vec(), events)
    }

    async fn views_by_keys<R: Read>(
        &mut self,
        r: &mut R,
        project: &str,
        keys: &[String],
    ) -> Result<Vec<View>, StoreError> {
        let blinds = self.blinds_of(keys);
        self.views_by_blinds(r, project, &blinds).await
    }

    async fn views_by_blinds<R: Read>(
        &mut self,
        r: &mut R,
        project: &str,
        blinds: &[Blind],
    ) -> Result<Vec<View>, StoreError> {
        let ids = self.probe_blinds(r, project, blinds).await?;
        Ok(ids
            .into_iter()
            .map(|i| self.view(&[CustomerId(i)]))
            .collect())
    }

    /// The project's records whose phones match `phone` (index probes, then the exact G-MATCH
    /// phone test), one view each.
    async fn views<R: Read>(
        &mut self,
        r: &mut R,
        project: &str,
        phone: &Phone,
    ) -> Result<Vec<View>, StoreError> {
        let blinds = self.blinds_of(&phone.probe_keys());
        self.phone_views(r, project, phone, &blinds).await
    }

    /// [`Cache::views`] with the blind values of `phone`'s probe keys known.
    async fn phone_views<R: Read>(
        &mut self,
        r: &mut R,
        project: &str,
        phone: &Phone,
        probes: &[Blind],
    ) -> Result<Vec<View>, StoreError> {
        let views = self.views_by_blinds(r, project, probes).await?;
        Ok(views
            .into_iter()
            .filter(|v| engine::record_phone(v).is_some_and(|p| p.matches(phone)))
            .collect())
    }

    async fn project<R: Read>(
        &mut self,
        r: &mut R,
        name: &str,
    ) -> Result<ProjectState, StoreError> {
        if let Some(p) = self.projects.get(name) {
            return Ok(p.clone());
        }
        let state: ProjectState = match r.project_state(name).await? {
            Some(json) => serde_json::from_str(&json)
                .map_err(|e| corrupt(0, format!("project {name}: {e}")))?,
            None => ProjectState::default(),
        };
        self.projects.insert(name.to_string(), state.clone());
        Ok(state)
    }

    async fn held_by<R: Read>(
        &mut self,
        r: &mut R,
        project: &str,
        holder: &str,
    ) -> Result<Vec<i64>, StoreError> {
        let mut ids: BTreeSet<i64> = r
            .held_by(project, holder)
            .await?
            .into_iter()
            .filter(|c| !self.holders.contains_key(c))
            .collect();
        for (c, (p, h, _)) in &self.holders {
            if p == project && h == holder {
                ids.insert(*c);
            }
        }
        Ok(ids.into_iter().collect())
    }

    /// Builds the context of one command and decides it.
    pub(crate) async fn decide<R: Read>(
        &mut self,
        r: &mut R,
        item: &Item,
        prepared: &Prepared,
    ) -> Result<Decision, StoreError> {
        let cmd = &item.command;
        let project = self.project(r, &cmd.project).await?;
        let mut ctx = Context {
            directory: Some(&item.directory),
            rulebook: Some(&item.rulebook),
            project,
            ..Context::default()
        };
        if let Some(c) = cmd.act.customer() {
            if let Some(i) = c.identity() {
                let blinds = self.blinds_of(&[format!("i:{i}")]);
                ctx.candidates = self.views_by_blinds(r, &cmd.project, &blinds).await?;
            } else if let Some(Ok(phone)) = c.parsed_phone() {
                self.prefetch_blinds(r, &cmd.project, &prepared.usual)
                    .await?;
                // The phone's probes and the household links naming it, as the act's
                // preparation computed them.
                let computed;
                let (own_probes, link_probes) = match &prepared.phone {
                    Some((own, linked)) => (own, linked),
                    None => {
                        computed = (
                            self.blinds_of(&phone.probe_keys()),
                            self.blinds_of(&household_probes(&phone)),
                        );
                        (&computed.0, &computed.1)
                    }
                };
                ctx.candidates = self
                    .phone_views(r, &cmd.project, &phone, own_probes)
                    .await?;
                // Household: the phone the act names, and links recorded on the customer's records.
                let mut hh: Vec<Phone> = Vec::new();
                if let Some(Ok(h)) = c.household_of.as_deref().map(Phone::parse) {
                    hh.push(h);
                }
                let selected = engine::select(Some(c), &ctx.candidates);
                if let Some(v) = &selected {
                    for e in &v.events {
                        let linked = e.act.customer().and_then(|x| x.household_of.as_deref());
                        if let Some(Ok(h)) = linked.map(Phone::parse) {
                            if !hh.contains(&h) {
                                hh.push(h);
                            }
                        }
                    }
                }
                let mut household: Vec<View> = Vec::new();
                for h in &hh {
                    for v in self.views(r, &cmd.project, h).await? {
                        if !household.iter().any(|x| x.ids == v.ids) {
                            household.push(v);
                        }
                    }
                }
                // Records that name this customer as their household member.
                let linking = self.views_by_blinds(r, &cmd.project, link_probes).await?;
                for v in linking {
                    let named = v.events.iter().any(|e| {
                        e.act
                            .customer()
                            .and_then(|x| x.household_of.as_deref())
                            .and_then(|t| Phone::parse(t).ok())
                            .is_some_and(|h| h.matches(&phone))
                    });
                    let own = selected
                        .as_ref()
                        .is_some_and(|s| s.ids.iter().any(|i| v.ids.contains(i)));
                    if named && !own && !household.iter().any(|x| x.ids == v.ids) {
                        household.push(v);
                    }
                }
                ctx.household = household;
            }
        }
        let referred = match &cmd.act {
            Act::Visit(act::Visit { referred_by, .. })
            | Act::Attend(act::Attend { referred_by, .. }) => referred_by.as_ref(),
            _ => None,
        };
        if let Some(rp) = referred {
            if let Ok(p) = Phone::parse(rp) {
                let views = self.views(r, &cmd.project, &p).await?;
                ctx.referrer = views
                    .into_iter()
                    .find(|v| engine::same_customer(&p, None, v));
            }
        }
        let held_party = match &cmd.act {
            Act::Reassign(act::Reassign { from, .. }) => Some(item.directory.party_of(from)),
            // DIST-EVEN: the batch's leads are held as entered until handed out.
            Act::Distribute(_) => Some(item.rulebook.preset.lead_holder()),
            _ => None,
        };
        if let Some(p) = held_party {
            let holder = party_key(&p);
            let ids = self.held_by(r, &cmd.project, &holder).await?;
            self.load(r, &ids).await?;
            for id in ids {
                ctx.held_by.push(self.view(&[CustomerId(id)]));
            }
        }
        // DIST-CAP: with a cap, what each claiming party holds now.
        if item.rulebook.params.customer_cap.is_some() {
            let claimants: Vec<kehu_core::model::Party> = match &cmd.act {
                Act::Register(act::Register { by, .. })
                | Act::Confirm(act::Confirm { by, .. })
                | Act::Invite(act::Invite { by, .. }) => vec![item.directory.party_of(by)],
                Act::Distribute(act::Distribute { to, .. }) => match to {
                    Some(t) => t.iter().map(|s| item.directory.party_of(s)).collect(),
                    None => item
                        .directory
                        .staff
                        .iter()
                        .filter(|s| s.role == kehu_core::model::Role::Sales)
                        .map(|s| s.party())
                        .collect(),
                },
                _ => Vec::new(),
            };
            for p in claimants {
                let ids = self.held_by(r, &cmd.project, &party_key(&p)).await?;
                self.load(r, &ids).await?;
                for id in ids {
                    ctx.held.push((p.clone(), self.view(&[CustomerId(id)])));
                }
            }
        }
        decide_guarded(&ctx, cmd, item.now)
    }

    /// Records a decided command as the batch's next event (nothing for a read).
    pub(crate) fn append(
        &mut self,
        cmd: &Command,
        prepared: &Prepared,
        d: &Decision,
    ) -> Result<Option<i64>, StoreError> {
        if matches!(cmd.act, Act::Query(_)) {
            return Ok(None);
        }
        let seq = self.next_seq;
        self.next_seq += 1;
        let customers: Vec<CustomerId> = match &d.target {
            Target::None => Vec::new(),
            Target::Records(ids) => ids.clone(),
            Target::New => {
                let id = self.next_customer;
                self.next_customer += 1;
                self.new_customers.insert(id, cmd.project.clone());
                self.histories.insert(id, Vec::new());
                vec![CustomerId(id)]
            }
        };
        self.last_customers = customers.iter().map(|c| c.0).collect();
        let event = Event {
            seq,
            project: cmd.project.clone(),
            at: cmd.at,
            customers,
            act: cmd.act.clone(),
            verdict: d.verdict.clone(),
            effects: d.effects.clone(),
        };
        // Compact JSON; the core types leave out their empty optional fields (skip_serializing_if),
        // so a map keeps every value it holds, nulls included.
        let body = serde_json::to_vec(&event).map_err(|e| corrupt(seq, e))?;
        let (key_id, sealed) = self.keys.seal(&event_aad(seq, &event.project), &body);
        self.out.events.push((
            seq,
            event.project.clone(),
            ms(event.at),
            event.act.name().to_string(),
            key_id,
            sealed,
        ));
        let keys = if event.verdict.outcome == verdict::Outcome::Invalid {
            Vec::new()
        } else {
            prepared.event_keys.clone()
        };
        self.project_event(event, keys);
        Ok(Some(seq))
    }

    /// G-CLOCK: the next due effect of each record the latest appended event touched, computed
    /// under that act's rulebook as of its instant (the index the scheduler reads).
    pub(crate) fn schedule(&mut self, item: &Item) {
        let ids = std::mem::take(&mut self.last_customers);
        if ids.is_empty() {
            return;
        }
        let project = self
            .projects
            .get(&item.command.project)
            .cloned()
            .unwrap_or_default();
        let ctx = Context {
            directory: Some(&item.directory),
            rulebook: Some(&item.rulebook),
            project,
            ..Context::default()
        };
        for id in ids {
            let v = self.view(&[CustomerId(id)]);
            let due = engine::due::next_due(&ctx, &v, item.command.at)
                .map(|d| crate::backend::due_row(&item.command.project, &d));
            self.due.insert(id, due);
        }
    }

    /// Applies one event, whose index keys' blind values are `blinds`, to the cached state and
    /// the batch's rows (what the check's fold does).
    fn project_event(&mut self, e: Event, blinds: Vec<Blind>) {
        let e = Arc::new(e);
        for c in &e.customers {
            self.out.links.push((c.0, e.seq));
            if let Some(h) = self.histories.get_mut(&c.0) {
                h.push(e.clone());
            }
            self.pending_events.entry(c.0).or_default().push(e.clone());
            let pending = self.pending_keys.entry(e.project.clone()).or_default();
            let probed = self.probed.get(&e.project);
            for b in &blinds {
                let fresh = pending.entry(*b).or_default().insert(c.0);
                let known = probed
                    .and_then(|m| m.get(b))
                    .is_some_and(|s| s.contains(&c.0));
                if fresh && !known {
                    self.out.keys.push((e.project.clone(), *b, c.0));
                }
            }
        }
        for eff in &e.effects {
            match eff {
                Effect::Holder { party, rule } => {
                    for c in &e.customers {
                        self.holders
                            .insert(c.0, (e.project.clone(), party_key(party), rule.clone()));
                    }
                }
                Effect::Reassigned { customer, party } => {
                    self.holders.insert(
                        customer.0,
                        (e.project.clone(), party_key(party), e.verdict.rule.clone()),
                    );
                }
                Effect::DisputeClosed => {
                    for c in &e.customers {
                        for (_, d) in self.out.disputes.iter_mut() {
                            if d.1 == c.0 && d.4.is_none() {
                                d.4 = Some(e.seq);
                            }
                        }
                        self.out.closes.push((c.0, e.seq));
                    }
                }
                Effect::Project(state) => {
                    self.projects.insert(e.project.clone(), (**state).clone());
                    self.dirty_projects.insert(e.project.clone());
                }
                Effect::ProjectChange(c) => {
                    self.projects
                        .entry(e.project.clone())
                        .or_default()
                        .apply(c, e.at);
                    self.dirty_projects.insert(e.project.clone());
                }
            }
        }
        self.out.disputes.extend(dispute_of(&e));
        self.out.kept.add(&e);
    }

    /// The batch's rows, ready to write.
    pub(crate) fn finish(mut self) -> Result<WriteSet, StoreError> {
        let mut out = std::mem::take(&mut self.out);
        for (id, project) in &self.new_customers {
            let (holder, rule) = match self.holders.get(id) {
                Some((_, h, r)) => (Some(h.clone()), Some(r.clone())),
                None => (None, None),
            };
            out.new_customers
                .push((*id, (project.clone(), holder, rule)));
        }
        // A record's row changes only when its holder does (an entry naming it adds a link).
        let mut updated: BTreeMap<i64, CustomerUpdate> = BTreeMap::new();
        for (id, (_, h, r)) in &self.holders {
            if !self.new_customers.contains_key(id) {
                updated.insert(*id, (h.clone(), r.clone()));
            }
        }
        out.customer_updates = updated.into_iter().collect();
        out.due = std::mem::take(&mut self.due).into_iter().collect();
        // A committed dispute closes at the first close of its record in the batch.
        let mut first: BTreeMap<i64, i64> = BTreeMap::new();
        for (c, s) in &out.closes {
            first.entry(*c).or_insert(*s);
        }
        out.closes = first.into_iter().collect();
        for p in &self.dirty_projects {
            let state = &self.projects[p];
            let json = serde_json::to_string(state).map_err(|e| corrupt(0, e))?;
            out.projects.push((p.clone(), json));
        }
        Ok(out)
    }
}

/// Decides and records a batch of items in one transaction; an item the engine refuses is that
/// item's error, the others go on. Any storage error fails the whole batch (nothing committed).
/// An act's audit detail: what the caller wrote, then the outcome, the rule and the seq.
pub(crate) fn audit_detail(base: &str, r: &Result<Outcome, StoreError>) -> String {
    let sep = if base.is_empty() { "" } else { " " };
    match r {
        Ok(o) => {
            let seq = o.seq.map(|s| format!(" seq {s}")).unwrap_or_default();
            format!(
                "{base}{sep}{} {}{seq}",
                o.verdict.outcome.name(),
                o.verdict.rule
            )
        }
        Err(e) => format!("{base}{sep}refused: {e}"),
    }
}

/// The act an idempotency key names (both backends).
pub(crate) const ONCE: &str =
    "SELECT seq, fingerprint FROM act_keys WHERE account = $1 AND key = $2";
/// An idempotency key of a recorded act (SQLite; PostgreSQL writes a batch's in one statement).
pub(crate) const ONCE_INSERT: &str =
    "INSERT INTO act_keys (account, key, fingerprint, seq, at_ms) VALUES ($1, $2, $3, $4, $5)";

/// Outcomes of a batch's acts, in order (an act's own refusal is its outcome).
pub(crate) type BatchResults = Vec<Result<Outcome, StoreError>>;

/// Decides a batch and commits it.
pub(crate) async fn run_batch<W: Write>(
    tx: W,
    keys: Arc<Keys>,
    items: &[Queued],
    audits: &[(Option<usize>, crate::audit::AuditEntry)],
) -> Result<BatchResults, StoreError> {
    let (tx, results) = write_batch(tx, keys, items, audits).await?;
    tx.commit().await?;
    Ok(results)
}

/// Decides a batch and writes its rows in `tx`, which is handed back for the caller to commit.
pub(crate) async fn write_batch<W: Write>(
    mut tx: W,
    keys: Arc<Keys>,
    items: &[Queued],
    audits: &[(Option<usize>, crate::audit::AuditEntry)],
) -> Result<(W, BatchResults), StoreError> {
    // The batch's usual probes, read with the next ids: most acts then need no further read.
    let mut probes: BTreeMap<&str, Vec<Blind>> = BTreeMap::new();
    for q in items {
        probes
            .entry(&q.item.command.project)
            .or_default()
            .extend(&q.prepared.usual);
    }
    let probes: Vec<(&str, Vec<Blind>)> = probes
        .into_iter()
        .map(|(p, mut keys)| {
            keys.sort_unstable();
            keys.dedup();
            (p, keys)
        })
        .collect();
    let start = tx.start(&probes).await?;
    let mut cache = Cache::new(keys.clone(), start.next_seq, start.next_customer);
    cache.absorb(&probes, start)?;
    let mut results = Vec::with_capacity(items.len());
    // Idempotency keys seen in this batch: (account, key) → (seq, fingerprint).
    let mut onces: BTreeMap<(String, String), (i64, String)> = BTreeMap::new();
    let mut once_rows = Vec::new();
    for Queued {
        item,
        prepared,
        once,
    } in items
    {
        if let Some(o) = once {
            let k = (o.account.clone(), o.key.clone());
            let seen = match onces.get(&k) {
                Some(x) => Some(x.clone()),
                None => tx.once(&o.account, &o.key).await?,
            };
            if let Some((seq, fingerprint)) = seen {
                results.push(Err(if fingerprint == o.fingerprint {
                    StoreError::Replayed(seq)
                } else {
                    StoreError::KeyReused
                }));
                continue;
            }
        }
        match cache.decide(&mut tx, item, prepared).await {
            Ok(d) => {
                let seq = cache.append(&item.command, prepared, &d)?;
                cache.schedule(item);
                if let (Some(o), Some(s)) = (once, seq) {
                    onces.insert(
                        (o.account.clone(), o.key.clone()),
                        (s, o.fingerprint.clone()),
                    );
                    once_rows.push((
                        o.account.clone(),
                        o.key.clone(),
                        o.fingerprint.clone(),
                        s,
                        ms(item.command.at),
                    ));
                }
                results.push(Ok(Outcome {
                    verdict: d.verdict,
                    seq,
                    replayed: false,
                }));
            }
            Err(StoreError::Engine(e)) => results.push(Err(StoreError::Engine(e))),
            Err(e) => return Err(e),
        }
    }
    let mut rows = cache.finish()?;
    rows.onces = once_rows;
    if !audits.is_empty() {
        let entries: Vec<crate::audit::AuditEntry> = audits
            .iter()
            .map(|(i, e)| {
                let mut e = e.clone();
                if let Some(r) = i.and_then(|i| results.get(i)) {
                    e.detail = audit_detail(&e.detail, r);
                }
                e
            })
            .collect();
        let last = tx.audit_last().await?;
        rows.audit = crate::audit::chain(&keys, last, &entries);
    }
    tx.flush(&rows).await?;
    Ok((tx, results))
}

/// The records whose phone matches `phone` in `project`, each with its whole history (a read).
pub(crate) async fn run_history<R: Read>(
    r: &mut R,
    keys: Arc<Keys>,
    project: &str,
    phone: &kehu_core::phone::Phone,
) -> Result<Vec<kehu_core::state::View>, StoreError> {
    let mut cache = Cache::new(keys, 0, 0);
    cache.views(r, project, phone).await
}

/// One page of the records `holder` holds in `project` (by record id), each with its history, and
/// how many it holds in all (a read).
pub(crate) async fn run_held<R: Read>(
    r: &mut R,
    keys: Arc<Keys>,
    project: &str,
    holder: &str,
    &(offset, limit): &(usize, usize),
) -> Result<(Vec<kehu_core::state::View>, usize), StoreError> {
    let mut ids = r.held_by(project, holder).await?;
    ids.sort_unstable();
    let total = ids.len();
    let page: Vec<i64> = ids.into_iter().skip(offset).take(limit).collect();
    let mut cache = Cache::new(keys, 0, 0);
    cache.load(r, &page).await?;
    Ok((
        page.iter().map(|i| cache.view(&[CustomerId(*i)])).collect(),
        total,
    ))
}

/// Records by id, each with its whole history (a read).
pub(crate) async fn run_views<R: Read>(
    r: &mut R,
    keys: Arc<Keys>,
    ids: &[i64],
) -> Result<Vec<kehu_core::state::View>, StoreError> {
    let mut cache = Cache::new(keys, 0, 0);
    cache.load(r, ids).await?;
    Ok(ids.iter().map(|i| cache.view(&[CustomerId(*i)])).collect())
}

/// The records filed under a name in `project`, each with its whole history (a read).
pub(crate) async fn run_by_name<R: Read>(
    r: &mut R,
    keys: Arc<Keys>,
    project: &str,
    name: &str,
) -> Result<Vec<kehu_core::state::View>, StoreError> {
    let Some(key) = kehu_core::name::search_key(name) else {
        return Ok(Vec::new());
    };
    let mut cache = Cache::new(keys, 0, 0);
    cache.views_by_keys(r, project, &[key]).await
}

/// Decides a read (a collision check) on a snapshot: nothing is written.
pub(crate) async fn run_read<R: Read>(
    r: &mut R,
    keys: Arc<Keys>,
    item: &Item,
) -> Result<Outcome, StoreError> {
    let prepared = Prepared::new(&keys, &item.command);
    let mut cache = Cache::new(keys, 0, 0);
    let d = cache.decide(r, item, &prepared).await?;
    Ok(Outcome {
        verdict: d.verdict,
        seq: None,
        replayed: false,
    })
}

#[cfg(test)]
mod guard_tests {
    use super::*;

    #[test]
    fn a_panicking_decision_is_that_acts_error() {
        let r: Result<(), StoreError> = guarded(|| panic!("index out of bounds"));
        match r {
            Err(StoreError::Engine(engine::EngineError::Failed(m))) => {
                assert!(m.contains("index out of bounds"), "{m}")
            }
            other => panic!("{other:?}"),
        }
        // The next decision on the same thread runs as usual.
        assert!(matches!(guarded(|| Ok(7)), Ok(7)));
    }
}

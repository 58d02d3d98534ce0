//! The rule catalogue: every rule ID of RULES.md with its section and a one-line summary.
//!
//! Verdicts cite these IDs; `kehu scenario coverage` compares the scenario suite against them.
//! A test checks this table against `shared/spec/RULES.md` when that file is present.

/// A rule ID as written in RULES.md (e.g. `TR-PROTECT`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(transparent)]
pub struct RuleId(pub &'static str);

impl std::fmt::Display for RuleId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}

/// One entry of the catalogue.
#[derive(Debug, Clone, Copy)]
pub struct RuleInfo {
    pub id: &'static str,
    /// RULES.md section, e.g. `3.1`.
    pub section: &'static str,
    /// The rule's whole text as RULES.md writes it (Markdown left in).
    pub text: &'static str,
}

impl RuleInfo {
    /// The rule's first sentence, for one-line listings: it ends at the first full stop outside
    /// parentheses that is followed by a space or the end (never at a colon, which often
    /// introduces the rule's substance: "B is present: B receives").
    pub fn summary(&self) -> &'static str {
        let text = self.text;
        let bytes = text.as_bytes();
        let mut depth = 0i32;
        for (i, c) in text.char_indices() {
            match c {
                '(' | '（' => depth += 1,
                ')' | '）' => depth -= 1,
                '.' if depth <= 0 => {
                    let next = bytes.get(i + 1).copied();
                    let abbreviation = text[..i].ends_with("e.g") || text[..i].ends_with("i.e");
                    if (next.is_none() || next == Some(b' ')) && !abbreviation {
                        return &text[..=i];
                    }
                }
                _ => {}
            }
        }
        text
    }
}

/// Looks up a rule by its ID.
pub fn lookup(id: &str) -> Option<&'static RuleInfo> {
    CATALOGUE.iter().find(|r| r.id == id)
}

/// Every rule ID of RULES.md, in document order (written by `scripts/catalogue.py`).
#[rustfmt::skip]
pub const CATALOGUE: &[RuleInfo] = &[
    // BEGIN CATALOGUE
    RuleInfo { id: "G-TIME", section: "2", text: "All rule times are local time Asia/Shanghai. A window of N days starting at instant t is the half-open interval [t, t + N days) in calendar arithmetic (same wall-clock time N days later); N months likewise with calendar months. At the exact end instant the window is over. \"Same day\" means the same local calendar date. \"Working days\" (工作日) are Monday–Friday minus configured holidays, plus configured make-up working days (调休); a window of N working days from t ends at t's wall-clock time on the N-th working day after t's date. Adding months to a date that does not exist in the target month lands on that month's last day (01-31 + 1 month = 02-28, or 02-29). \"Within the last N days\" at `now` means the N-day window that starts at the event still contains `now`. \"The day before\" a date means any earlier calendar date. A protection's end (`protected_until`) is the exclusive end instant of its window; a protection with no end (held until a sale, a departure or a manager's decision) has the end `none`. Policies may switch a rule's window to whole calendar days (ending at 00:00 after the last day) where a company counts 「之日起」 by date; the presets count by instant unless a rule says otherwise." },
    RuleInfo { id: "G-CLOCK", section: "2", text: "The engine never reads the wall clock itself; every decision takes an explicit `now`. Scheduled effects (expiry, pool return, escalation) are evaluated as of `now`, so replaying the same events gives the same verdicts." },
    RuleInfo { id: "G-PHONE", section: "2", text: "Phones are normalised: spaces, dashes and a `+86`/`0086`/`86` prefix are removed; full-width digits become ASCII. A Chinese mobile number is 11 digits starting with 1. A masked phone hides digits with `*`, `x`, `X` or `＊`; the accepted mask forms are set per rulebook: `3+4` (前三后四, `138****8000`), `4+5` (前4位及后5位, `1380**38000`), `7+0` (隐藏后4位, `1380013****`). A full 11-digit mobile number is always accepted; the rulebook's setting lists which *masked* forms it accepts (a confirmation that demands the full number says so itself). A phone in another form gets the outcome `invalid` with a clear error naming the accepted forms." },
    RuleInfo { id: "G-MATCH", section: "2", text: "Two phone values *match* when every position known in both is equal (full vs full: equal; masked vs full: consistent; masked vs masked: consistent on the positions both know). Name check: the surname (single or compound: 欧阳 司马 诸葛 上官 东方 皇甫 尉迟 公孙 慕容 长孙 宇文 司徒 夏侯 轩辕 令狐 钟离 …) of `张先生`, `张女士`, `张小姐`, `张三`, `老张` is 张. Two records are the **same customer** when their full phones are equal (names do not matter), or their phones match with at least one side masked and the surnames do not differ (a missing name never differs). Gender (先生/女士/小姐, or a `gender` field) is recorded but never used for matching. Same-customer detection also follows household links where the rulebook protects households (CS-HOUSEHOLD, SR-HOUSEHOLD): a registration of another household member is not a collision by itself: until the household rule decides (at visit or signing), each member's registration is its own claim, accepted with its registrant as owner." },
    RuleInfo { id: "G-SCOPE", section: "2", text: "A company runs several projects (楼盘, stores, regions). Each project chooses its rulebook; every claim, visit, rotation and deal belongs to one project, and collisions are checked within the project (an agency may register the same person for two different projects). Staff and agencies may work on several projects." },
    RuleInfo { id: "G-CLAIM", section: "2", text: "A claim is *valid* at `now` when the rulebook's conditions hold (effective, not expired, not forfeited). At most one party owns a customer at a time, except where a rulebook splits. A later registration that collides with a valid claim is **rejected** (撞单) and the response names the current owner *only to managers*; to the registering party it says \"already protected until <date>\" and nothing else (seed 003 客户归属认定及报备细则: the site must not leak collision details); where CL-SILENT applies it says only that the registration was received. Owner names: \"company pool\", \"the market\" and \"public pool\" all mean `pool` (open to the next valid claim, or reassigned by a manager where the rulebook says so); a \"company customer\" is `company`; the department is `department`." },
    RuleInfo { id: "G-EXPLAIN", section: "2", text: "Every verdict carries: outcome, owner (or shares), the deciding rule ID, and the events it relied on (their times and kinds). Humans read it in Chinese; APIs return it as data. Outcomes: `accepted` (the act took effect), `rejected` (a well-formed act that a rule refuses: a collision, a late claim, a same-day pre-registration, a customer the rulebook excludes such as DS-SELF), `invalid` (the input fails a rule about its form or content: a phone in a form the rulebook does not accept, a missing required field, a confirmation without the required signatures), `pending` (a manager must decide: G-DISPUTE), `confirmed` (a valid visit confirmation). The deciding rule is the most specific one: a rulebook's own rule (§3) is cited over a general one (§4–§6); a rejected collision cites the rule under which the earlier claim is protected at that instant (e.g. TR-PROTECT, TR-ACTIVE, ST-DEPOSIT, CS-MONTH, CD-7DAYS, CL-LAUNCH, BP-VISIT, BP-SALE, DS-CADENCE); a phone in a form the rulebook does not accept cites G-PHONE, a missing required field the rulebook's rule that requires it (ST-FIELDS)." },
    RuleInfo { id: "G-SHARES", section: "2", text: "A deal's verdict names the party credited with the sale (业绩, `credited`) and the split of the bonus/commission (奖金/提成, `shares`), integer percentages summing to 100. Where a rule splits a share equally among k parties, each gets the floor and the remainder goes one point at a time to the parties in the order of their involvement (earliest first). `credited` is always exactly one party, also where a seed splits 业绩 itself (FR-ASSIST, FR-UNKNOWING, SR-NTH, SR-FORGOT): the party that a rule names, else the largest share, and on a tie the earliest-involved party among the shares. A `pending` deal has no shares and no credit until a manager resolves it." },
    RuleInfo { id: "G-NOTIFY", section: "2", text: "The system tells the owner (a staff member or an agency's contact) when their customer visits without them (seed 003: 客户自行上门…应及时通知该方), when their protection is about to expire (POOL-RETURN, 3 days before by default), and when a dispute about their customer opens or is resolved. The owner is not told of a rejected collision (the refused party learns what G-CLAIM allows). Where CL-SILENT applies, dispute notices wait until signing and are attributed to the signing step. Notifications are records in the ledger, shown in the owner's pages." },
    RuleInfo { id: "G-DISPUTE", section: "2", text: "When a rule says the manager decides (分歧/无法界定/待定确认单), the outcome is `pending`: a dispute is opened with an answer deadline (24 h by default, from CS-DISPUTE; a policy parameter); until a manager resolves it, the customer's deal is not blocked (G-DEAL-FIRST) and commission stays unattributed." },
    RuleInfo { id: "G-DEAL-FIRST", section: "2", text: "No ownership question may block a customer from signing (seed 003: 在客户签定正式 合同前,不能因为业务归属问题影响客户成交). Attribution is computed at signing and may be settled later." },
    RuleInfo { id: "G-VIOLATION", section: "2", text: "Where a seed names a penalty (抢单, 虚假报备, 泄露, 私自查阅 …) the system records a violation entry (staff, rule ID, amount in yuan if named, evidence events) for the manager. Amounts named in the seeds are the presets' defaults: FR-KNOWING 1000; ST-FAKE 50, 100, then dismissal; store-registration leak of customer data 500 per customer; ROT-FAIR one day's base pay, serious cases the month's base pay and 50 % of the month's bonus; CMP-3DAYS 500 each for the staff member and the manager; a grievance found without a complaint 100; a complaint to the general manager 100 each; reading archives without approval 100, giving them to others 100, deleting or copying them 500 and dismissal; CM-CUTOFF lists late 10; CM-QUARREL 100 each." },
    RuleInfo { id: "SR-FIRST", section: "3.1", text: "The earliest recorded registration (visitor register entry by the receiving salesperson) owns the customer (首访原则)." },
    RuleInfo { id: "SR-VALID", section: "3.1", text: "A salesperson's record of a customer is valid for 2 months from the latest registration by, or visit received by, that salesperson (建档有效期2个月)." },
    RuleInfo { id: "SR-DESIG", section: "3.1", text: "On a first visit a customer who names a salesperson at the door is that salesperson's customer, outside the rotation; knowing the customer without being named does not count (§(二)5(1))." },
    RuleInfo { id: "SR-RETURN", section: "3.1", text: "A returning customer does not consume a rotation turn (§(二)5(2))." },
    RuleInfo { id: "SR-HANDBACK", section: "3.1", text: "A knows B served the customer and B is present: B receives; deal 100 % B (§(五)3(1))." },
    RuleInfo { id: "SR-REFUSE", section: "3.1", text: "Customer refuses B and asks for A: A follows up; deal 100 % A if B's record had expired at the visit where the customer refused B, else A 80 / B 20 (§(五)3(2))." },
    RuleInfo { id: "SR-ABSENT", section: "3.1", text: "Customer names one salesperson B (several names: SR-MULTI), B absent: the salesperson who would receive a walk-in at that instant (C, per §4) assists, consuming no turn (不列入前台轮值指标); deal credited to B, bonus B 80 / C 20 (§(五)3(3)). SR-ABSENT is the rule cited for that visit and for a deal on a later day (over SR-RETURN, ROT-RETURN and SR-SAMEDAY)." },
    RuleInfo { id: "SR-SAMEDAY", section: "3.1", text: "The assistant of SR-ABSENT closes the deal on the day of that visit: credited to the owner, bonus 50/50; a later deal follows SR-ABSENT (义务接待 that day) (§(二)5)." },
    RuleInfo { id: "SR-COMPLAINT", section: "3.1", text: "Customer names B but refuses B and complains: after the manager confirms, B has no share (§(五)3(4))." },
    RuleInfo { id: "SR-MULTI", section: "3.1", text: "Customer names several salespeople without designating: the first named who is present receives; none present: rotation, and the receiver consumes a turn as for a walk-in (§(五)3(5))." },
    RuleInfo { id: "SR-DISCOUNT", section: "3.1", text: "A's customer closes with B (for a discount, the seed's case, or for any other reason) where no other rule of this section applies: 100 % A (§(五)3(6))." },
    RuleInfo { id: "SR-FORGOT", section: "3.1", text: "Customer forgot who served them: rotation receiver A, who consumes a turn as for a walk-in; if B is later found with a valid record, A 50 / B 50, else 100 % A (§(五)3(7))." },
    RuleInfo { id: "SR-NTH", section: "3.1", text: "On the Nth visit the customer designates A: A 50 / the earlier salespeople other than A 50, split equally among them (G-SHARES) (§(五)3(8)). SR-NTH and SR-MULTI choose the receiver (SR-NTH also the split of a later deal); they never change the owner; a deal that the SR-MULTI receiver closes for another's customer follows SR-DISCOUNT." },
    RuleInfo { id: "SR-SIGNED", section: "3.1", text: "Once a deal is signed, the customer stays with the party credited at signing: later visits, namings, designations, registrations and walk-ins choose who receives the customer that day but change neither the owner nor the credit of that deal; the credited salesperson does the after-sales work (§(五)3(9)). Another party's registration of the customer is rejected and cites SR-SIGNED (that party may still receive the customer that day). The protection has no end (`none`) until a manager reassigns the customer. A second purchase is a new deal, decided by the rules above." },
    RuleInfo { id: "SR-REFERRAL", section: "3.1", text: "A customer brought by an existing customer belongs to the existing customer's owner (§(五)3(10))." },
    RuleInfo { id: "SR-HOUSEHOLD", section: "3.1", text: "Spouse or family member visiting later belongs to the first receiver (§(五)3(11))." },
    RuleInfo { id: "SR-LEAVE", section: "3.1", text: "Long leave or transfer: the manager redistributes the customers at random among the others (§(五)3(12))." },
    RuleInfo { id: "SR-EVENT", section: "3.1", text: "During a launch/expo event window, ownership is set by the manager: `pending` (§(五)3(13))." },
    RuleInfo { id: "SR-QUARREL", section: "3.1", text: "Parties who quarrel over a customer lose the deal to the department (`owner = department`) (§(五)4)." },
    RuleInfo { id: "FR-FIRST", section: "3.2", text: "The first reception recorded in the system is the only basis of ownership; an unrecorded visit gives no ownership." },
    RuleInfo { id: "FR-LEFT", section: "3.2", text: "A departed salesperson's customers go to the department; customers without a deposit are treated as new." },
    RuleInfo { id: "FR-ASSIST", section: "3.2", text: "Owner present but busy: a colleague assists without recording; owner keeps 100 %. Owner absent: the available salesperson last in the rotation queue (排轮最后: the one who received a turn most recently) assists without consuming a turn; assistant closes → 50/50; owner closes → owner 70 / assistant 30." },
    RuleInfo { id: "FR-GROUP", section: "3.2", text: "A first-reception customer who paid no deposit and later buys through a group purchase (团购) is not credited to the salesperson; with a deposit paid, FR-DEPOSIT holds." },
    RuleInfo { id: "FR-SCOPE", section: "3.2", text: "FR-ASSIST governs an assistant whom the rotation assigned and a colleague who assists a present but busy owner (the available colleague who received a turn most recently); FR-KNOWING and FR-UNKNOWING govern someone who served another's customer outside that, and apply only when the deal states `knowing`." },
    RuleInfo { id: "FR-UNKNOWING", section: "3.2", text: "Someone who did not know and deeply served another's customer: closes → 50/50; helped materially but owner closed → owner 70 / helper 30." },
    RuleInfo { id: "FR-KNOWING", section: "3.2", text: "Someone who knowingly served another's customer: 100 % owner and a violation entry of 1000 yuan." },
    RuleInfo { id: "FR-DEPOSIT", section: "3.2", text: "A customer who already paid a deposit and comes to sign: first reception keeps 100 %." },
    RuleInfo { id: "FR-COMPLAINT", section: "3.2", text: "A complaint that asks to change salesperson: ownership moves to the new salesperson." },
    RuleInfo { id: "TR-SITE", section: "3.3", text: "A claim is effective only when the salesperson brings the customer on site and registers at the front desk; bringing without registering forfeits the claim. Phones may hide the last 4 digits (`7+0`)." },
    RuleInfo { id: "TR-PROTECT", section: "3.3", text: "A registration that no other party disputes is strictly protected for 30 days from registration. (The seed also calls a registration 「永久有效」; kehu reads that as: the owner keeps the customer for as long as TR-ACTIVE holds.)" },
    RuleInfo { id: "TR-ACTIVE", section: "3.3", text: "After that, while the owner's last contact (the latest of the owner's registration, visits with the customer and logged contacts) is within the last 15 days, another party needs the owner's consent; registering without it is rejected and records a violation (恶意抢单). Once 15 days pass without such contact the claim has ended (失效): the owner's later contacts revive nothing, and the owner, like anyone, must register again." },
    RuleInfo { id: "TR-SAMEDAY", section: "3.3", text: "Two parties who contacted the customer the same day: whoever brought the customer on site first owns it. A registration colliding with a claim on the day of the owner's last contact cites TR-SAMEDAY (the refused party may still win by bringing the customer on site first that day: only a `visit` the party brings counts); other collisions cite TR-PROTECT or TR-ACTIVE. A TR-ACTIVE violation is recorded whichever rule is cited." },
    RuleInfo { id: "TR-CLAIM3", section: "3.3", text: "A deal unclaimed at signing may be claimed with evidence in the 3-day window that starts at signing; a timely claim is accepted (its share then follows the rulebook), a later one is rejected." },
    RuleInfo { id: "TR-DUTY", section: "3.3", text: "An unowned deal is credited to the team on reception duty that week (`owner = team:<name>`); the split inside the team is set by the project head." },
    RuleInfo { id: "TR-LEFT", section: "3.3", text: "A departed salesperson's customers stay with the former team; purchases by people around the customer (including relatives) are not credited to it." },
    RuleInfo { id: "ST-FIELDS", section: "3.4", text: "A valid registration has name, phone and address; a missing field is an incomplete registration and protects nothing." },
    RuleInfo { id: "ST-INQUIRY", section: "3.4", text: "A walk-in inquiry customer is protected 7 days from registration." },
    RuleInfo { id: "ST-DEPOSIT", section: "3.4", text: "A customer who paid a deposit is protected 90 days from the deposit." },
    RuleInfo { id: "ST-EXPIRED", section: "3.4", text: "After expiry others may register; if the original salesperson is still following up (a logged contact within the last 7 days, a preset parameter), the outcome is `pending`: the customer chooses." },
    RuleInfo { id: "ST-ASSIST", section: "3.4", text: "A deal that another salesperson helped to close is `pending`: the manager and the two salespeople agree the split (三方协商)." },
    RuleInfo { id: "ST-UNREGISTERED", section: "3.4", text: "A party that never registered and collides with another's claim has no claim." },
    RuleInfo { id: "ST-FAKE", section: "3.4", text: "A registration later proved false records violations of 50, 100 yuan, then dismissal on the third." },
    RuleInfo { id: "CS-LEAD", section: "3.5", text: "An SMS registration must arrive at least 30 minutes before its declared visit time (`visit_at`); a later one is rejected (no protection). A timely one is accepted and its agency owns the customer at once, until the end of the declared visit day if the customer does not come. Phone form `3+4`. Message format: `报备《项目》<类型>,客户<姓名>,电话:<前三后四>,<公司><经纪人>`." },
    RuleInfo { id: "CS-CONFIRM", section: "3.5", text: "A visit counts for an agency only with a visit confirmation signed the same day by the agency's agent and a site consultant (a `sales` staff member), before the customer leaves; a confirmation without a consultant's signature is `invalid`; one signed on a later day is `rejected`." },
    RuleInfo { id: "CS-MONTH", section: "3.5", text: "Protection lasts one month from the first visit; afterwards the customer belongs to the market: whoever brings it next." },
    RuleInfo { id: "CS-HOUSEHOLD", section: "3.5", text: "A household is one customer: a deal in a household member's name counts for the registrant. Different agencies bringing different members the same day: split 50/50; on different days: the first." },
    RuleInfo { id: "CS-SAMEGROUP", section: "3.5", text: "Two agencies bring the same group: the first received owns; the system suggests 50/50 and opens no dispute by itself." },
    RuleInfo { id: "CS-DISPUTE", section: "3.5", text: "A disputed customer gets a 待定确认单 (pending) answered within 24 h." },
    RuleInfo { id: "CD-PRE", section: "3.6", text: "Every distributor customer is pre-registered by SMS (name, gender, phone `4+5`); without it the customer is company pool." },
    RuleInfo { id: "CD-7DAYS", section: "3.6", text: "A pre-registration is valid 7 days from the first registration; re-registering is allowed only while the claim is valid and only if no 5 days passed without the agent's logged contact (from the registration to the first contact, between contacts, and from the last contact to the re-registration); a re-registration is valid 7 days from itself." },
    RuleInfo { id: "CD-GROUP", section: "3.6", text: "A tour group brought the same day without SMS counts as registered if the agency gives both name and phone that day; one of the two alone fails." },
    RuleInfo { id: "CD-FIRST", section: "3.6", text: "Overlap found at a visit or confirmation (several pre-registrations match the customer's full phone and name): the earlier registration wins." },
    RuleInfo { id: "CD-CONFIRM", section: "3.6", text: "Every visit needs a visit confirmation with the full phone and the entry time, signed by agent, site staff and the developer's sales manager; an incomplete confirmation is `invalid`; one inconsistent with the registration is `invalid` and the registration loses its claim." },
    RuleInfo { id: "CD-30DAYS", section: "3.6", text: "A confirmed visit protects 30 days from the first visit." },
    RuleInfo { id: "CD-SELF", section: "3.6", text: "A registered customer who comes alone and names the agency → the agency; cannot name it but the agency's contact log shows the customer → the agency." },
    RuleInfo { id: "CL-PRE", section: "3.7", text: "A pre-registration (项目+姓名+电话) must be sent on an earlier date than its declared visit; a same-day one is rejected. An accepted pre-registration is recorded as evidence only: it never gives ownership, and a formal registration does not require one." },
    RuleInfo { id: "CL-FORMAL", section: "3.7", text: "Formal registration happens on site with the customer's signature, phone middle 4 hidden (`3+4`); a formal registration without the customer's signature is `invalid`; no on-site registration forfeits the claim." },
    RuleInfo { id: "CL-LAUNCH", section: "3.7", text: "Formally registered before the launch day: valid until 00:00 after the launch day. Registered on or after the launch day: valid 7 days from registration. After expiry, another agency's formal registration takes the customer over." },
    RuleInfo { id: "CL-AREA", section: "3.7", text: "A deal whose customer is outside the agreed promotion area is excluded from settlement." },
    RuleInfo { id: "CL-SILENT", section: "3.7", text: "Before the contract is signed, the site does not tell any party about a collision (G-CLAIM)." },
    RuleInfo { id: "BP-SALE", section: "3.8", text: "A registered customer with sales is protected for its salesperson; others may not sell to it." },
    RuleInfo { id: "BP-VISIT", section: "3.8", text: "A registration, and each later registered visit by the owner (`contact` of kind `visit`), protects the customer for 3 months from the latest of them; afterwards, without a sale, another salesperson's registration is accepted and takes the customer over." },
    RuleInfo { id: "BP-IDLE", section: "3.8", text: "A customer with no sale and no payment for 6 months goes to the company pool; the manager reassigns it; the new salesperson earns half commission on old receivables." },
    RuleInfo { id: "BP-OVERLAP", section: "3.8", text: "Two salespeople's records of one customer found in the archive (imported, or both accepted before a match was known): the one with orders keeps it; otherwise the earlier registration with order history." },
    RuleInfo { id: "BP-WALKIN", section: "3.8", text: "A customer who buys at the company directly (a deal with no `closed_by`) is a company customer, unless the customer names a salesperson (`named`), who then owns it." },
    RuleInfo { id: "BP-LEFT", section: "3.8", text: "A departed salesperson's customers are reassigned by the marketing VP; the leaver cannot hand them over." },
    RuleInfo { id: "DS-SELF", section: "3.9", text: "Only self-sourced customers may be filed; an inbound call customer may not (violation if disguised)." },
    RuleInfo { id: "DS-REGION", section: "3.9", text: "Filing in one's own region is automatic; filing across regions needs manager approval (`pending`)." },
    RuleInfo { id: "DS-CADENCE", section: "3.9", text: "A filing stays valid only with at least 2 logged contacts by the filer in its first month and 3 in every later month, months counted from the filing instant (G-TIME); a month that falls short ends the filing at that month's end (the customer goes to `pool`)." },
    RuleInfo { id: "DS-3MONTHS", section: "3.9", text: "Without an order (a deal) in the 3 months from filing, the filing is revoked at that instant (the customer goes to `pool`), unless the general manager extended it (`extend`). A filing's `protected_until` is this instant; DS-CADENCE may end it earlier." },
    RuleInfo { id: "DS-QUOTA", section: "3.9", text: "Monthly: at least 100 leads or 20 intent customers per salesperson (reported, not enforced)." },
    RuleInfo { id: "CM-EVEN", section: "3.10", text: "Leads collected at a division's outreach event (科普) are entered by the CRM centre, returned to that division's head, and split by DIST-EVEN among that division's staff who took part (该部参加科普的员工). Each lead's owner is the staff member it is given to (its server, 跟踪服务员工); until the split its owner is `department`." },
    RuleInfo { id: "CM-LAPSE", section: "3.10", text: "The owner is protected until 3 calendar months after the latest of: the assignment, a home visit by the owner (`contact` of kind `home_visit`), and the customer's attendance at an event on the owner's invitation. Phone calls, and invitations the customer did not attend, do not count (the seed counts 邀不来参加活动 as 服务不到位). Before that instant another staff member's invitation is `rejected` (except for a joint event, CM-FIRSTINVITE). From that instant, a staff member of another division who invites the customer becomes its owner (`accepted`, CM-LAPSE; the former owner and the customer-resource director are notified), and a manager may instead reassign the customer to any division or staff member." },
    RuleInfo { id: "CM-REFER", section: "3.10", text: "A club (联谊会) member earns 100 points for each new customer (one not yet in the archive) they bring to a meeting, once per new customer, plus 100 points for each full 1000 yuan (rounded down) that customer buys at that meeting. Purchases after the meeting earn nothing (kehu's reading of 现场). Points are records, not commission. The new customer's owner is the staff member who invited the old customer to that meeting (kehu's choice, as SR-REFERRAL)." },
    RuleInfo { id: "CM-CUTOFF", section: "3.10", text: "Each day of the 7 calendar days before a joint event's date, each division head submits, before 18:00, the list of invitations the division confirmed (敲定) that day. The list is due even when it is empty (kehu's choice), and an invitation confirmed at or after 18:00 goes on the next day's list. Each evening the second division's head also submits the names it plans to invite the next day (the first division's invitation work runs one day ahead). On the event day the lists are due before 10:00 for an event starting 12:00–17:59 and before 16:00 for one starting at or after 18:00. For a morning event, the previous day's 18:00 list is the last (kehu's choice). Each list submitted at or after its deadline, or never submitted, records a 10-yuan violation against that division's head; this includes the event-day list (kehu's choice; the seed's fine names the week before). The coordinator checks the day's lists for duplicates that night and returns them at the next morning meeting." },
    RuleInfo { id: "CM-FIRSTINVITE", section: "3.10", text: "At a joint event the divisions share customers (多事业部联合使用顾客资源). If an earlier confirmed invitation of a customer for that event is already on a list submitted in time (CM-CUTOFF), another division's invitation of that customer is `rejected`. Otherwise it is `accepted`, and when the customer attends, the event's inviter is the earliest confirmation that is on a timely list. A confirmation missing from a timely list is void (视作无效) and loses even to a later one. A division's speakers and activist customers (发言、带动顾客) are held the same way, but only if on its timely list. If no confirmation of the customer is on a timely list, the coordinator decides (`pending`)." },
    RuleInfo { id: "CM-CREDIT", section: "3.10", text: "A sale at a joint event is credited 100 % to the customer's inviter for that event (CM-FIRSTINVITE), whoever owns the customer. The former server may help only with the inviter's `consent`, and never pitches to the customer at the same time as the inviter. Help without consent changes nothing in the split, because the seed names no penalty. The sale does not change the customer's owner (kehu's choice)." },
    RuleInfo { id: "CM-QUARREL", section: "3.10", text: "Each staff member of two divisions who argue in front of a customer records a 100-yuan violation. The conflict opens a dispute (`pending`, answer due 24 h after the event ends). The coordinator settles it with both division heads, or, if the coordinator cannot decide, the general manager does. Until then the sale's credit is unattributed (G-DEAL-FIRST)." },
    RuleInfo { id: "HD-OWNER", section: "3.11", text: "The customer manager registers every customer (fields as ST-FIELDS) for the store it is assigned to. Until dispatch the owner is `company`. After dispatch (DSP-*) the owner is the dispatched designer, with no end (`none`), until the customer is lost (跑单) or the store manager re-dispatches it. Designers do not register customers; ST-INQUIRY, ST-DEPOSIT and ST-EXPIRED do not apply (kehu's choice)." },
    RuleInfo { id: "HD-LEADS", section: "3.11", text: "Leads supplied by the marketing department (市场部供单) are reconciled with the store's register every day (对单). A lead found on one side only is listed for the customer manager. Each lead is assigned to one store (status 分配店面) before dispatch." },
    RuleInfo { id: "HD-HANDOVER", section: "3.11", text: "Every dispatch or transfer of a customer to a designer is entered in the daily handover register (日转交客户登记表) with the date, customer, designer and customer manager. The register is archived by month." },
    RuleInfo { id: "HD-DEPOSIT", section: "3.11", text: "A deposit is a measurement deposit (量房定金) or a promotion deposit (活动定金). Either one counts as \"deposit received\" for DSP-CAP and FUP-STALE." },
    RuleInfo { id: "HD-CONTRACT", section: "3.11", text: "The store manager approves each contract (stage 审核) before work starts (开工). The customer manager may hand a contract form only to the store manager, or someone the store manager authorised, for approval, and to finance. Each hand-over records its purpose, the recipient and the return time; a hand-over to anyone else is refused." },
    RuleInfo { id: "PF-PROJECT", section: "3.12", text: "The salesperson who made the contact files the customer or project with their field office (工作站) by e-mail (`email`, or `online` in the system). A `phone`, `site` or other oral filing is `invalid` (杜绝口头汇报, 一律采取电子邮件方式). A filing's instant is its arrival at the office. Projects are passed on at once, and the marketing management department reports each one to the general manager and the marketing VP at once. Customer filings are summarised by the office and reported to both once a week. An accepted filing is owned by its filer with no end (`none`), subject to PF-ORDER." },
    RuleInfo { id: "PF-ORDER", section: "3.12", text: "A filing that matches a customer or project already filed by another salesperson is decided at once, in this order. (1) If the customer's `region` is the territory (`region`) of exactly one of the two filers, that filer wins (业务归属地). (2) Otherwise, a filer who was previously responsible for it (an earlier deal with it, or earlier ownership) wins (尊重原业务关系). (3) Otherwise, if the region is unset or is both filers' territory, the earlier filing wins (先到先得, which the seed limits to areas with no assigned territory). (4) Otherwise (a region that is neither filer's), the outcome is `pending` and the marketing management department manager decides by who is likelier to close (尊重成效). The later filing gets `rejected` if it loses and `accepted` if it takes the customer over; both cite PF-ORDER. That manager and any displaced filer are notified." },
    RuleInfo { id: "PF-CHASE", section: "3.12", text: "A chaser (催办员) in the marketing management department chases filings, compiles the reports and keeps the data confidential. Every match between filings is reported at once to the marketing management department manager and decided by PF-ORDER. Each filing carries the customer's grade (FUP-GRADE). The chaser spot-checks that the filer keeps the grade's contact frequency, and a shortfall is reported without forfeiting the filing (kehu's choice)." },
    RuleInfo { id: "SF-FIELDS", section: "3.13", text: "A filing has the customer's name, contact (phone or e-mail), location, and needs and intent, plus the company name for a company customer. A filing missing any of these is `invalid` (SF-FIELDS) and protects nothing. A filing later proved false records a violation with no amount (诚信报备)." },
    RuleInfo { id: "SF-FIRST", section: "3.13", text: "Among salespeople, the earliest filing of a customer that is pending or approved holds the customer (精华篇: 谁先备案算谁的). A later filing of the same customer by someone else is `rejected` (SF-FIRST). An approved filing protects with no end (`none`) until a manager reassigns the customer (kehu's choice: no seed names an expiry)." },
    RuleInfo { id: "SF-3DAYS", section: "3.13", text: "A customer must be filed within 3 working days counted by date from the first contact (之日起). The contact date itself is not counted, so the deadline is 00:00 after the 3rd working day after it: a contact on Fri 2026-11-06 has a deadline of 2026-11-12 00:00. A change of details is due within 3 working days of the change, counted the same way. The first contact is the filer's earliest logged `contact` with the customer; if none is logged, the filing is timely. A late filing is processed like any other (SF-REVIEW) and records an SF-3DAYS violation against the filer with no amount (the seed makes timeliness an appraisal measure)." },
    RuleInfo { id: "SF-REVIEW", section: "3.13", text: "A filing that passes SF-FIELDS is `pending` until the department manager reviews it, and meanwhile the filer is shown as owner and holds the customer's place (SF-FIRST). Approval makes it `accepted` and notifies the filer. A rejection carries a reason, sets the owner to `pool` and protects nothing. A corrected filing (修改或增补) is a new filing at its own instant (kehu's choice)." },
    RuleInfo { id: "SF-QUOTA", section: "3.13", text: "Each department sets a monthly filing quota per salesperson; it is reported, not enforced. A salesperson earns one point per customer visit logged in the system (`contact` of kind `visit`; at most one point per customer per day, kehu's choice) and must reach 30 points per calendar month. At the month's end, 27 points or fewer (少三分以上) records an SF-QUOTA violation whose penalty is \"clean the office once\", with no amount." },
    RuleInfo { id: "SF-ASSIGN", section: "3.13", text: "Where a company uses the 精华篇 variant (a policy switch), filings are not reviewed: the first filing is `accepted` and its filer owns the project (SF-FIRST). Once the project's needs are clarified, the leader decides who works it: a manager's `resolve` names the owner, who may be someone else. Until then the filer is the owner." },
    RuleInfo { id: "SF-TRIP", section: "3.13", text: "On a business trip a salesperson fills in the visit record (客户报备表) every day and reports the day's work to their leader before 21:00 the same day (SMS or phone). A report made at or after 21:00, or not made, is recorded for the leader; the seed names no penalty." },
    RuleInfo { id: "ROT-ORDER", section: "4", text: "On-duty salespeople form a circular order (the day's duty order; in a scenario, the order of `[[staff]]` with role `sales`); each new walk-in customer goes to the one whose turn it is, and the turn passes to the next. Everyone starts `available`; a status lasts until it is changed; receiving a customer does not change anyone's status (status changes are explicit events). The position in the order and owed turns carry over from one day to the next." },
    RuleInfo { id: "ROT-BUSY", section: "4", text: "The one on turn is busy with a customer or sales work: the next available one receives, the regular turn passes to the one after the receiver, and the busy one keeps the turn owed (累计). An owed turn is served at the first walk-in after the person is available again, before the regular order, and does not move the regular order's position." },
    RuleInfo { id: "ROT-AWAY", section: "4", text: "The one on turn is away or on non-sales matters: the next available one receives, the regular turn passes to the one after the receiver, and the away one loses that turn (轮空)." },
    RuleInfo { id: "ROT-OUT", section: "4", text: "Out on company business: turns missed are made up on return (补接, served like ROT-BUSY owed turns) in `site-rotation` (seed 000 (二)3); lost like ROT-AWAY in `site-first-reception` (seed 003: 不在案场者轮空). A policy parameter." },
    RuleInfo { id: "ROT-DESIG", section: "4", text: "A first-time customer who designates someone bypasses the order and does not consume a turn of the others." },
    RuleInfo { id: "ROT-RETURN", section: "4", text: "A returning customer goes to their owner (or an assistant per the rulebook) and consumes no turn." },
    RuleInfo { id: "ROT-FAIR", section: "4", text: "A daily board shows the order, who is next, turns owed, and each one's count of receptions; nobody may take a customer out of turn: one who does receives the customer, consumes no turn (neither their own nor anyone else's), and a violation is recorded (抢客). A served owed or made-up turn counts as a turn consumed." },
    RuleInfo { id: "DIST-EVEN", section: "5", text: "A batch of leads handed out together (an outreach event's leads CM-EVEN, marketing-supplied leads HD-LEADS, pool customers a manager hands out) is split among the named recipients so that their counts in that batch differ by at most one. A generator seeded with the recorded seed decides who gets the extra leads and which lead goes to whom. Each lead's owner becomes its recipient, and the step cites the rule that ordered the distribution." },
    RuleInfo { id: "DIST-RANDOM", section: "5", text: "When a manager redistributes a leaver's customers at random (SR-LEAVE: 随机抽数), they are dealt evenly among the recipients (counts differ by at most one, kehu's choice) by a generator seeded with the recorded seed. The step cites the rulebook's leaver rule, so DIST-RANDOM is covered through `covers`." },
    RuleInfo { id: "DIST-CAP", section: "5", text: "*(kehu's extension; no seed basis)* A policy may cap how many customers a salesperson owns; the cap is off by default. A claim that would exceed it is `rejected` (DIST-CAP), and distributions skip recipients who are full." },
    RuleInfo { id: "DSP-CAP", section: "5", text: "A designer holds at most 3 active orders (持单在3个以内, 已收取定金). Active orders are dispatched customers who paid a deposit (HD-DEPOSIT) and have neither signed nor been lost (跑单). A dispatch to a designer who already holds 3 is `rejected` (DSP-CAP)." },
    RuleInfo { id: "DSP-STALL", section: "5", text: "A designer gets no dispatch (`rejected`, DSP-STALL) while holding a customer who is on the FUP-STALE list (unsigned 3 months after registration) and for whom the designer has drawn a plan (出图); customers buying off-plan (期房) are not counted. Kehu's reading of 期房客户除外 is that off-plan buyers cannot sign before handover; the other reading is that the designer may still be dispatched off-plan customers." },
    RuleInfo { id: "DSP-REFUSE", section: "5", text: "A designer who refuses a dispatch is suspended from dispatch for one month from the refusal (G-TIME), and a dispatch to a suspended designer is `rejected` (DSP-REFUSE). Each refusal records a DSP-REFUSE violation with no amount. Removal in serious cases (严重者除名) is the store manager's decision." },
    RuleInfo { id: "DSP-PRIORITY", section: "5", text: "While an eligible senior or fee-charging designer exists, a large order may be dispatched only to such a designer; otherwise the dispatch is `rejected` (DSP-PRIORITY). A large order is one whose budget or area is above a configured threshold; the seed names none. Otherwise the system ranks eligible designers by the customer's request, then by fit of style, communication and attitude, and the customer manager picks; the ranking is advice. The seed's first four dispatch principles are cut off in the source and are not implemented." },
    RuleInfo { id: "FUP-GRADE", section: "6", text: "Each customer has a grade (default A/B/C/D, configurable), set by its owner when filing. Each grade has a contact interval; the kehu's-choice defaults are A 7, B 15, C 30 and D 90 days. A and B customers have a tracking sheet (客户追踪表) kept by the sales supervisor, who checks it periodically; the day's tracking is reported at the evening meeting and entered in the system." },
    RuleInfo { id: "FUP-DUE", section: "6", text: "A customer is overdue from its owner's latest logged contact plus its grade's interval (the end of a G-TIME window), and due from 3 days before that instant (configurable). Salespeople see their due and overdue customers; managers see overdue counts per salesperson. Being overdue is only reported; nothing is forfeited unless the rulebook's own contact rule says so (TR-ACTIVE, DS-CADENCE, CM-LAPSE)." },
    RuleInfo { id: "FUP-RETURN", section: "6", text: "Customer service phones each delivered project (交付使用) once in each month counted from delivery for its first 12 months, then once in each 3-month period; a period that ends without a return visit is reported as overdue. Each return visit records its purpose, time, form, content and summary (seed 002)." },
    RuleInfo { id: "FUP-STALE", section: "6", text: "A report lists customers who are not lost, were registered 3 months or more ago and have not signed, and who paid a deposit (measurement or promotion), paid a design fee or got a quote. It separately lists customers assigned to a store who were measured but have not signed. For each one, the customer manager records the cause found with the designer or home-decoration adviser (家装顾问) and a return visit, plus a home visit where needed." },
    RuleInfo { id: "POOL-RETURN", section: "6", text: "Where a rulebook sends an expired or forfeited customer to the pool, the customer returns at the exclusive end of its protection (`protected_until`), evaluated as of `now`. Where the rulebook names another destination (team, department, a manager's reassignment, `pending`), that rule applies instead. The owner is warned once, 3 days before that instant (configurable), if the protection began before the warning time. A contact that extends the protection cancels the return." },
    RuleInfo { id: "PIPE-STAGES", section: "6", text: "Stages are recorded events, configurable per rulebook. The home-decoration default is 登记 → 交定金 → 量房 → 出图 → 交设计费 → 做报价 → 签合同 → 审核 → 开工 → 完工, with 跑单 (lost) possible before 完工. Stages may be skipped or recorded out of this order (the seed's own lists disagree on 出图 versus 交设计费), but 审核 needs 签合同 and 开工 needs 审核. The real-estate default is 来访 → 小定 → 大定 → 签约, plus 换房/换名/退房 (CHG-CHANGES)." },
    RuleInfo { id: "CHG-CHANGES", section: "6", text: "A unit change (换房) to a unit at least as large and at least as dear is `accepted` (以小换大, 以金额小换金额大); any other change, including the seed's 以好换差, is `pending` for the manager. The new unit must be free (INV-UNSOLD), and the old one is released. A name change (换名) after signing is charged as a transfer (过户费 recorded); before signing it is free (kehu's choice); in both cases the deal's credit is unchanged. A refund (退房) after signing is `rejected`; before signing the manager decides (`pending`) after the salesperson records an attempt to retain the customer, and the reason is recorded." },
    RuleInfo { id: "CHG-OVERDUE", section: "6", text: "A payment not received by the end of its due date D gets a dunning notice (催款通知单) at 00:00 after D. If it is still unpaid 2 calendar months after that instant (超过两个月; the end of that window is already breach), the contract is in breach, and the manager and the credited salesperson are notified. The manager then applies the contract's breach terms." },
    RuleInfo { id: "FUP-NEXT", section: "6", text: "At the end of each visit (salesperson to customer, or customer to company) the next visit is booked, and a visit feedback form (出差回访表/客户反馈表) follows (seed 001). Promises made to the customer are tracked until marked kept. Every December customer service sends new and old customers a New Year gift and records their needs for the next year (seed 000 客户管理制度5 三). These are records and reports and never change ownership." },
    RuleInfo { id: "INV-UNSOLD", section: "6", text: "A deposit on a unit is taken only if the sales control (销控) shows the unit unsold and not held by another customer's deposit; otherwise it is `rejected` (INV-UNSOLD). The same customer's later deposit on the same unit (小定 → 大定) is accepted. Taking a deposit notifies the master sales control (总销控) at once. A unit is released only by a refund (退房) or a unit change (换房)." },
    RuleInfo { id: "CMP-FIRST", section: "7", text: "The staff member who first receives a customer's question, request or complaint, by any channel, is responsible for it (首问负责制). A matter within their duties that can be settled at once is settled in that contact. Otherwise they record it and hand it to the responsible manager, or to the colleague in charge if that manager is absent, and the receiver becomes responsible. The customer's later contacts about an open matter join the same case rather than opening a new one. Evasion (推诿、扯皮) is recorded for the manager with no amount." },
    RuleInfo { id: "CMP-3DAYS", section: "7", text: "A customer grievance (抱怨, whether complained of or not) that is not resolved within 3 calendar days of being recorded (exclusive end, by instant) records a violation at that instant. The violation is 500 yuan each for the responsible staff member and the manager of the customer's department. The customer then goes `pending` until a manager names a staff member of another department as its owner (a policy may turn the transfer off). The cause is recorded: service not delivered, self-interest, attitude, dispute between departments, or other. The amounts and the transfer are `conference-marketing` defaults (seed 000 客户管理制度4 四.3); other presets configure them." },
    RuleInfo { id: "CMP-GRIEVANCE", section: "7", text: "A grievance the company finds without the customer having complained records a 100-yuan violation against the staff member concerned, each time." },
    RuleInfo { id: "CMP-TOGM", section: "7", text: "A complaint the customer takes to the general manager records a 100-yuan violation each for the staff member concerned and the manager of the customer's department, each time." },
    RuleInfo { id: "CMP-MAJOR", section: "7", text: "A matter the responsible staff member marks as major (单位重大事项) notifies the general manager in the same step. The business department handles a complaint that service quality is below standard together with production (生产处), and handles a complaint about the service process alone. The result goes back to the customer through the office (CMP-APPROVE)." },
    RuleInfo { id: "CMP-APPROVE", section: "7", text: "The general manager approves a complaint's resolution before the office feeds it back to the customer (seed 004). For CMP-3DAYS a grievance counts as resolved when the responsible staff member records its resolution; waiting for approval does not count toward the 3 days (kehu's choice)." },
    RuleInfo { id: "CMP-XDEPT", section: "7", text: "A disagreement between departments over a service task that stops the work is `pending` for the office (办公室) to decide. The requesting department leads the work and the others assist (seed 000 客户管理制度5 六)." },
    RuleInfo { id: "SAT-SURVEY", section: "7", text: "The company runs at least one comprehensive satisfaction survey (全面的顾客满意度调查) each calendar year, sent to every current customer. Answers are grouped by category (service quality, price, company) into an analysis report, which the general manager approves before it goes to the departments. Where a category falls below the configured target, the office records corrective and preventive actions for it." },
    RuleInfo { id: "CRD-LEVEL", section: "8", text: "Finance drafts the credit policy and grade standards, which management approves. Each company customer has a credit grade and a credit limit, and finance reviews every customer's grade periodically: every 3 months by default (kehu's choice; the seed says 定期)." },
    RuleInfo { id: "CRD-OVER", section: "8", text: "An order that would take a customer's outstanding balance (unpaid orders plus this one) above its credit limit is `pending` until the sales manager approves it. Above a configured excess, the marketing director (营销总监, not a sales director) must approve as well (seed: 须向销售经理乃至营销总监汇报; the excess threshold is kehu's choice)." },
    RuleInfo { id: "CRD-TERMS", section: "8", text: "Each credit grade carries sales terms (for example payment days and discount; good credit may earn better terms), and the salesperson applies the terms of the customer's grade. After a review, finance may propose new terms for a customer; they take effect once the sales manager and then the marketing director approve. A change in a customer's credit noticed on a visit (信用异动 and its cause) is recorded for finance." },
    RuleInfo { id: "SEC-ROLES", section: "9", text: "Roles: salesperson, external agent, front desk, designer, manager (department / sales / marketing), marketing VP, general manager, finance, admin. Data scope: own customers; team; all. The marketing, sales and general managers and the VP read all archives without approval (seed 003 飞达工具); external agents see only their own registrations and never others' customer data. A leak is also a failing of the direct superior (seed 001), shown on the violation entry." },
    RuleInfo { id: "SEC-MASK", section: "9", text: "Phones and ID numbers are shown masked (`3+4`) by default; an unmasked view is logged. ID numbers and phones are encrypted at rest; exact lookup uses a keyed blind index." },
    RuleInfo { id: "SEC-APPROVE", section: "9", text: "Reading archives outside one's scope needs an approval (查阅档案审批表: department manager then marketing VP); access without approval is impossible, and an attempt is logged." },
    RuleInfo { id: "SEC-AUDIT", section: "9", text: "Every read of a customer record, every change and every export is in an append-only, hash-chained audit log that a command verifies. Original records are never edited in place: corrections are new events (seed 004: 原始客户档案一般不可修改)." },
    RuleInfo { id: "SEC-EXPORT", section: "9", text: "Bulk export needs the export permission and is logged and watermarked with who exported it." },
    RuleInfo { id: "SEC-LEAVE", section: "9", text: "When a salesperson leaves, their access ends at once and their customers are reassigned per the rulebook; they cannot transfer customers themselves." },
    RuleInfo { id: "SEC-REALNAME", section: "9", text: "Real-name registration stores ID number and photo encrypted, uses them only internally, and can destroy them on request when no longer needed." },
    RuleInfo { id: "SEC-REVIEW", section: "9", text: "The archive is reviewed every 3 months: a completeness report per salesperson (missing fields, stale info) (seed 001 五.1), against the required fields of each customer type (consumer, channel, company: identity, contact, key persons and decision makers, birthday, credit status, planned loan amount). New archives are signed off by the sales director (seed 004); working files may be changed with the customer-service manager's approval, original archives never (SEC-AUDIT)." },
    RuleInfo { id: "SEC-CONSENT", section: "9", text: "Collecting a customer's personal data records the customer's informed consent (seed 003 范文); data shared with authorities under the law is logged like any export." },
    RuleInfo { id: "RPT-DAILY", section: "10", text: "Daily visitors and calls (来人来电统计表) per salesperson/channel; weekly and monthly versions with conversion to deposits and deals." },
    RuleInfo { id: "RPT-FUNNEL", section: "10", text: "Pipeline funnel with counts and amounts per stage: new registrations, in negotiation, deposits (count, amount), signed amount, average order, average price per m², design fees (seed 002)." },
    RuleInfo { id: "RPT-REG", section: "10", text: "Registrations per party: accepted, rejected (collisions), expired, converted; disputes opened/resolved and time to resolve." },
    RuleInfo { id: "RPT-MORNING", section: "10", text: "The morning meeting sheet: yesterday's new customers, deposits, measurements, design fees, drawings/quotes, signings (seed 002 晨会)." },
    RuleInfo { id: "RPT-SALES", section: "10", text: "Small-deposit, large-deposit and signing registers (小订/大订/签约明细), the weekly sales analysis, daily and weekly plan sheets, and the reasons for lost deals and refunds (seed 000 (三)(九))." },
    RuleInfo { id: "RPT-SERVICE", section: "10", text: "The monthly service supervision report to the general manager, the weekly service report, and fault reports (time, place, symptoms, plan; afterwards impact, handling, cause, corrective actions) (seed 000 客户管理制度5)." },
    RuleInfo { id: "RPT-FILING", section: "10", text: "The weekly filing report to the general manager and VP (PF-PROJECT), the direct-sales Friday report and the evaluation before the 5th of each month (DS)." },
    // END CATALOGUE
];

pub const G_TIME: RuleId = RuleId("G-TIME");
pub const G_CLOCK: RuleId = RuleId("G-CLOCK");
pub const G_PHONE: RuleId = RuleId("G-PHONE");
pub const G_MATCH: RuleId = RuleId("G-MATCH");
pub const G_SCOPE: RuleId = RuleId("G-SCOPE");
pub const G_CLAIM: RuleId = RuleId("G-CLAIM");
pub const G_EXPLAIN: RuleId = RuleId("G-EXPLAIN");
pub const G_SHARES: RuleId = RuleId("G-SHARES");
pub const G_NOTIFY: RuleId = RuleId("G-NOTIFY");
pub const G_DISPUTE: RuleId = RuleId("G-DISPUTE");
pub const G_DEAL_FIRST: RuleId = RuleId("G-DEAL-FIRST");
pub const G_VIOLATION: RuleId = RuleId("G-VIOLATION");
pub const SR_FIRST: RuleId = RuleId("SR-FIRST");
pub const SR_VALID: RuleId = RuleId("SR-VALID");
pub const SR_DESIG: RuleId = RuleId("SR-DESIG");
pub const SR_RETURN: RuleId = RuleId("SR-RETURN");
pub const SR_HANDBACK: RuleId = RuleId("SR-HANDBACK");
pub const SR_REFUSE: RuleId = RuleId("SR-REFUSE");
pub const SR_ABSENT: RuleId = RuleId("SR-ABSENT");
pub const SR_SAMEDAY: RuleId = RuleId("SR-SAMEDAY");
pub const SR_COMPLAINT: RuleId = RuleId("SR-COMPLAINT");
pub const SR_MULTI: RuleId = RuleId("SR-MULTI");
pub const SR_DISCOUNT: RuleId = RuleId("SR-DISCOUNT");
pub const SR_FORGOT: RuleId = RuleId("SR-FORGOT");
pub const SR_NTH: RuleId = RuleId("SR-NTH");
pub const SR_REFERRAL: RuleId = RuleId("SR-REFERRAL");
pub const SR_HOUSEHOLD: RuleId = RuleId("SR-HOUSEHOLD");
pub const SR_LEAVE: RuleId = RuleId("SR-LEAVE");
pub const SR_EVENT: RuleId = RuleId("SR-EVENT");
pub const SR_QUARREL: RuleId = RuleId("SR-QUARREL");
pub const SR_SIGNED: RuleId = RuleId("SR-SIGNED");
pub const FR_FIRST: RuleId = RuleId("FR-FIRST");
pub const FR_LEFT: RuleId = RuleId("FR-LEFT");
pub const FR_ASSIST: RuleId = RuleId("FR-ASSIST");
pub const FR_GROUP: RuleId = RuleId("FR-GROUP");
pub const FR_SCOPE: RuleId = RuleId("FR-SCOPE");
pub const FR_UNKNOWING: RuleId = RuleId("FR-UNKNOWING");
pub const FR_KNOWING: RuleId = RuleId("FR-KNOWING");
pub const FR_DEPOSIT: RuleId = RuleId("FR-DEPOSIT");
pub const FR_COMPLAINT: RuleId = RuleId("FR-COMPLAINT");
pub const TR_SITE: RuleId = RuleId("TR-SITE");
pub const TR_PROTECT: RuleId = RuleId("TR-PROTECT");
pub const TR_ACTIVE: RuleId = RuleId("TR-ACTIVE");
pub const TR_SAMEDAY: RuleId = RuleId("TR-SAMEDAY");
pub const TR_CLAIM3: RuleId = RuleId("TR-CLAIM3");
pub const TR_DUTY: RuleId = RuleId("TR-DUTY");
pub const TR_LEFT: RuleId = RuleId("TR-LEFT");
pub const ST_FIELDS: RuleId = RuleId("ST-FIELDS");
pub const ST_INQUIRY: RuleId = RuleId("ST-INQUIRY");
pub const ST_DEPOSIT: RuleId = RuleId("ST-DEPOSIT");
pub const ST_EXPIRED: RuleId = RuleId("ST-EXPIRED");
pub const ST_ASSIST: RuleId = RuleId("ST-ASSIST");
pub const ST_UNREGISTERED: RuleId = RuleId("ST-UNREGISTERED");
pub const ST_FAKE: RuleId = RuleId("ST-FAKE");
pub const CS_LEAD: RuleId = RuleId("CS-LEAD");
pub const CS_CONFIRM: RuleId = RuleId("CS-CONFIRM");
pub const CS_MONTH: RuleId = RuleId("CS-MONTH");
pub const CS_HOUSEHOLD: RuleId = RuleId("CS-HOUSEHOLD");
pub const CS_SAMEGROUP: RuleId = RuleId("CS-SAMEGROUP");
pub const CS_DISPUTE: RuleId = RuleId("CS-DISPUTE");
pub const CD_PRE: RuleId = RuleId("CD-PRE");
pub const CD_7DAYS: RuleId = RuleId("CD-7DAYS");
pub const CD_GROUP: RuleId = RuleId("CD-GROUP");
pub const CD_FIRST: RuleId = RuleId("CD-FIRST");
pub const CD_CONFIRM: RuleId = RuleId("CD-CONFIRM");
pub const CD_30DAYS: RuleId = RuleId("CD-30DAYS");
pub const CD_SELF: RuleId = RuleId("CD-SELF");
pub const CL_PRE: RuleId = RuleId("CL-PRE");
pub const CL_FORMAL: RuleId = RuleId("CL-FORMAL");
pub const CL_LAUNCH: RuleId = RuleId("CL-LAUNCH");
pub const CL_AREA: RuleId = RuleId("CL-AREA");
pub const CL_SILENT: RuleId = RuleId("CL-SILENT");
pub const BP_SALE: RuleId = RuleId("BP-SALE");
pub const BP_VISIT: RuleId = RuleId("BP-VISIT");
pub const BP_IDLE: RuleId = RuleId("BP-IDLE");
pub const BP_OVERLAP: RuleId = RuleId("BP-OVERLAP");
pub const BP_WALKIN: RuleId = RuleId("BP-WALKIN");
pub const BP_LEFT: RuleId = RuleId("BP-LEFT");
pub const DS_SELF: RuleId = RuleId("DS-SELF");
pub const DS_REGION: RuleId = RuleId("DS-REGION");
pub const DS_CADENCE: RuleId = RuleId("DS-CADENCE");
pub const DS_3MONTHS: RuleId = RuleId("DS-3MONTHS");
pub const DS_QUOTA: RuleId = RuleId("DS-QUOTA");
pub const CM_EVEN: RuleId = RuleId("CM-EVEN");
pub const CM_REFER: RuleId = RuleId("CM-REFER");
pub const CM_CUTOFF: RuleId = RuleId("CM-CUTOFF");
pub const CM_FIRSTINVITE: RuleId = RuleId("CM-FIRSTINVITE");
pub const CM_CREDIT: RuleId = RuleId("CM-CREDIT");
pub const CM_LAPSE: RuleId = RuleId("CM-LAPSE");
pub const CM_QUARREL: RuleId = RuleId("CM-QUARREL");
pub const PF_PROJECT: RuleId = RuleId("PF-PROJECT");
pub const PF_ORDER: RuleId = RuleId("PF-ORDER");
pub const PF_CHASE: RuleId = RuleId("PF-CHASE");
pub const SF_3DAYS: RuleId = RuleId("SF-3DAYS");
pub const SF_REVIEW: RuleId = RuleId("SF-REVIEW");
pub const SF_QUOTA: RuleId = RuleId("SF-QUOTA");
pub const SF_ASSIGN: RuleId = RuleId("SF-ASSIGN");
pub const SF_FIELDS: RuleId = RuleId("SF-FIELDS");
pub const SF_FIRST: RuleId = RuleId("SF-FIRST");
pub const SF_TRIP: RuleId = RuleId("SF-TRIP");
pub const HD_OWNER: RuleId = RuleId("HD-OWNER");
pub const HD_LEADS: RuleId = RuleId("HD-LEADS");
pub const HD_HANDOVER: RuleId = RuleId("HD-HANDOVER");
pub const HD_DEPOSIT: RuleId = RuleId("HD-DEPOSIT");
pub const HD_CONTRACT: RuleId = RuleId("HD-CONTRACT");
pub const ROT_ORDER: RuleId = RuleId("ROT-ORDER");
pub const ROT_BUSY: RuleId = RuleId("ROT-BUSY");
pub const ROT_AWAY: RuleId = RuleId("ROT-AWAY");
pub const ROT_OUT: RuleId = RuleId("ROT-OUT");
pub const ROT_DESIG: RuleId = RuleId("ROT-DESIG");
pub const ROT_RETURN: RuleId = RuleId("ROT-RETURN");
pub const ROT_FAIR: RuleId = RuleId("ROT-FAIR");
pub const DIST_EVEN: RuleId = RuleId("DIST-EVEN");
pub const DIST_RANDOM: RuleId = RuleId("DIST-RANDOM");
pub const DIST_CAP: RuleId = RuleId("DIST-CAP");
pub const DSP_CAP: RuleId = RuleId("DSP-CAP");
pub const DSP_STALL: RuleId = RuleId("DSP-STALL");
pub const DSP_REFUSE: RuleId = RuleId("DSP-REFUSE");
pub const DSP_PRIORITY: RuleId = RuleId("DSP-PRIORITY");
pub const FUP_GRADE: RuleId = RuleId("FUP-GRADE");
pub const FUP_DUE: RuleId = RuleId("FUP-DUE");
pub const FUP_RETURN: RuleId = RuleId("FUP-RETURN");
pub const FUP_STALE: RuleId = RuleId("FUP-STALE");
pub const POOL_RETURN: RuleId = RuleId("POOL-RETURN");
pub const PIPE_STAGES: RuleId = RuleId("PIPE-STAGES");
pub const CHG_CHANGES: RuleId = RuleId("CHG-CHANGES");
pub const CHG_OVERDUE: RuleId = RuleId("CHG-OVERDUE");
pub const FUP_NEXT: RuleId = RuleId("FUP-NEXT");
pub const INV_UNSOLD: RuleId = RuleId("INV-UNSOLD");
pub const CMP_FIRST: RuleId = RuleId("CMP-FIRST");
pub const CMP_3DAYS: RuleId = RuleId("CMP-3DAYS");
pub const CMP_MAJOR: RuleId = RuleId("CMP-MAJOR");
pub const CMP_APPROVE: RuleId = RuleId("CMP-APPROVE");
pub const SAT_SURVEY: RuleId = RuleId("SAT-SURVEY");
pub const CRD_LEVEL: RuleId = RuleId("CRD-LEVEL");
pub const CRD_OVER: RuleId = RuleId("CRD-OVER");
pub const CRD_TERMS: RuleId = RuleId("CRD-TERMS");
pub const SEC_ROLES: RuleId = RuleId("SEC-ROLES");
pub const SEC_MASK: RuleId = RuleId("SEC-MASK");
pub const SEC_APPROVE: RuleId = RuleId("SEC-APPROVE");
pub const SEC_AUDIT: RuleId = RuleId("SEC-AUDIT");
pub const SEC_EXPORT: RuleId = RuleId("SEC-EXPORT");
pub const SEC_LEAVE: RuleId = RuleId("SEC-LEAVE");
pub const SEC_REALNAME: RuleId = RuleId("SEC-REALNAME");
pub const SEC_REVIEW: RuleId = RuleId("SEC-REVIEW");
pub const SEC_CONSENT: RuleId = RuleId("SEC-CONSENT");
pub const RPT_DAILY: RuleId = RuleId("RPT-DAILY");
pub const RPT_FUNNEL: RuleId = RuleId("RPT-FUNNEL");
pub const RPT_REG: RuleId = RuleId("RPT-REG");
pub const RPT_MORNING: RuleId = RuleId("RPT-MORNING");
pub const RPT_SALES: RuleId = RuleId("RPT-SALES");
pub const RPT_SERVICE: RuleId = RuleId("RPT-SERVICE");
pub const RPT_FILING: RuleId = RuleId("RPT-FILING");

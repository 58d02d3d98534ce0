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
    pub summary: &'static str,
}

/// Looks up a rule by its ID.
pub fn lookup(id: &str) -> Option<&'static RuleInfo> {
    CATALOGUE.iter().find(|r| r.id == id)
}

/// Every rule ID of RULES.md, in document order.
pub const CATALOGUE: &[RuleInfo] = &[
    RuleInfo { id: "G-TIME", section: "2", summary: "All rule times are local time Asia/Shanghai." },
    RuleInfo { id: "G-CLOCK", section: "2", summary: "The engine never reads the wall clock itself;" },
    RuleInfo { id: "G-PHONE", section: "2", summary: "Phones are normalised:" },
    RuleInfo { id: "G-MATCH", section: "2", summary: "Two phone values *match* when every position known in both is equal (full vs full:" },
    RuleInfo { id: "G-SCOPE", section: "2", summary: "A company runs several projects (楼盘, stores, regions)." },
    RuleInfo { id: "G-CLAIM", section: "2", summary: "A claim is *valid* at `now` when the rulebook's conditions hold (effective, not expired," },
    RuleInfo { id: "G-EXPLAIN", section: "2", summary: "Every verdict carries:" },
    RuleInfo { id: "G-SHARES", section: "2", summary: "A deal's verdict names the party credited with the sale (业绩, `credited`) and the split of" },
    RuleInfo { id: "G-NOTIFY", section: "2", summary: "The system tells the owner (a staff member or an agency's contact) when their customer" },
    RuleInfo { id: "G-DISPUTE", section: "2", summary: "When a rule says the manager decides (分歧/无法界定/待定确认单), the outcome is `pending`:" },
    RuleInfo { id: "G-DEAL-FIRST", section: "2", summary: "No ownership question may block a customer from signing (seed 003:" },
    RuleInfo { id: "G-VIOLATION", section: "2", summary: "Where a seed names a penalty (抢单, 虚假报备, 泄露, 私自查阅 …) the system records a" },
    RuleInfo { id: "SR-FIRST", section: "3.1", summary: "The earliest recorded registration (visitor register entry by the receiving salesperson) owns the customer (首访原则)." },
    RuleInfo { id: "SR-VALID", section: "3.1", summary: "A salesperson's record of a customer is valid for 2 months from the latest registration by, or visit received by, that salesperson (建档有效期2个月" },
    RuleInfo { id: "SR-DESIG", section: "3.1", summary: "On a first visit a customer who names a salesperson at the door is that salesperson's customer, outside the rotation;" },
    RuleInfo { id: "SR-RETURN", section: "3.1", summary: "A returning customer does not consume a rotation turn (§(二)5(2))." },
    RuleInfo { id: "SR-HANDBACK", section: "3.1", summary: "A knows B served the customer and B is present:" },
    RuleInfo { id: "SR-REFUSE", section: "3.1", summary: "Customer refuses B and asks for A:" },
    RuleInfo { id: "SR-ABSENT", section: "3.1", summary: "Customer names one salesperson B (several names:" },
    RuleInfo { id: "SR-SAMEDAY", section: "3.1", summary: "The assistant of SR-ABSENT closes the deal on the day of that visit:" },
    RuleInfo { id: "SR-COMPLAINT", section: "3.1", summary: "Customer names B but refuses B and complains:" },
    RuleInfo { id: "SR-MULTI", section: "3.1", summary: "Customer names several salespeople without designating:" },
    RuleInfo { id: "SR-DISCOUNT", section: "3.1", summary: "A's customer goes to B for a discount:" },
    RuleInfo { id: "SR-FORGOT", section: "3.1", summary: "Customer forgot who served them:" },
    RuleInfo { id: "SR-NTH", section: "3.1", summary: "On the Nth visit the customer designates A:" },
    RuleInfo { id: "SR-REFERRAL", section: "3.1", summary: "A customer brought by an existing customer belongs to the existing customer's owner (§(五)3(10))." },
    RuleInfo { id: "SR-HOUSEHOLD", section: "3.1", summary: "Spouse or family member visiting later belongs to the first receiver (§(五)3(11))." },
    RuleInfo { id: "SR-LEAVE", section: "3.1", summary: "Long leave or transfer:" },
    RuleInfo { id: "SR-EVENT", section: "3.1", summary: "During a launch/expo event window, ownership is set by the manager:" },
    RuleInfo { id: "SR-QUARREL", section: "3.1", summary: "Parties who quarrel over a customer lose the deal to the department (`owner = department`) (§(五)4)." },
    RuleInfo { id: "FR-FIRST", section: "3.2", summary: "The first reception recorded in the system is the only basis of ownership;" },
    RuleInfo { id: "FR-LEFT", section: "3.2", summary: "A departed salesperson's customers go to the department;" },
    RuleInfo { id: "FR-ASSIST", section: "3.2", summary: "Owner present but busy:" },
    RuleInfo { id: "FR-GROUP", section: "3.2", summary: "A first-reception customer who paid no deposit and later buys through a group purchase (团购) is not credited to the salesperson;" },
    RuleInfo { id: "FR-SCOPE", section: "3.2", summary: "FR-ASSIST governs an assistant whom the rotation assigned;" },
    RuleInfo { id: "FR-UNKNOWING", section: "3.2", summary: "Someone who did not know and deeply served another's customer:" },
    RuleInfo { id: "FR-KNOWING", section: "3.2", summary: "Someone who knowingly served another's customer:" },
    RuleInfo { id: "FR-DEPOSIT", section: "3.2", summary: "A customer who already paid a deposit and comes to sign:" },
    RuleInfo { id: "FR-COMPLAINT", section: "3.2", summary: "A complaint that asks to change salesperson:" },
    RuleInfo { id: "TR-SITE", section: "3.3", summary: "A claim is effective only when the salesperson brings the customer on site and registers at the front desk;" },
    RuleInfo { id: "TR-PROTECT", section: "3.3", summary: "A registration that no other party disputes is strictly protected for 30 days from registration." },
    RuleInfo { id: "TR-ACTIVE", section: "3.3", summary: "After that, while the owner's last contact (the latest of the owner's registration, visits with the customer and logged contacts) is within " },
    RuleInfo { id: "TR-SAMEDAY", section: "3.3", summary: "Two parties who contacted the customer the same day:" },
    RuleInfo { id: "TR-CLAIM3", section: "3.3", summary: "A deal unclaimed at signing may be claimed with evidence in the 3-day window that starts at signing;" },
    RuleInfo { id: "TR-DUTY", section: "3.3", summary: "An unowned deal is credited to the team on reception duty that week (`owner = team:<name>`);" },
    RuleInfo { id: "TR-LEFT", section: "3.3", summary: "A departed salesperson's customers stay with the former team;" },
    RuleInfo { id: "ST-FIELDS", section: "3.4", summary: "A valid registration has name, phone and address;" },
    RuleInfo { id: "ST-INQUIRY", section: "3.4", summary: "A walk-in inquiry customer is protected 7 days from registration." },
    RuleInfo { id: "ST-DEPOSIT", section: "3.4", summary: "A customer who paid a deposit is protected 90 days from the deposit." },
    RuleInfo { id: "ST-EXPIRED", section: "3.4", summary: "After expiry others may register;" },
    RuleInfo { id: "ST-ASSIST", section: "3.4", summary: "A deal that another salesperson helped to close is `pending`:" },
    RuleInfo { id: "ST-UNREGISTERED", section: "3.4", summary: "A party that never registered and collides with another's claim has no claim." },
    RuleInfo { id: "ST-FAKE", section: "3.4", summary: "A registration later proved false records violations of 50, 100 yuan, then dismissal on the third." },
    RuleInfo { id: "CS-LEAD", section: "3.5", summary: "An SMS registration must arrive at least 30 minutes before its declared visit time (`visit_at`);" },
    RuleInfo { id: "CS-CONFIRM", section: "3.5", summary: "A visit counts for an agency only with a visit confirmation signed the same day by the agency's agent and a site consultant (a `sales` staff" },
    RuleInfo { id: "CS-MONTH", section: "3.5", summary: "Protection lasts one month from the first visit;" },
    RuleInfo { id: "CS-HOUSEHOLD", section: "3.5", summary: "A household is one customer:" },
    RuleInfo { id: "CS-SAMEGROUP", section: "3.5", summary: "Two agencies bring the same group:" },
    RuleInfo { id: "CS-DISPUTE", section: "3.5", summary: "A disputed customer gets a 待定确认单 (pending) answered within 24 h." },
    RuleInfo { id: "CD-PRE", section: "3.6", summary: "Every distributor customer is pre-registered by SMS (name, gender, phone `4+5`);" },
    RuleInfo { id: "CD-7DAYS", section: "3.6", summary: "A pre-registration is valid 7 days from the first registration;" },
    RuleInfo { id: "CD-GROUP", section: "3.6", summary: "A tour group brought the same day without SMS counts as registered if the agency gives both name and phone that day;" },
    RuleInfo { id: "CD-FIRST", section: "3.6", summary: "Overlap found at a visit or confirmation (several pre-registrations match the customer's full phone and name):" },
    RuleInfo { id: "CD-CONFIRM", section: "3.6", summary: "Every visit needs a visit confirmation with the full phone and the entry time, signed by agent, site staff and the developer's sales manager" },
    RuleInfo { id: "CD-30DAYS", section: "3.6", summary: "A confirmed visit protects 30 days from the first visit." },
    RuleInfo { id: "CD-SELF", section: "3.6", summary: "A registered customer who comes alone and names the agency → the agency;" },
    RuleInfo { id: "CL-PRE", section: "3.7", summary: "A pre-registration (项目+姓名+电话) must be sent on an earlier date than its declared visit;" },
    RuleInfo { id: "CL-FORMAL", section: "3.7", summary: "Formal registration happens on site with the customer's signature, phone middle 4 hidden (`3+4`);" },
    RuleInfo { id: "CL-LAUNCH", section: "3.7", summary: "Formally registered before the launch day:" },
    RuleInfo { id: "CL-AREA", section: "3.7", summary: "A deal whose customer is outside the agreed promotion area is excluded from settlement." },
    RuleInfo { id: "CL-SILENT", section: "3.7", summary: "Before the contract is signed, the site does not tell any party about a collision (G-CLAIM)." },
    RuleInfo { id: "BP-SALE", section: "3.8", summary: "A registered customer with sales is protected for its salesperson;" },
    RuleInfo { id: "BP-VISIT", section: "3.8", summary: "A registration, and each later registered visit by the owner (`contact` of kind `visit`), protects the customer for 3 months from the latest" },
    RuleInfo { id: "BP-IDLE", section: "3.8", summary: "A customer with no sale and no payment for 6 months goes to the company pool;" },
    RuleInfo { id: "BP-OVERLAP", section: "3.8", summary: "Two salespeople's records of one customer found in the archive (imported, or both accepted before a match was known):" },
    RuleInfo { id: "BP-WALKIN", section: "3.8", summary: "A customer who buys at the company directly (a deal with no `closed_by`) is a company customer, unless the customer names a salesperson (`na" },
    RuleInfo { id: "BP-LEFT", section: "3.8", summary: "A departed salesperson's customers are reassigned by the marketing VP;" },
    RuleInfo { id: "DS-SELF", section: "3.9", summary: "Only self-sourced customers may be filed;" },
    RuleInfo { id: "DS-REGION", section: "3.9", summary: "Filing in one's own region is automatic;" },
    RuleInfo { id: "DS-CADENCE", section: "3.9", summary: "A filing stays valid only with at least 2 logged contacts by the filer in its first month and 3 in every later month, months counted from th" },
    RuleInfo { id: "DS-3MONTHS", section: "3.9", summary: "Without an order (a deal) in the 3 months from filing, the filing is revoked at that instant (the customer goes to `pool`), unless the gener" },
    RuleInfo { id: "DS-QUOTA", section: "3.9", summary: "Monthly:" },
    RuleInfo { id: "CM-EVEN", section: "3.10", summary: "Leads collected at an outreach event are entered centrally and distributed evenly among the staff who took part." },
    RuleInfo { id: "CM-REFER", section: "3.10", summary: "An old customer earns 100 points per new customer brought to an event and 100 points per 1000 yuan the new customer buys there." },
    RuleInfo { id: "CM-CUTOFF", section: "3.10", summary: "In the week before a joint event, each division submits by 18:00 every day the invitations it confirmed that day;" },
    RuleInfo { id: "CM-FIRSTINVITE", section: "3.10", summary: "A customer already confirmed by one division cannot be invited by another;" },
    RuleInfo { id: "CM-CREDIT", section: "3.10", summary: "At a joint event, a sale is credited to the current inviter;" },
    RuleInfo { id: "CM-LAPSE", section: "3.10", summary: "A customer with no service for 3 months (no invitation, an invitation that brought nobody, no home visit) may be invited by others, who repo" },
    RuleInfo { id: "CM-QUARREL", section: "3.10", summary: "Staff of two divisions who argue in front of a customer:" },
    RuleInfo { id: "PF-PROJECT", section: "3.12", summary: "Projects are filed separately from customers, at once, and reported to the general manager and the marketing VP;" },
    RuleInfo { id: "PF-ORDER", section: "3.12", summary: "Two offices filing one customer or project are decided in order:" },
    RuleInfo { id: "PF-CHASE", section: "3.12", summary: "A chaser (催办员) reviews new filings for duplicates and spot-checks follow-ups;" },
    RuleInfo { id: "SF-3DAYS", section: "3.13", summary: "A customer must be filed within 3 working days of the first contact, and a change of its details within 3 working days of the change;" },
    RuleInfo { id: "SF-REVIEW", section: "3.13", summary: "A filing is `pending` until the department manager reviews it;" },
    RuleInfo { id: "SF-QUOTA", section: "3.13", summary: "Each department sets a monthly filing quota;" },
    RuleInfo { id: "SF-ASSIGN", section: "3.13", summary: "Where the company says so (精华篇), filing gives no ownership by itself:" },
    RuleInfo { id: "ROT-ORDER", section: "4", summary: "On-duty salespeople form a circular order (the day's duty order;" },
    RuleInfo { id: "ROT-BUSY", section: "4", summary: "The one on turn is busy with a customer or sales work:" },
    RuleInfo { id: "ROT-AWAY", section: "4", summary: "The one on turn is away or on non-sales matters:" },
    RuleInfo { id: "ROT-OUT", section: "4", summary: "Out on company business:" },
    RuleInfo { id: "ROT-DESIG", section: "4", summary: "A first-time customer who designates someone bypasses the order and does not consume a turn of the others." },
    RuleInfo { id: "ROT-RETURN", section: "4", summary: "A returning customer goes to their owner (or an assistant per the rulebook) and consumes no turn." },
    RuleInfo { id: "ROT-FAIR", section: "4", summary: "A daily board shows the order, who is next, turns owed, and each one's count of receptions;" },
    RuleInfo { id: "DIST-EVEN", section: "5", summary: "A batch of leads (event, purchase, pool) is split so that counts differ by at most one;" },
    RuleInfo { id: "DIST-RANDOM", section: "5", summary: "Reassignment of a leaver's customers:" },
    RuleInfo { id: "DIST-CAP", section: "5", summary: "A salesperson may own at most N customers (configurable, off by default);" },
    RuleInfo { id: "DSP-CAP", section: "5", summary: "A designer holds at most 3 active orders (deposit received);" },
    RuleInfo { id: "DSP-STALL", section: "5", summary: "A designer with plans drawn but no signing gets no dispatch (except customers buying off-plan 期房)." },
    RuleInfo { id: "DSP-REFUSE", section: "5", summary: "A designer who refuses a dispatch is suspended from dispatch for one month." },
    RuleInfo { id: "DSP-PRIORITY", section: "5", summary: "Large orders go first to senior and fee-charging designers;" },
    RuleInfo { id: "FUP-GRADE", section: "6", summary: "Customers are graded (A/B/C/D, configurable);" },
    RuleInfo { id: "FUP-DUE", section: "6", summary: "A salesperson's follow-up list shows who is due/overdue;" },
    RuleInfo { id: "FUP-RETURN", section: "6", summary: "Delivered projects get return visits monthly in the first year and quarterly afterwards (seed 000 客户管理制度5 §五)." },
    RuleInfo { id: "FUP-STALE", section: "6", summary: "Reports list customers over 3 months without signing who paid a deposit/design fee or got a quote, and measured-but-unsigned ones (seed 002)" },
    RuleInfo { id: "POOL-RETURN", section: "6", summary: "A customer whose claim expired or whose owner failed the rulebook's contact rule returns to the pool at that instant;" },
    RuleInfo { id: "PIPE-STAGES", section: "6", summary: "Pipeline stages are configurable per rulebook;" },
    RuleInfo { id: "CHG-CHANGES", section: "6", summary: "Unit change 换房 (to a larger or dearer unit only), name change 换名 (with a transfer fee) and refund 退房 (refused after signing) are recorded ev" },
    RuleInfo { id: "CHG-OVERDUE", section: "6", summary: "An overdue payment gets a dunning notice (催款通知单);" },
    RuleInfo { id: "FUP-NEXT", section: "6", summary: "Every visit books the next one;" },
    RuleInfo { id: "INV-UNSOLD", section: "6", summary: "Before a deposit is taken on a unit, the unit must be unsold in the sales control (销控) inventory;" },
    RuleInfo { id: "CMP-FIRST", section: "7", summary: "The staff member who first receives a customer's question or complaint is responsible for it (首问负责制) until it is resolved or handed over wit" },
    RuleInfo { id: "CMP-3DAYS", section: "7", summary: "A complaint not resolved within 3 days escalates:" },
    RuleInfo { id: "CMP-MAJOR", section: "7", summary: "A major matter is reported to the general manager at once;" },
    RuleInfo { id: "CMP-APPROVE", section: "7", summary: "A complaint's resolution is approved by the general manager before it is fed back to the customer (seed 004)." },
    RuleInfo { id: "SAT-SURVEY", section: "7", summary: "At least one satisfaction survey per customer per year;" },
    RuleInfo { id: "CRD-LEVEL", section: "8", summary: "Each company customer has a credit level and limit, reviewed periodically by finance." },
    RuleInfo { id: "CRD-OVER", section: "8", summary: "An order that would exceed the limit needs the sales manager's (and above a threshold the sales director's) approval." },
    RuleInfo { id: "CRD-TERMS", section: "8", summary: "Each credit grade carries its sales terms (payment days, discount);" },
    RuleInfo { id: "SEC-ROLES", section: "9", summary: "Roles:" },
    RuleInfo { id: "SEC-MASK", section: "9", summary: "Phones and ID numbers are shown masked (`3+4`) by default;" },
    RuleInfo { id: "SEC-APPROVE", section: "9", summary: "Reading archives outside one's scope needs an approval (查阅档案审批表:" },
    RuleInfo { id: "SEC-AUDIT", section: "9", summary: "Every read of a customer record, every change and every export is in an append-only, hash-chained audit log that a command verifies." },
    RuleInfo { id: "SEC-EXPORT", section: "9", summary: "Bulk export needs the export permission and is logged and watermarked with who exported it." },
    RuleInfo { id: "SEC-LEAVE", section: "9", summary: "When a salesperson leaves, their access ends at once and their customers are reassigned per the rulebook;" },
    RuleInfo { id: "SEC-REALNAME", section: "9", summary: "Real-name registration stores ID number and photo encrypted, uses them only internally, and can destroy them on request when no longer neede" },
    RuleInfo { id: "SEC-REVIEW", section: "9", summary: "The archive is reviewed every 3 months:" },
    RuleInfo { id: "SEC-CONSENT", section: "9", summary: "Collecting a customer's personal data records the customer's informed consent (seed 003 范文);" },
    RuleInfo { id: "RPT-DAILY", section: "10", summary: "Daily visitors and calls (来人来电统计表) per salesperson/channel;" },
    RuleInfo { id: "RPT-FUNNEL", section: "10", summary: "Pipeline funnel with counts and amounts per stage:" },
    RuleInfo { id: "RPT-REG", section: "10", summary: "Registrations per party:" },
    RuleInfo { id: "RPT-MORNING", section: "10", summary: "The morning meeting sheet:" },
    RuleInfo { id: "RPT-SALES", section: "10", summary: "Small-deposit, large-deposit and signing registers (小订/大订/签约明细), the weekly sales analysis, daily and weekly plan sheets, and the reasons fo" },
    RuleInfo { id: "RPT-SERVICE", section: "10", summary: "The monthly service supervision report to the general manager, the weekly service report, and fault reports (time, place, symptoms, plan;" },
    RuleInfo { id: "RPT-FILING", section: "10", summary: "The weekly filing report to the general manager and VP (PF-PROJECT), the direct-sales Friday report and the evaluation before the 5th of eac" },
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

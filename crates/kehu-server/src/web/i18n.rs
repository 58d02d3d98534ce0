//! The pages' words: every message by key, in Chinese (first) and English. Templates call
//! `t("key")`; a key missing from the table fails the page (and the template test).

/// The language a page is shown in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Zh,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh",
            Lang::En => "en",
        }
    }

    /// Punctuation for this language: Chinese full-width marks become their English forms on
    /// English pages (a message built with `：`, `（）`, `，`, `；`).
    pub fn punct(self, s: &str) -> String {
        match self {
            Lang::Zh => s.to_string(),
            Lang::En => s
                .replace('：', ": ")
                .replace('（', " (")
                .replace('）', ")")
                .replace('，', ", ")
                .replace('；', "; "),
        }
    }

    /// One language's half of a bilingual message "中文 (English)"; other messages as they are.
    pub fn pick(self, msg: &str) -> String {
        let msg = msg.trim();
        if let (Some(open), true) = (msg.find(" ("), msg.ends_with(')')) {
            let (zh, en) = (&msg[..open], &msg[open + 2..msg.len() - 1]);
            if zh.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)) {
                return match self {
                    Lang::Zh => zh.to_string(),
                    Lang::En => en.to_string(),
                };
            }
        }
        msg.to_string()
    }
}

/// (key, 中文, English)
pub const MESSAGES: &[(&str, &str, &str)] = &[
    ("skip", "跳到正文", "Skip to content"),
    ("nav", "主导航", "Main navigation"),
    ("project", "项目", "Project"),
    ("logout", "退出", "Sign out"),
    ("yes", "是", "yes"),
    ("no", "否", "no"),
    ("unnamed", "（未留姓名）", "(no name)"),
    ("overdue", "已超时", "overdue"),
    ("approve", "同意", "Approve"),
    ("reject", "驳回", "Reject"),
    ("pager", "翻页", "Pages"),
    ("pager.newer", "较新", "Newer"),
    ("pager.older", "较早", "Older"),
    ("nav.projects", "项目", "Projects"),
    ("nav.desk", "前台接待", "Front desk"),
    ("nav.sales", "我的客户", "My customers"),
    ("nav.agent", "分销报备", "Agent portal"),
    ("nav.manage", "经理台", "Manager"),
    ("nav.staff", "人员与项目", "Staff & projects"),
    ("nav.reports", "报表", "Reports"),
    ("nav.audit", "审计日志", "Audit log"),
    ("nav.work", "工作台", "Work"),
    ("login.title", "登录 kehu 客户管理", "Sign in to kehu"),
    ("login.login", "登录名", "Login"),
    ("login.password", "密码", "Password"),
    ("login.submit", "登录", "Sign in"),
    ("home.title", "选择项目", "Choose a project"),
    ("home.none", "还没有项目。请营销副总或管理员先建立项目。", "No projects yet. The VP or an admin creates them first."),
    ("error.title", "无法完成", "That did not work"),
    ("error.home", "回到首页", "Back to the start"),
    // Roles
    ("role.sales", "置业顾问", "salesperson"),
    ("role.agent", "分销经纪人", "agent"),
    ("role.front_desk", "前台", "front desk"),
    ("role.manager", "经理", "manager"),
    ("role.vp", "营销副总", "VP"),
    ("role.finance", "财务", "finance"),
    ("role.designer", "设计师", "designer"),
    ("role.admin", "管理员", "admin"),
    // Presence
    ("presence.available", "空闲", "available"),
    ("presence.busy", "忙碌", "busy"),
    ("presence.away", "离开", "away"),
    ("presence.out", "外出", "out"),
    ("presence.leave", "请假", "on leave"),
    ("presence.left", "已离职", "left"),
    // Outcomes (G-EXPLAIN)
    ("outcome.accepted", "已受理", "Accepted"),
    ("outcome.rejected", "不予受理", "Rejected"),
    ("outcome.pending", "待定（经理裁定）", "Pending (a manager decides)"),
    ("outcome.invalid", "无效", "Invalid"),
    ("outcome.confirmed", "已确认", "Confirmed"),
    ("field.address", "地址", "Address"),
    ("field.needs", "需求及意向", "Needs and intent"),
    ("outcome.received", "报备已收到", "Registration received"),
    // Acts
    ("act.register", "报备", "registration"),
    ("act.visit", "来访", "visit"),
    ("act.walk_in", "新客到访", "walk-in"),
    ("act.confirm", "来访确认", "visit confirmation"),
    ("act.contact", "跟进", "follow-up"),
    ("act.deposit", "定金", "deposit"),
    ("act.deal", "成交", "deal"),
    ("act.claim", "申诉", "claim"),
    ("act.consent", "同意转让", "consent"),
    ("act.status", "状态", "status"),
    ("act.resolve", "经理裁定", "ruling"),
    ("act.query", "查询", "check"),
    ("act.extend", "延期", "extension"),
    ("act.duty", "值班", "duty"),
    ("act.event", "活动", "event"),
    ("act.reassign", "重新分配", "reassignment"),
    ("act.appoint", "任命", "appointment"),
    ("act.lead", "录入线索", "lead"),
    ("act.distribute", "分配线索", "distribution"),
    ("act.joint_event", "联合活动", "joint event"),
    ("act.invite", "邀约", "invitation"),
    ("act.list", "报名单", "list"),
    ("act.attend", "参会", "attendance"),
    ("act.quarrel", "争执", "quarrel"),
    ("act.close", "结账", "close of the books"),
    ("act.dispatch", "派单", "dispatch"),
    ("act.refuse", "拒单", "refusal"),
    ("act.stage", "阶段", "stage"),
    ("act.hand_over", "合同单据交接", "contract form hand-over"),
    ("act.review", "报备审核", "review"),
    ("act.trip_report", "出差日报", "trip report"),
    ("act.spot_check", "抽查", "spot check"),
    ("act.warn", "到期提醒", "expiry warning"),
    ("act.lapse", "回归公海", "return to the pool"),
    // Channels, contact and deposit kinds
    ("channel.site", "现场（来人登记）", "on site (visitor register)"),
    ("channel.phone", "电话（来电登记）", "phone (call register)"),
    ("channel.online", "网络", "online"),
    ("channel.wechat", "微信", "WeChat"),
    ("channel.qq", "QQ", "QQ"),
    ("channel.sms", "短信", "SMS"),
    ("channel.email", "邮件", "email"),
    ("contact.call", "电话", "call"),
    ("contact.visit", "来访", "visit"),
    ("contact.message", "短信/微信", "message"),
    ("contact.invite", "邀约", "invitation"),
    ("contact.home_visit", "上门拜访", "home visit"),
    ("deposit.small", "小定", "small deposit"),
    ("deposit.large", "大定", "large deposit"),
    ("deposit.deposit", "定金", "deposit"),
    ("deposit.measure", "量房定金", "measurement deposit"),
    ("deposit.promotion", "活动定金", "promotion deposit"),
    // Presets (RULES.md §3)
    ("preset.site-rotation", "案场首访与轮流接待", "site rotation"),
    ("preset.site-first-reception", "案场首次接待", "site first reception"),
    ("preset.team-registration", "团队报备与业务仲裁", "team registration"),
    ("preset.store-registration", "门店报备（定金延保）", "store registration"),
    ("preset.channel-sms", "分销短信报备", "channel SMS"),
    ("preset.channel-distribution", "分销报备与来访确认", "channel distribution"),
    ("preset.channel-launch", "开盘前后报备", "channel launch"),
    ("preset.b2b-protection", "B2B 拜访保护", "B2B protection"),
    ("preset.direct-sales", "直销客户备案", "direct sales"),
    ("preset.conference-marketing", "会议营销与联合邀约", "conference marketing"),
    ("preset.home-decoration", "家装门店派单", "home decoration"),
    ("preset.project-filing", "客户及项目备案", "project filing"),
    ("preset.sales-filing", "业务员报备与审核", "sales filing"),
    // Parties
    ("party.team", "团队", "team"),
    ("party.pool", "公海", "the pool"),
    ("party.company", "公司", "the company"),
    ("party.department", "部门", "the department"),
    // Verdict explanations
    ("explain.rule", "依据规则", "Rule"),
    ("explain.owner", "客户归属", "Owner"),
    ("explain.until", "保护期至", "Protected until"),
    ("explain.until.none", "保护期：长期有效（至成交、离职或经理裁定）", "Protected with no end date (until a sale, a departure or a manager's ruling)"),
    ("explain.credited", "业绩归属", "Credited to"),
    ("explain.shares", "分成", "Shares"),
    ("explain.dispute", "已转经理裁定，答复期限", "Sent to a manager; answer due by"),
    ("explain.violation", "记录违规", "Violation recorded"),
    ("explain.relied", "所依据的记录", "Based on entries"),
    ("explain.receiver", "请接待", "Receiver"),
    ("explain.turn", "计入轮次", "This uses a rotation turn"),
    ("explain.noturn", "不计轮次", "No rotation turn used"),
    ("left.over", "已到期", "expired"),
    ("until.none", "长期", "no end"),
    // Columns
    ("col.time", "时间", "Time"),
    ("col.day", "日期", "Day"),
    ("col.week", "周", "Week"),
    ("col.kind", "类型", "Kind"),
    ("col.customer", "客户", "Customer"),
    ("col.receiver", "接待人", "Received by"),
    ("col.turn", "计轮次", "Turn used"),
    ("col.taken_by", "接听人", "Taken by"),
    ("col.outcome", "结果", "Outcome"),
    ("col.protected_until", "保护期至", "Protected until"),
    ("col.left", "剩余", "Left"),
    ("col.last", "最近一次", "Last entry"),
    ("col.followup", "跟进", "Follow-up"),
    ("col.act", "事项", "Entry"),
    ("col.rule", "规则", "Rule"),
    ("col.owner", "归属", "Owner"),
    ("field.helped_by", "协助成交的同事", "Colleague who helped"),
    ("field.consent_to", "同意由谁接手", "Colleague allowed to take it"),
    ("customer.log.consent", "同意转给同事", "Give consent"),
    ("field.evidence", "证据（合同号、聊天记录等）", "Evidence (contract number, chat record, …)"),
    ("customer.log.claim", "提交认领", "Submit the claim"),
    ("customer.confirm.hint", "客户离开前，由带看经纪人与我当日共同签字", "Signed the same day, before the customer leaves, by the agent who brought them and me"),
    ("field.agent", "带看经纪人", "Agent who brought the customer"),
    ("customer.log.confirm", "提交来访确认单", "Submit the visit confirmation"),
    ("status.sold", "已成交", "Sold"),
    ("col.by", "报备人", "Filed by"),
    ("sales.find.name", "按客户姓名查找（仅显示你有权查阅的客户）", "Find by the customer's name (only customers you may read)"),
    ("sales.find.name.none", "没有找到你可查阅的同名客户", "No customer of that name that you may read"),
    ("manage.team.title", "团队客户", "The team's customers"),
    ("manage.team.held", "名下客户", "Customers held"),
    ("manage.team.soon", "一周内到期", "Ending within a week"),
    ("manage.team.none", "没有可管理的置业顾问", "No salespeople to manage"),
    ("manage.expiring", "即将到期（一周内，请督促跟进）", "Protections ending within a week (ask for a follow-up)"),
    ("manage.expiring.none", "一周内没有到期的客户", "No protection ends within a week"),
    ("nav.inbox", "通知", "Notices"),
    ("work.title", "工作台", "Work"),
    ("explain.points", "联谊会会员积分", "Club member's points"),
    ("staff.calendar", "工作日历（节假日、调休）", "Work calendar (holidays, make-up working days)"),
    ("staff.calendar.holidays", "节假日", "Holidays"),
    ("staff.calendar.workdays", "调休上班日", "Make-up working days"),
    ("staff.calendar.hint", "日期写成 2027-10-01，以空格或逗号分隔；报备时限按工作日计算（SF-3DAYS）。", "Dates as 2027-10-01, separated by spaces or commas; filing deadlines count working days (SF-3DAYS)."),
    ("staff.calendar.submit", "保存日历", "Save the calendar"),
    ("staff.calendar.saved", "的工作日历已保存", "work calendar saved"),
    ("work.appoint.button", "保存任命", "Save the post"),
    ("work.batch", "批次（如科普活动名、供单日期）", "Batch (outreach event, supply date)"),
    ("work.waiting", "条待分配", "waiting"),
    ("work.leads", "录入线索", "Enter a lead"),
    ("work.leads.button", "录入", "Enter"),
    ("work.distribute", "平均分配线索", "Hand out leads evenly"),
    ("work.distribute.button", "分配", "Hand out"),
    ("work.distribute.hint", "按批次随机平均分配（各人相差不超过一条）；已达持有上限的人不再分配。", "Dealt evenly at random (counts differ by at most one); people at the cap get none."),
    ("work.posts", "岗位任命", "Posts"),
    ("work.posts.none", "（未任命）", "(none)"),
    ("work.post", "岗位", "Post"),
    ("work.revoke", "取消该岗位", "Take the post away"),
    ("work.close", "结账（日结、月结）", "Close the books"),
    ("work.close.button", "日结", "Close the day"),
    ("work.close.hint", "记录当天应报未报的名单、出差日报等缺漏；每项只记一次。", "Records what was due that day and is missing (lists, trip reports); each once."),
    ("work.close.month", "月份", "Month"),
    ("work.close.month.button", "月结（拜访积分）", "Close the month (visit points)"),
    ("work.cm.events", "联合活动与名单", "Joint events and lists"),
    ("work.cm.events.hint", "活动前 7 天每天 18:00 前报当天敲定名单；活动当天 12:00–17:59 开始的 10:00 前、18:00 以后开始的 16:00 前报最后名单；迟报或未报每份记事业部经理 10 元。", "Each of the 7 days before: the day's confirmed list before 18:00; on the day, before 10:00 for a 12:00–17:59 start, before 16:00 for an evening start; each late or missing list records 10 yuan against the division head."),
    ("work.cm.lists", "各事业部名单（按日）", "Each division's lists by day"),
    ("work.cm.division", "事业部", "Division"),
    ("work.cm.kind.confirmed", "敲定名单", "confirmed"),
    ("work.cm.kind.plan", "次日计划", "plan"),
    ("work.cm.status.timely", "按时", "in time"),
    ("work.cm.status.late", "迟报", "late"),
    ("work.cm.status.missing", "未报", "missing"),
    ("work.cm.status.due", "待报", "due"),
    ("work.cm.before", "截止", "before"),
    ("work.cm.names", "人", "on the list"),
    ("work.cm.none", "还没有联合活动。", "No joint event yet."),
    ("work.cm.next_due", "本事业部今天的名单截止：", "Your division's list today is due before"),
    ("work.cm.submit", "报名单", "Submit a list"),
    ("work.cm.submit.button", "上报", "Submit"),
    ("work.cm.event", "活动", "Event"),
    ("work.cm.customers", "顾客电话（每行一个）", "Customers' phones (one per line)"),
    ("work.cm.customers.hint", "当天 18:00 以后敲定的邀约列入次日名单。", "An invitation confirmed at or after 18:00 goes on the next day's list."),
    ("work.cm.invite", "邀约敲定", "Confirm an invitation"),
    ("work.cm.invite.button", "记录邀约", "Record the invitation"),
    ("work.cm.no_event", "（不针对联合活动）", "(no joint event)"),
    ("work.cm.part", "身份", "As"),
    ("work.cm.part.guest", "顾客", "guest"),
    ("work.cm.part.speaker", "发言顾客", "speaker"),
    ("work.cm.part.activist", "带动顾客", "activist"),
    ("work.cm.attend", "顾客参会", "Attendance"),
    ("work.cm.attend.button", "记录参会", "Record the attendance"),
    ("work.cm.referred_by", "带来的联谊会会员电话（老带新）", "Phone of the club member who brought them"),
    ("work.cm.new_event", "新建联合活动", "New joint event"),
    ("work.cm.new_event.button", "新建", "Create"),
    ("work.cm.starts", "开始时间", "Starts"),
    ("work.cm.ends", "结束时间（可不填）", "Ends (optional)"),
    ("work.hd.board", "派单看板", "Dispatch board"),
    ("work.hd.board.hint", "排序仅供参考：客户指定的优先，其次资深或收设计费的设计师，再按在手单少的；大单只派给资深或收费设计师。", "The ranking is advice: the one the customer asks for, then senior or fee-charging designers, then fewer active orders; large orders go only to senior or fee-charging designers."),
    ("work.hd.rank", "排序", "Rank"),
    ("work.hd.level", "级别", "Level"),
    ("work.hd.senior", "资深", "senior"),
    ("work.hd.fee", "收设计费", "charges a design fee"),
    ("work.hd.styles", "擅长风格", "Styles"),
    ("work.hd.active", "在手单（已收定金/全部）", "Active orders (deposit / all)"),
    ("work.hd.suspended", "停止派单至", "No dispatch until"),
    ("work.hd.why", "原因", "Why"),
    ("work.hd.no_designers", "本店还没有设计师。", "The store has no designer yet."),
    ("work.hd.dispatch", "派单", "Dispatch"),
    ("work.hd.dispatch.button", "派单", "Dispatch"),
    ("work.hd.designer", "设计师", "Designer"),
    ("work.hd.requested", "客户指定这位设计师", "The customer asked for this designer"),
    ("work.hd.budget", "预算（元）", "Budget (yuan)"),
    ("work.hd.area", "面积（平方米）", "Area (m²)"),
    ("work.hd.stage", "阶段", "Stage"),
    ("work.hd.stage.button", "记录阶段", "Record the stage"),
    ("work.hd.lost_reason", "跑单原因", "Why it was lost"),
    ("work.hd.hand_over", "合同单据交接", "Hand over a contract form"),
    ("work.hd.hand_over.button", "交接", "Hand over"),
    ("work.hd.to", "交给", "To"),
    ("work.hd.purpose", "用途", "Purpose"),
    ("work.hd.purpose.approval", "审批", "approval"),
    ("work.hd.purpose.finance", "交财务", "finance"),
    ("work.hd.returns", "交回时间", "To come back by"),
    ("work.hd.refuse", "拒单（设计师）", "Refuse a dispatch (designer)"),
    ("work.hd.refuse.hint", "拒单后一个月内不再派单，并记录在案。", "After a refusal no dispatch for a month, and it is recorded."),
    ("work.hd.refuse.button", "拒单", "Refuse"),
    ("work.hd.register", "日转交客户登记表", "Daily handover register"),
    ("work.hd.register.none", "本月还没有转交。", "No handover this month."),
    ("work.hd.customer_manager", "客户经理", "Customer manager"),
    ("work.sf.queue", "待审核报备", "Filings to review"),
    ("work.sf.queue.none", "没有待审核的报备。", "No filing waits for review."),
    ("work.sf.late", "超时报备", "filed late"),
    ("work.sf.needs", "需求及意向", "Needs"),
    ("work.sf.reason", "理由（驳回时必填）", "Reason (needed to reject)"),
    ("work.sf.trip", "出差日报", "Trip report"),
    ("work.sf.trip.hint", "出差期间每天 21:00 前向领导汇报当天工作。", "On a trip, report the day's work to your leader before 21:00."),
    ("work.sf.trip.button", "汇报", "Report"),
    ("work.sf.channel", "方式", "By"),
    ("work.sf.channel.sms", "短信", "SMS"),
    ("work.sf.channel.phone", "电话", "phone"),
    ("work.pf.file", "备案（邮件/在线）", "File (e-mail or online)"),
    ("work.pf.file.button", "提交备案", "File"),
    ("work.pf.is_project", "这是一个项目（按名称和地址识别）", "This is a project (identified by name and address)"),
    ("work.pf.name", "客户或项目名称", "Customer or project name"),
    ("work.pf.address", "地址", "Address"),
    ("work.pf.region", "所在区域", "Region"),
    ("work.pf.grade", "客户等级", "Grade"),
    ("work.pf.channel", "方式", "By"),
    ("work.pf.channel.online", "系统在线", "online"),
    ("work.pf.channel.email", "电子邮件", "e-mail"),
    ("work.pf.filings", "近 31 天备案（含撞单判定理由）", "Filings of the last 31 days, with PF-ORDER's reasoning"),
    ("work.pf.none", "近 31 天没有备案。", "No filing in the last 31 days."),
    ("work.pf.project", "项目", "project"),
    ("work.pf.check", "抽查联系频率", "Spot-check contact frequency"),
    ("work.pf.check.button", "抽查", "Check"),
    ("post.coordinator", "协调助理", "coordinator"),
    ("post.resource_director", "顾客资源总监", "customer-resource director"),
    ("post.chaser", "催办员", "chaser"),
    ("post.marketing_manager", "市场管理部经理", "marketing-management manager"),
    ("post.contract_authorised", "合同单据经手人", "authorised for contract forms"),
    ("post.designer", "设计师", "designer"),
    ("stage.measured", "量房", "measured"),
    ("stage.plan", "出图", "plan drawn"),
    ("stage.design_fee", "交设计费", "design fee paid"),
    ("stage.quote", "做报价", "quoted"),
    ("stage.signed", "签合同", "signed"),
    ("stage.approved", "审核", "approved"),
    ("stage.started", "开工", "work started"),
    ("stage.finished", "完工", "finished"),
    ("stage.lost", "跑单", "lost"),
    ("profile.title", "客户档案（选填）", "Customer profile (optional)"),
    ("profile.heading", "客户档案", "Customer profile"),
    ("profile.gender", "性别", "Gender"),
    ("gender.male", "男", "male"),
    ("gender.female", "女", "female"),
    ("profile.source", "认知途径", "How they heard of us"),
    ("profile.layout", "意向户型", "Layout wanted"),
    ("profile.area", "意向面积", "Size wanted"),
    ("profile.budget", "预算", "Budget"),
    ("profile.purpose", "置业目的", "Why they buy"),
    ("field.required", "（必填）", "(required)"),
    ("manage.roster", "排班（本项目的接待顺序）", "Roster (this project's reception order)"),
    ("manage.roster.hint", "勾选在本项目接待新客的置业顾问，并填写顺序；全部不勾选表示公司全部置业顾问按名单顺序轮流 (ROT-ORDER)", "Tick who takes this project's walk-ins and number their order; none ticked means every salesperson of the company in list order (ROT-ORDER)"),
    ("manage.roster.on", "在本项目", "On this project"),
    ("manage.roster.submit", "保存排班", "Save the roster"),
    ("manage.roster.saved", "排班已保存", "Roster saved"),
    ("manage.roster.everyone", "公司全部置业顾问按名单顺序轮流", "Every salesperson of the company, in list order"),
    ("audit.action.project.roster", "排班", "set the roster"),
    ("password.title", "设置密码", "Set your password"),
    ("password.hint", "这是一次性链接：设置后即失效，其他设备上的登录会退出。密码 8 到 128 个字符。", "This link works once: after it, your sessions on other devices end. A password has 8 to 128 characters."),
    ("password.new", "新密码", "New password"),
    ("password.again", "再输入一次", "The same again"),
    ("password.submit", "设置密码", "Set the password"),
    ("password.set", "密码已设置，请用新密码登录", "Your password is set: sign in with it"),
    ("staff.link", "生成设置密码链接", "Make a password link"),
    ("staff.link.made", "一次性设置密码链接（仅显示这一次，三天内有效）", "One-time password link (shown this once, valid three days)"),
    ("staff.add", "新增人员", "Add a person"),
    ("staff.added", "已添加", "added"),
    ("staff.link.expires", "链接有效至", "The link works until"),
    ("agent.check", "撞单查询（报备前先查）", "Collision check (before registering)"),
    ("agent.check.submit", "查询", "Check"),
    ("staff.project.add", "新建项目", "Add a project"),
    ("staff.project.title", "项目名称（中文）", "Display name"),
    ("staff.project.name", "项目代码（网址中使用，小写字母、数字）", "Code (in addresses: lower-case letters, digits)"),
    ("staff.project.rulebook", "规则手册", "Rulebook"),
    ("staff.project.submit", "新建项目", "Add the project"),
    ("staff.project.added", "已新建", "added"),
    ("staff.add.submit", "添加并生成设置密码链接", "Add, and make a password link"),
    ("field.login", "登录名（小写字母、数字）", "Login (lower-case letters, digits)"),
    ("field.person_name", "姓名", "Name"),
    ("field.role", "角色", "Role"),
    ("field.team", "团队（部门）", "Team (department)"),
    ("field.agency", "分销公司（经纪人填写）", "Agency (for agents)"),
    ("inbox.title", "我的通知", "My notices"),
    ("inbox.hint", "规则要求告知你的裁定：签约时的撞单告知、待你答复的争议、转给你的客户等（最近 100 条）", "Verdicts the rules say you must be told of: collisions told at signing, disputes to answer, customers handed to you (the latest 100)"),
    ("inbox.new", "新", "new"),
    ("inbox.none", "暂无通知", "No notices"),
    ("inbox.unread", "条未读通知", "unread notices"),
    ("approval.mine.all", "我的查阅申请", "My requests to read customers"),
    ("approval.mine.hint", "批准后，用“查找客户”输入完整号码即可查阅（有效期内）", "Once approved, find the customer by the full number to read it (while the approval lasts)"),
    ("approval.mine", "我的查阅申请", "My requests to read this customer"),
    ("customer.denied", "该客户不在你的查阅范围内；经审批后可查阅", "This customer is outside your scope; it can be read once a request is approved"),
    ("manage.export", "导出客户（CSV，可用 Excel 打开）", "Export customers (CSV, opens in Excel)"),
    ("manage.export.hint", "导出会记入审计日志，并带有导出人水印", "The export is audited and carries your name as a watermark"),
    ("audit.action.login", "登录", "signed in"),
    ("audit.action.login.failed", "登录失败", "failed sign-in"),
    ("audit.action.logout", "退出", "signed out"),
    ("audit.action.logout.everywhere", "退出所有设备", "signed out everywhere"),
    ("audit.action.password.change", "修改密码", "changed the password"),
    ("audit.action.user.add", "添加账号", "added an account"),
    ("audit.action.password.link", "生成设置密码链接", "made a password link"),
    ("audit.action.password.reset", "用一次性链接设置密码", "set a password with a one-time link"),
    ("audit.action.user.leave", "标记离职", "marked as left"),
    ("audit.action.user.restore", "恢复账号", "restored an account"),
    ("audit.action.token.add", "创建访问令牌", "created an access token"),
    ("audit.action.token.revoke", "吊销访问令牌", "revoked an access token"),
    ("audit.action.project.add", "新建项目", "added a project"),
    ("audit.action.approval.request", "申请查阅档案", "asked to read an archive"),
    ("audit.action.approval.approve", "批准查阅", "approved a reading"),
    ("audit.action.approval.reject", "驳回查阅", "refused a reading"),
    ("audit.action.customer.read", "查阅客户档案", "read a customer record"),
    ("audit.action.customer.read.denied", "越权查阅被拒", "read refused (outside scope)"),
    ("audit.action.customer.unmask", "查看完整号码", "read the full number"),
    ("audit.action.customer.list", "查看我的客户", "listed my customers"),
    ("audit.action.customer.search", "按姓名查找客户", "searched customers by name"),
    ("audit.action.customer.probe.limited", "撞单查询过于频繁", "too many collision checks"),
    ("audit.action.export", "导出客户", "exported customers"),
    ("audit.action.report.csv", "下载报表", "downloaded a report"),
    ("col.status", "状态", "Status"),
    ("col.deadline", "答复期限", "Answer due"),
    ("col.resolve", "裁定", "Ruling"),
    ("col.requester", "申请人", "Requested by"),
    ("col.reason", "理由", "Reason"),
    ("col.decide", "审批", "Decision"),
    ("col.party", "报备方", "Party"),
    ("col.amount", "金额（元）", "Amount (yuan)"),
    ("col.note", "说明", "Note"),
    ("col.login", "登录名", "Login"),
    ("col.name", "姓名", "Name"),
    ("col.role", "角色", "Role"),
    ("col.team", "团队/机构", "Team / agency"),
    ("col.action", "操作", "Action"),
    ("col.parameter", "参数", "Parameter"),
    ("col.value", "取值", "Value"),
    ("col.rules", "相关规则", "Rules"),
    ("col.doc", "说明", "What it does"),
    ("col.actor", "操作人", "Actor"),
    ("col.subject", "对象", "Subject"),
    ("col.detail", "详情", "Detail"),
    // Fields
    ("field.customer_name", "客户姓名", "Customer's name"),
    ("field.phone", "客户电话", "Customer's phone"),
    ("field.phone.hint", "完整号码，或隐号如 138****8000、1380013****", "The full number, or a masked one such as 138****8000"),
    ("field.channel", "来源", "Channel"),
    ("field.contact_kind", "跟进方式", "How"),
    ("field.amount", "金额（元）", "Amount (yuan)"),
    ("field.deposit_kind", "定金类型", "Deposit kind"),
    ("field.closed_by", "成交人", "Closed by"),
    ("field.closed_by.company", "客户直接向公司购买", "Bought from the company directly"),
    ("field.visit_at", "预计到访时间（可不填）", "Expected visit (optional)"),
    ("field.reason", "查阅理由", "Why you need to read it"),
    ("followup.due", "需跟进", "follow up"),
    // Front desk
    ("desk.title", "前台接待", "Front desk"),
    ("desk.walkin", "新客到访", "New walk-in"),
    ("desk.next", "下一位接待", "Next to receive"),
    ("desk.nobody", "暂无可接待人员", "nobody available"),
    ("explain.why", "原因", "Why"),
    ("desk.visit", "客户到访（老客、指名、经纪人带看）", "A customer arrives (returning, asking for someone, brought by an agent)"),
    ("desk.visit.hint", "新客请用上方“新客到访”按钮；老客或指名的客户在此登记，由规则决定接待人与是否计轮次", "For a new visitor use the walk-in button above; a returning customer or one asking for someone is recorded here, and the rules decide who receives and whether a turn is used"),
    ("desk.visit.brought_by", "带看经纪人", "Brought by agent"),
    ("desk.visit.names", "客户说出的置业顾问（指名）", "Salesperson the customer names"),
    ("desk.visit.designates", "客户指定接待人", "Salesperson the customer asks to receive them"),
    ("desk.visit.button", "登记到访", "Record the visit"),
    ("manage.split.submit", "按比例分成", "Split by these percentages"),
    ("manage.disputes.noclaimant", "没有可判给的报备方", "no claimant to award it to"),
    ("manage.extend", "延长保护期", "Extend a protection"),
    ("manage.extend.submit", "延长", "Extend"),
    ("manage.until", "截止日期（含当日）", "Until (through that date)"),
    ("manage.duty", "值班安排", "Team on duty"),
    ("manage.team", "团队", "Team"),
    ("manage.duty.submit", "安排值班", "Set the team on duty"),
    ("manage.event", "活动期间", "Event window"),
    ("manage.event.hint", "活动期间新接待的客户由经理裁定归属 (SR-EVENT)", "During an event, the manager decides who owns each new customer received (SR-EVENT)"),
    ("manage.event.name", "活动名称", "Event name"),
    ("manage.event.submit", "设定活动", "Set the event"),
    ("p.colon", "：", ": "),
    ("p.open", "（", " ("),
    ("p.close", "）", ")"),
    ("desk.skipped", "本次跳过", "Passed over this time"),
    ("desk.skip.busy", "忙碌，本轮累计，空闲后优先补接 (ROT-BUSY)", "busy: the turn is owed and served first once free (ROT-BUSY)"),
    ("desk.skip.away", "离开，本轮轮空 (ROT-AWAY)", "away: the turn is lost (ROT-AWAY)"),
    ("desk.skip.out.make_up", "外出办公，回来后补接 (ROT-OUT)", "out on business: the turn is made up on return (ROT-OUT)"),
    ("desk.skip.out.lost", "外出，本轮轮空 (ROT-OUT)", "out: the turn is lost (ROT-OUT)"),
    ("desk.skip.leave", "请假，不在班", "on leave: off duty"),
    ("desk.skip.left", "已离职", "has left"),
    ("desk.next.owed", "补接累计的一轮", "serving an owed turn"),
    ("desk.walkin.details", "登记客户信息（可不填）", "Customer details (optional)"),
    ("desk.walkin.button", "新客到访 · 分配接待", "New walk-in · assign"),
    ("desk.board", "接待轮次", "Reception rotation"),
    ("desk.board.caption", "按轮次顺序；累计＝忙碌时保留的轮次，轮空＝离开时失去的轮次", "In rotation order; owed = turns kept while busy, lost = turns missed while away"),
    ("desk.order", "顺序", "Order"),
    ("desk.person", "置业顾问", "Salesperson"),
    ("desk.status", "状态", "Status"),
    ("desk.turns", "已接待", "Received"),
    ("desk.owed", "累计", "Owed"),
    ("desk.lost", "轮空", "Lost"),
    ("desk.change", "更改状态", "Change status"),
    ("desk.next.badge", "下一位", "next"),
    ("desk.visitors", "今日来人登记", "Today's visitor register"),
    ("desk.visitors.none", "今天还没有来访。", "No visitors yet today."),
    ("desk.calls", "今日来电登记", "Today's call register"),
    ("desk.calls.hint", "来电由接听的置业顾问在“我的客户”页以“电话（来电登记）”报备。", "Calls are registered by the salesperson who answered, on My customers, with channel “phone”."),
    ("desk.calls.none", "今天还没有来电登记。", "No calls registered yet today."),
    // Salesperson
    ("sales.title", "我的客户", "My customers"),
    ("sales.register", "客户报备", "Register a customer"),
    ("sales.register.submit", "提交报备", "Register"),
    ("sales.find", "查找客户", "Find a customer"),
    ("sales.find.phone", "要查找的电话（完整或隐号）", "Phone to look up (full or masked)"),
    ("sales.find.submit", "查看档案", "Open the record"),
    ("sales.mine", "我名下的客户", "Customers I hold"),
    ("sales.mine.none", "你名下还没有客户。", "You hold no customers yet."),
    ("customer.title", "客户档案", "Customer record"),
    ("customer.standing", "当前归属", "Standing now"),
    ("customer.log", "登记跟进、定金、成交", "Log a follow-up, deposit or deal"),
    ("customer.log.contact", "登记跟进", "Log follow-up"),
    ("customer.log.deposit", "登记定金", "Log deposit"),
    ("customer.log.deal", "登记成交", "Log deal"),
    ("customer.timeline", "时间线", "Timeline"),
    ("customer.record", "客户记录", "Record"),
    ("customer.none", "没有找到这个客户的记录。", "No record of this customer."),
    ("approval.ask", "申请查阅（部门经理、营销副总审批）", "Ask to read it (the department manager, then the VP approve)"),
    ("approval.ask.submit", "提交申请", "Ask"),
    ("approval.sent", "已提交查阅申请", "Request sent"),
    ("approval.sent.hint", "部门经理同意后再由营销副总审批，批准后 24 小时内可查阅。", "The department manager, then the VP decide; an approval is good for 24 hours."),
    ("approval.pending", "待部门经理审批", "waiting for the manager"),
    ("approval.manager_approved", "待营销副总审批", "waiting for the VP"),
    ("approval.approved", "已批准", "approved"),
    ("approval.rejected", "已驳回", "rejected"),
    // Agent
    ("agent.title", "分销报备", "Agent portal"),
    ("agent.form", "填表报备", "Register by form"),
    ("agent.form.submit", "提交报备", "Register"),
    ("agent.sms", "粘贴短信报备", "Register by pasting the SMS"),
    ("agent.sms.label", "短信内容", "The SMS text"),
    ("agent.sms.hint", "格式：报备《项目》类型,客户姓名,电话:前三后四,公司经纪人,到访:时间。例如：报备《翡翠湾》住宅,客户王先生,电话:138****8000,链家张三,到访:2026-11-25 14:00", "Format: 报备《project》kind,客户name,电话:first three and last four digits,agency and agent,到访:time"),
    ("agent.sms.submit", "识别并报备", "Read and register"),
    ("agent.sms.parsed", "识别结果", "Read as"),
    ("agent.mine", "我们的报备", "Our registrations"),
    ("agent.mine.none", "还没有报备。", "No registrations yet."),
    ("status.protected", "保护中", "protected"),
    ("status.confirmed", "已确认到访", "visit confirmed"),
    ("status.expired", "已失效", "expired"),
    ("status.rejected", "未受理", "rejected"),
    ("status.pending", "待定", "pending"),
    // Manager
    ("manage.title", "经理台", "Manager"),
    ("manage.disputes", "待裁定争议（按答复期限）", "Disputes by answer deadline"),
    ("manage.disputes.none", "没有待裁定的争议。", "No open disputes."),
    ("manage.award", "判给", "Award to"),
    ("manage.split", "按比例分成（合计 100%）", "Split by percentage (adding up to 100 %)"),
    ("manage.approvals", "查阅审批", "Archive approvals"),
    ("manage.approvals.none", "没有待审批的申请。", "Nothing to approve."),
    ("manage.violations", "违规记录", "Violations"),
    ("manage.violations.none", "没有违规记录。", "No violations recorded."),
    ("manage.reassign", "离职/请假人员客户重新分配", "Reassign a leaver's customers"),
    ("manage.reassign.hint", "随机、平均分给其他销售人员；随机种子会记录并显示，可复核。", "Random and even among the other salespeople; the seed is recorded and shown so the draw can be checked."),
    ("manage.reassign.from", "原负责人", "From"),
    ("manage.reassign.submit", "重新分配", "Reassign"),
    ("manage.reassign.none", "目前没有离职或请假的人员。", "Nobody has left or is on leave."),
    ("manage.seed", "随机种子", "Seed"),
    ("manage.split.result", "分配结果（位）", "Customers each"),
    ("staff.title", "人员与项目", "Staff and projects"),
    ("staff.people", "人员", "People"),
    ("staff.projects", "项目与规则", "Projects and their rulebooks"),
    ("staff.active", "在职", "active"),
    ("staff.leave", "办理离职", "Mark as left"),
    ("staff.restore", "恢复账户", "Restore account"),
    ("staff.restored", "的账户已恢复", "account restored"),
    ("staff.left", "已办理离职", "has left"),
    ("staff.left.sessions", "个登录会话已结束", "sessions ended"),
    ("audit.title", "审计日志", "Audit log"),
    ("audit.caption", "每条操作都记入防篡改的审计链，最新的在前", "Every action is in the tamper-evident audit chain, newest first"),
    ("audit.ok", "审计链完整", "The chain is intact"),
    ("audit.broken", "审计链断裂于", "The chain breaks at"),
    ("audit.unverified", "未校验（在地址后加 ?verify=1 校验整条审计链）", "Not verified (add ?verify=1 to check the whole chain)"),
    // Reports
    ("reports.title", "报表", "Reports"),
    ("reports.period", "统计周期", "Period"),
    ("reports.daily", "按日（近 14 天）", "Daily (14 days)"),
    ("reports.weekly", "按周（近 8 周）", "Weekly (8 weeks)"),
    ("reports.csv", "下载 CSV", "Download CSV"),
    ("reports.empty", "该时段没有数据", "No data in this period"),
    ("reports.week_of", " 起", " week"),
    ("reports.visits", "来人来电统计", "Visitors and calls"),
    ("reports.visits.caption", "来人＝新客到访与来访接待；来电＝电话渠道的报备", "Visitors = walk-ins and visits received; calls = registrations by phone"),
    ("reports.visitors", "来人", "Visitors"),
    ("reports.calls", "来电", "Calls"),
    ("reports.regs", "各报备方报备结果", "Registrations per party"),
    ("reports.regs.caption", "受理、不予受理（撞单等）与待定的报备数", "Accepted, rejected (collisions and others) and pending registrations"),
    ("reports.deals", "成交与分成", "Deals and shares"),
    ("reports.deals.caption", "业绩归属的成交额，及按分成比例计的金额（元）", "Deal amounts credited, and amounts by share (yuan)"),
    ("reports.deals.count", "成交套数", "Deals"),
    ("reports.deals.amount", "业绩金额", "Credited amount"),
    ("reports.deals.shares", "分成金额", "Share amount"),
];

/// A message in `lang`, or the key itself if the table lacks it (the test below makes sure no
/// page asks for such a key).
pub fn tr(lang: Lang, key: &str) -> &str {
    match MESSAGES.iter().find(|(k, _, _)| *k == key) {
        Some((_, zh, en)) => match lang {
            Lang::Zh => zh,
            Lang::En => en,
        },
        None => key,
    }
}

/// The message of `key`, or `fallback` when the table has none (a code from an older version).
pub fn tr_or(lang: Lang, key: &str, fallback: &str) -> String {
    match MESSAGES.iter().any(|(k, _, _)| *k == key) {
        true => tr(lang, key).to_string(),
        false => fallback.to_string(),
    }
}

/// `t("key")` in templates: the message in the page's language (`lang` of the context).
pub fn template_t(state: &minijinja::State, key: &str) -> Result<String, minijinja::Error> {
    let lang = match state.lookup("lang").as_ref().and_then(|v| v.as_str()) {
        Some("en") => Lang::En,
        _ => Lang::Zh,
    };
    match MESSAGES.iter().find(|(k, _, _)| *k == key) {
        Some(_) => Ok(tr(lang, key).to_string()),
        None => Err(minijinja::Error::new(
            minijinja::ErrorKind::InvalidOperation,
            format!("no message {key:?}"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn keys_are_unique_and_both_languages_are_filled() {
        let mut seen = BTreeSet::new();
        for (k, zh, en) in MESSAGES {
            assert!(seen.insert(k), "{k} twice");
            assert!(!zh.is_empty() && !en.is_empty(), "{k}");
        }
    }

    #[test]
    fn every_literal_key_of_the_templates_and_pages_is_in_the_table() {
        let sources = [
            include_str!("../../templates/base.html"),
            include_str!("../../templates/login.html"),
            include_str!("../../templates/home.html"),
            include_str!("../../templates/error.html"),
            include_str!("../../templates/desk.html"),
            include_str!("../../templates/sales.html"),
            include_str!("../../templates/customer.html"),
            include_str!("../../templates/agent.html"),
            include_str!("../../templates/manage.html"),
            include_str!("../../templates/staff.html"),
            include_str!("../../templates/audit.html"),
            include_str!("../../templates/reports.html"),
            include_str!("../../templates/inbox.html"),
            include_str!("../../templates/password.html"),
            include_str!("../../templates/work.html"),
            include_str!("work.rs"),
            include_str!("desk.rs"),
            include_str!("sales.rs"),
            include_str!("agent.rs"),
            include_str!("manage.rs"),
            include_str!("reports.rs"),
            include_str!("explain.rs"),
            include_str!("mod.rs"),
        ];
        let mut missing = Vec::new();
        for src in sources {
            for pat in ["t(\"", "lang, \"", "v.lang, \""] {
                for part in src.split(pat).skip(1) {
                    let key = part.split('"').next().unwrap_or_default();
                    // A key ending in '.' is a prefix completed at run time (checked below).
                    if key.ends_with('.') {
                        continue;
                    }
                    if (key.contains('.') || MESSAGES.iter().any(|(k, _, _)| *k == key))
                        && !MESSAGES.iter().any(|(k, _, _)| *k == key)
                    {
                        missing.push(key.to_string());
                    }
                }
            }
        }
        missing.sort();
        missing.dedup();
        assert!(missing.is_empty(), "missing messages: {missing:?}");
    }

    #[test]
    fn every_value_a_key_is_built_from_has_a_message() {
        use kehu_core::model::Role;
        for r in Role::NAMES.split(", ") {
            assert_ne!(tr(Lang::Zh, &format!("role.{r}")), format!("role.{r}"));
        }
        for p in kehu_core::policy::Preset::ALL {
            let k = format!("preset.{}", p.name());
            assert_ne!(tr(Lang::En, &k), k);
        }
        for o in [
            "accepted",
            "rejected",
            "pending",
            "invalid",
            "confirmed",
            "received",
        ] {
            assert_ne!(
                tr(Lang::Zh, &format!("outcome.{o}")),
                format!("outcome.{o}")
            );
        }
        for &a in kehu_core::act::NAMES {
            assert_ne!(tr(Lang::Zh, &format!("act.{a}")), format!("act.{a}"));
        }
    }

    #[test]
    fn bilingual_messages_split_by_language() {
        let m = "该客户已受保护 (already protected)";
        assert_eq!(Lang::Zh.pick(m), "该客户已受保护");
        assert_eq!(Lang::En.pick(m), "already protected");
        assert_eq!(Lang::En.pick("plain (words)"), "plain (words)");
    }
}

//! Chinese titles of the rules (规则名称), for the pages: what a verdict cites, in plain Chinese.
//!
//! Each title is what a salesperson would call the rule of `shared/spec/RULES.md` with that ID;
//! the English one-liners are in [`crate::rules::CATALOGUE`].

/// (id, Chinese title), one entry for every rule of `rules::CATALOGUE`, in the same order.
pub const TITLES: &[(&str, &str)] = &[
    // §2 General mechanics
    ("G-TIME", "规则时间一律按北京时间"),
    ("G-CLOCK", "按给定时刻判定，不读系统时钟"),
    ("G-PHONE", "手机号规范化与隐号格式"),
    ("G-MATCH", "同一客户认定：号码相符且姓氏不冲突"),
    ("G-SCOPE", "各项目分别适用规则，撞单按项目查"),
    ("G-CLAIM", "一客一主，撞单驳回且不泄露归属"),
    ("G-EXPLAIN", "每个判定注明结果、归属与依据"),
    ("G-SHARES", "成交业绩归属与奖金提成分配"),
    ("G-NOTIFY", "客户动态及时通知归属人"),
    ("G-DISPUTE", "经理裁决事项：待定并限时答复"),
    ("G-DEAL-FIRST", "归属争议不影响客户成交"),
    ("G-VIOLATION", "违规登记在案，罚款不自动扣除"),
    // §3.1 site-rotation
    ("SR-FIRST", "首访原则：最早登记者得客户"),
    ("SR-VALID", "建档有效期两个月"),
    ("SR-DESIG", "首访进门指定接待，归被指定者"),
    ("SR-RETURN", "老客户再访不计接待名额"),
    ("SR-HANDBACK", "原接待在场须交回，业绩归原接待"),
    ("SR-REFUSE", "客户不找原接待：建档期内八二分成"),
    ("SR-ABSENT", "原接待不在：协助接待，业绩归原接待"),
    ("SR-SAMEDAY", "协助接待当日成交：奖金五五分"),
    ("SR-COMPLAINT", "客户投诉原接待：经理核实后与其无关"),
    ("SR-MULTI", "说出多名销售员：第一位在场者接待"),
    ("SR-DISCOUNT", "他人为原接待的客户成交：业绩归原接待"),
    ("SR-FORGOT", "客户忘记原接待：轮值接待，查到再分成"),
    ("SR-NTH", "多次来访后指定接待：五五分成"),
    ("SR-SIGNED", "签约后客户归签约业绩人，不再变更"),
    ("SR-REFERRAL", "老带新：新客户归老客户的销售"),
    ("SR-HOUSEHOLD", "家庭成员先后来访归先接待者"),
    ("SR-LEAVE", "长假或调离：经理随机分配客户"),
    ("SR-EVENT", "开盘展会期间由经理确定归属"),
    ("SR-QUARREL", "争吵抢客户：业绩奖金归部门"),
    // §3.2 site-first-reception
    ("FR-FIRST", "首接原则：以系统首次接待记录为准"),
    ("FR-LEFT", "离职人员客户归部门，无定金视为新客"),
    ("FR-ASSIST", "原接待忙或不在时协助接待的分成"),
    ("FR-GROUP", "未交定金后经团购成交不计业绩"),
    ("FR-SCOPE", "轮排协助与接待他人客户分开认定"),
    ("FR-UNKNOWING", "不知情接待他人客户：按贡献分成"),
    ("FR-KNOWING", "明知故抢：业绩归原主，罚一千元"),
    ("FR-DEPOSIT", "已交定金来签约：业绩全归首接"),
    ("FR-COMPLAINT", "客户投诉要求换人：归属转给新销售"),
    // §3.3 team-registration
    ("TR-SITE", "带客到场前台登记方有效"),
    ("TR-PROTECT", "无异议报备严格保护三十天"),
    ("TR-ACTIVE", "十五天内有跟进，他人报备须经同意"),
    ("TR-SAMEDAY", "同日接触：先带客到场者得"),
    ("TR-CLAIM3", "成交后三天内凭证据认领"),
    ("TR-DUTY", "无主成交归当周值班团队"),
    ("TR-LEFT", "离职人员客户留原团队，亲友购买不计"),
    // §3.4 store-registration
    ("ST-FIELDS", "报备须有姓名、电话、地址"),
    ("ST-INQUIRY", "上门咨询客户保护七天"),
    ("ST-DEPOSIT", "交定金客户保护九十天"),
    ("ST-EXPIRED", "过期可重新报备，仍跟进则客户选择"),
    ("ST-ASSIST", "他人协助成交：三方协商分成"),
    ("ST-UNREGISTERED", "未报备者撞单无权归属"),
    ("ST-FAKE", "虚假报备：罚五十、一百元，第三次辞退"),
    // §3.5 channel-sms
    ("CS-LEAD", "短信提前半小时报备，保护至到访日结束"),
    ("CS-CONFIRM", "当日由经纪人与置业顾问签来访确认单"),
    ("CS-MONTH", "首次到访起保护一个月"),
    ("CS-HOUSEHOLD", "一家人算一个客户"),
    ("CS-SAMEGROUP", "两家带同一批客户：先接待者得"),
    ("CS-DISPUTE", "争议客户出待定确认单，二十四小时内答复"),
    // §3.6 channel-distribution
    ("CD-PRE", "分销客户须短信预报备，否则归公司"),
    ("CD-7DAYS", "预报备有效七天，五天一跟进方可续报"),
    ("CD-GROUP", "当日带团未短信：须报姓名和电话"),
    ("CD-FIRST", "报备重叠：先报备者得"),
    ("CD-CONFIRM", "来访确认单须全号、时间和三方签字"),
    ("CD-30DAYS", "确认到访起保护三十天"),
    ("CD-SELF", "客户自行上门：说出分销单位即归该单位"),
    // §3.7 channel-launch
    ("CL-PRE", "预报备须提前一天，只作凭证"),
    ("CL-FORMAL", "现场签字正式报备方有效"),
    ("CL-LAUNCH", "开盘前报备保护至开盘当日，之后报备七天"),
    ("CL-AREA", "推广区域外客户不予结算"),
    ("CL-SILENT", "签约前不告知撞单情况"),
    // §3.8 b2b-protection
    ("BP-SALE", "有销售记录的客户受保护"),
    ("BP-VISIT", "报备或拜访后保护三个月"),
    ("BP-IDLE", "六个月无交易回归公司公海"),
    ("BP-OVERLAP", "重复档案：有订单者优先"),
    ("BP-WALKIN", "直接到公司购买归公司，指名者除外"),
    ("BP-LEFT", "离职人员客户由营销副总分配"),
    // §3.9 direct-sales
    ("DS-SELF", "只能备案自己开发的客户"),
    ("DS-REGION", "本区域自动备案，跨区须经理批准"),
    ("DS-CADENCE", "备案首月跟进两次、之后每月三次"),
    ("DS-3MONTHS", "备案三个月无订单即撤销"),
    ("DS-QUOTA", "月度指标：一百线索或二十意向客户"),
    // §3.10 conference-marketing
    ("CM-EVEN", "科普所得客户由参加员工平均分配"),
    ("CM-LAPSE", "三个月无实际服务，他部门邀约即得"),
    ("CM-REFER", "联谊会员带新客户奖励积分"),
    ("CM-CUTOFF", "活动前每日十八点前报邀约名单"),
    ("CM-FIRSTINVITE", "联合活动以按时名单上最早确认为准"),
    ("CM-CREDIT", "联合活动成交全归邀约人"),
    ("CM-QUARREL", "两部门当客户面争执：各罚一百元"),
    // §3.11 home-decoration
    ("HD-OWNER", "客户经理登记，派单后归设计师"),
    ("HD-LEADS", "市场部供单每日对单并分配店面"),
    ("HD-HANDOVER", "每日转交客户登记"),
    ("HD-DEPOSIT", "量房定金与活动定金均算已收定金"),
    ("HD-CONTRACT", "合同经店长审核，合同单交接留痕"),
    // §3.12 project-filing
    ("PF-PROJECT", "一律以电子邮件向工作站备案"),
    ("PF-ORDER", "重复备案按归属地、先后等顺序判定"),
    ("PF-CHASE", "催办员查重复备案并抽查跟进"),
    // §3.13 sales-filing
    ("SF-FIELDS", "备案须填全客户资料"),
    ("SF-FIRST", "谁先备案算谁的"),
    ("SF-3DAYS", "首次接触三个工作日内备案"),
    ("SF-REVIEW", "备案经部门经理审核才生效"),
    ("SF-QUOTA", "每月备案指标与拜访积分"),
    ("SF-ASSIGN", "精华篇：先备案者得，领导指定跟进人"),
    ("SF-TRIP", "出差每日报备，晚九点前向领导汇报"),
    // §4 reception rotation
    ("ROT-ORDER", "轮流接待：按值班顺序循环"),
    ("ROT-BUSY", "轮到时正忙：下位接待，欠轮累计补回"),
    ("ROT-AWAY", "轮到时不在或办非销售事务：轮空"),
    ("ROT-OUT", "因公外出所漏轮次：补接或轮空"),
    ("ROT-DESIG", "首访指定接待不占他人轮次"),
    ("ROT-RETURN", "老客户归原接待，不占轮次"),
    ("ROT-FAIR", "轮值公示，抢客记违规且不计轮次"),
    // §5 distribution and dispatch
    ("DIST-EVEN", "批量客户平均分配"),
    ("DIST-RANDOM", "离职人员客户随机平均分配"),
    ("DIST-CAP", "每人持有客户数上限"),
    ("DSP-CAP", "设计师最多同时三个在手单"),
    ("DSP-STALL", "出图未签单的设计师暂停派单"),
    ("DSP-REFUSE", "拒绝派单停派一个月"),
    ("DSP-PRIORITY", "大单优先派给资深收费设计师"),
    // §6 relationship maintenance
    ("FUP-GRADE", "客户分级，按级定期跟进"),
    ("FUP-DUE", "跟进到期与逾期提醒"),
    ("FUP-RETURN", "交付项目首年每月、之后每季回访"),
    ("FUP-STALE", "三个月未签约客户清单"),
    ("POOL-RETURN", "保护期满或未按规跟进回归公海"),
    ("PIPE-STAGES", "销售阶段可按规则配置"),
    ("CHG-CHANGES", "换房、换名、退房按规定办理"),
    ("CHG-OVERDUE", "逾期付款发催款通知，超两个月违约"),
    ("FUP-NEXT", "每次拜访约定下次，承诺跟踪落实"),
    ("INV-UNSOLD", "收定金前须核对销控"),
    // §7 complaints and satisfaction
    ("CMP-FIRST", "首问负责制"),
    ("CMP-3DAYS", "抱怨三天未解决：罚款并转他部门"),
    ("CMP-GRIEVANCE", "公司发现客户抱怨：罚当事人一百元"),
    ("CMP-TOGM", "客户投诉至总经理：罚当事人与经理"),
    ("CMP-MAJOR", "重大事项立即上报总经理"),
    ("CMP-APPROVE", "投诉处理结果经总经理批准"),
    ("CMP-XDEPT", "部门间服务分歧由办公室裁决"),
    ("SAT-SURVEY", "每年至少一次满意度调查"),
    // §8 credit
    ("CRD-LEVEL", "客户信用等级与额度"),
    ("CRD-OVER", "超信用额度须审批"),
    ("CRD-TERMS", "信用等级对应销售条件"),
    // §9 archive confidentiality, access and audit
    ("SEC-ROLES", "角色与数据查看范围"),
    ("SEC-MASK", "电话与身份证号默认隐号显示"),
    ("SEC-APPROVE", "越权查阅档案须审批"),
    ("SEC-AUDIT", "档案操作全程留痕，不可篡改"),
    ("SEC-EXPORT", "批量导出须授权并留痕"),
    ("SEC-LEAVE", "离职即停权限，客户按规重分"),
    ("SEC-REALNAME", "实名信息加密保存，仅限内部使用"),
    ("SEC-REVIEW", "客户档案每三个月检查一次"),
    ("SEC-CONSENT", "采集个人信息须经客户同意"),
    // §10 statistics and reports
    ("RPT-DAILY", "来人来电统计表"),
    ("RPT-FUNNEL", "销售漏斗统计"),
    ("RPT-REG", "报备情况统计"),
    ("RPT-MORNING", "晨会数据表"),
    ("RPT-SALES", "小订、大订、签约明细与销售分析"),
    ("RPT-SERVICE", "服务监督报告与故障报告"),
    ("RPT-FILING", "备案周报与月度考核"),
];

/// The Chinese title of a rule, if it has one.
pub fn title(id: &str) -> Option<&'static str> {
    TITLES.iter().find(|(i, _)| *i == id).map(|(_, t)| *t)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::CATALOGUE;

    fn is_cjk(c: char) -> bool {
        matches!(c, '\u{4e00}'..='\u{9fff}' | '\u{3400}'..='\u{4dbf}')
    }

    #[test]
    fn every_catalogue_rule_has_exactly_one_title() {
        for rule in CATALOGUE {
            let n = TITLES.iter().filter(|(id, _)| *id == rule.id).count();
            assert_eq!(n, 1, "{} has {n} entries in TITLES", rule.id);
        }
        for (id, _) in TITLES {
            assert!(
                CATALOGUE.iter().any(|r| r.id == *id),
                "{id} is in TITLES but not in rules::CATALOGUE"
            );
        }
        assert_eq!(TITLES.len(), CATALOGUE.len());
    }

    #[test]
    fn titles_follow_catalogue_order() {
        for (entry, rule) in TITLES.iter().zip(CATALOGUE) {
            assert_eq!(entry.0, rule.id);
        }
    }

    #[test]
    fn every_title_is_plain_chinese() {
        for (id, t) in TITLES {
            assert!(!t.trim().is_empty(), "{id} has an empty title");
            assert!(t.chars().any(is_cjk), "{id}: {t} has no Chinese character");
            assert!(!t.is_ascii() && !t.contains('"'), "{id}: {t}");
            assert!(
                !t.chars().any(|c| c.is_ascii_alphabetic()),
                "{id}: {t} contains Latin letters"
            );
            let n = t.chars().count();
            assert!((4..=20).contains(&n), "{id}: {t} has {n} characters");
        }
    }

    #[test]
    fn title_looks_up_by_id() {
        assert_eq!(title("SR-FIRST"), Some("首访原则：最早登记者得客户"));
        assert_eq!(title("G-TIME"), Some("规则时间一律按北京时间"));
        assert_eq!(title("NO-SUCH-RULE"), None);
    }
}

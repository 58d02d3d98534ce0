//! The pipeline (PIPE-STAGES): stages are recorded events, configurable per rulebook (the policy
//! key `stages`). 跑单 (lost) is possible from any stage before the sale is complete, with its
//! reason. Home-decoration's own order (审核 after 签合同, 开工 after 审核) is in its file.

use super::{zh_text, Ctx, Decision};
use crate::act::{Stage, StageAct};
use crate::model::Act;
use crate::rules;
use crate::state::View;
use crate::verdict::{Outcome, Verdict};

/// Whether the customer reached `stage`: an accepted `stage`, or the act that is that stage
/// (a deal is signed; under the real-estate stages a visit, a small or a large deposit).
pub fn reached(view: &View, stage: Stage) -> bool {
    view.events.iter().any(|e| {
        e.verdict.outcome == Outcome::Accepted
            && match &e.act {
                Act::StageAct(s) => s.stage == stage,
                Act::Deal(_) => stage == Stage::Signed,
                _ => false,
            }
    })
}

impl Ctx<'_> {
    /// 交付使用 needs a signed contract.
    pub(crate) fn undelivered(&self, view: &View, a: &StageAct) -> Option<Verdict> {
        (a.stage == Stage::Delivered && !reached(view, Stage::Signed)).then(|| {
            self.verdict(
                Outcome::Rejected,
                rules::PIPE_STAGES,
                "尚未签约，不能记交付使用 (not signed: nothing to deliver)",
            )
        })
    }

    /// The form of a stage act under this rulebook: a stage it lists, and 跑单 with its reason.
    pub(crate) fn stage_form(&self, a: &StageAct) -> Option<Verdict> {
        if a.stage == Stage::Lost {
            if a.reason.as_deref().is_none_or(|r| r.trim().is_empty()) {
                return Some(self.verdict(
                    Outcome::Invalid,
                    rules::PIPE_STAGES,
                    "记录跑单须写明原因 (a lost customer is recorded with its reason)",
                ));
            }
            return None;
        }
        // 交付使用 is recorded under every rulebook (FUP-RETURN), after signing.
        if self.params.stages.contains(&a.stage) || a.stage == Stage::Delivered {
            return None;
        }
        let names: Vec<&str> = self.params.stages.iter().map(|s| s.zh()).collect();
        let en: Vec<&str> = self.params.stages.iter().map(|s| s.name()).collect();
        Some(self.verdict(
            Outcome::Invalid,
            rules::PIPE_STAGES,
            format!(
                "本项目没有「{}」这个阶段；阶段：{} (no stage {} here; the stages: {})",
                a.stage.zh(),
                names.join(" → "),
                a.stage.name(),
                en.join(", ")
            ),
        ))
    }

    /// A stage under a rulebook without stage rules of its own (the real-estate stages).
    pub(crate) fn stage(&self) -> Decision {
        let Act::StageAct(a) = &self.cmd.act else {
            unreachable!("dispatched on stage")
        };
        let st = self.standing(self.view.as_ref());
        let done = |v: Verdict| Decision {
            verdict: v,
            effects: vec![],
            target: self.target_or_none(),
        };
        if let Some(v) = self.stage_form(a) {
            return done(v);
        }
        let Some(view) = self.view.as_ref() else {
            return done(self.verdict(
                Outcome::Rejected,
                rules::PIPE_STAGES,
                "查无此客户 (no such customer)",
            ));
        };
        if let Some(v) = self.undelivered(view, a) {
            return done(v);
        }
        if a.stage == Stage::Lost && reached(view, Stage::Signed) {
            return done(self.reject(
                &st,
                rules::PIPE_STAGES,
                "已签约的客户不记跑单；退房按换房退房规则办理 (a signed customer is not lost: a refund is CHG-CHANGES')",
            ));
        }
        let reason = match (a.stage, a.reason.as_deref()) {
            (Stage::Lost, Some(r)) => format!("跑单（原因：{}） (lost (reason: {r}))", zh_text(r)),
            (s, _) => format!("已记录阶段：{} (stage recorded: {})", s.zh(), s.name()),
        };
        done(self.with_standing(
            self.verdict(Outcome::Accepted, rules::PIPE_STAGES, reason),
            &st,
        ))
    }
}
